"""seed_demo leaves the targets pages something to show: snapshots of the seeded history and
this year's plan, distributed."""

from datetime import date

import pytest
from django.core.management import call_command

from playbook.models import Workspace
from targets.models import MetricSnapshot, Target

pytestmark = pytest.mark.django_db


def test_seed_demo_plans_this_year_from_the_seeded_history():
    call_command("seed_demo", "--workspace", "demo-targets", "--records", "300", verbosity=0)
    workspace = Workspace.objects.get(slug="demo-targets")
    snapshots = MetricSnapshot.objects.of(workspace).filter(scope_key="workspace")
    assert snapshots.filter(month=date.today().replace(day=1)).exists()
    assert sum(s.leads for s in snapshots) > 0
    year = Target.objects.of(workspace).filter(year=date.today().year)
    annual = year.get(metric="new_arr", month=0, scope="workspace")
    monthly = year.filter(metric="new_arr", scope="workspace", month__gt=0)
    assert sum(t.value for t in monthly) == annual.value
    assert year.filter(scope="person", metric="wins").exists()

"""The demo's pipeline history is realistic and consistent with the rules."""

from datetime import timedelta

import pytest
from django.db.models import Count, Max, Min
from django.utils import timezone

import customers.demo
import pipeline.demo
import records.demo
import records.icp_demo
from pipeline import selectors
from pipeline.models import StageTransition
from playbook import demo
from playbook.models import Membership, User
from records.models import Record

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ctx = demo.seed_workspace(slug="demo-pipe", name="Demo", records=300)
        records.demo.seed(ctx)
        records.icp_demo.seed(ctx)
        pipeline.demo.seed(ctx)
        customers.demo.seed(ctx)
        records.icp_demo.seed(ctx)  # Won and Expanded records need their subscriptions
        yield ctx
        Record.objects.filter(workspace=ctx.workspace).delete()  # history rows go with them
        ctx.workspace.delete()
        User.objects.filter(pk__in=[u.pk for u in ctx.users]).delete()


def test_every_record_has_a_stage_and_a_history_over_two_years(seeded):
    ws = seeded.workspace
    assert not Record.objects.filter(workspace=ws, stage__isnull=True).exists()
    per_record = (
        StageTransition.objects.filter(workspace=ws)
        .values("record")
        .annotate(n=Count("id"), first=Min("at"), last=Max("at"))
    )
    assert len(per_record) == 300
    span = StageTransition.objects.filter(workspace=ws).aggregate(a=Min("at"), b=Max("at"))
    assert span["a"] >= timezone.now() - timedelta(days=731)
    assert span["b"] - span["a"] > timedelta(days=500)
    kinds = set(StageTransition.objects.filter(workspace=ws).values_list("kind", flat=True))
    assert {"created", "forward", "lost", "nurture"} <= kinds
    statuses = set(Record.objects.filter(workspace=ws).values_list("status", flat=True))
    assert statuses == {"open", "lost", "nurture"}
    by_stage = dict(
        Record.objects.filter(workspace=ws, status="open")
        .values_list("stage__key")
        .annotate(n=Count("id"))
    )
    assert set(by_stage) == {"lead", "mql", "sql", "opportunity", "won", "expanded"}


def test_open_records_meet_their_stage_and_belong_to_its_team(seeded):
    ws = seeded.workspace
    teams = dict(Membership.objects.filter(workspace=ws).values_list("user_id", "team"))
    stages = {s.pk: s for s in selectors.stages(ws)}
    open_records = Record.objects.filter(workspace=ws, status="open").exclude(stage__key="lead")
    for record in open_records[:60]:
        stage = stages[record.stage_id]
        assert selectors.unmet_rules(record, [stage]) == [], (record.pk, stage.key)
        assert teams[record.owner_id] == stage.receiving_team


def test_history_is_consistent_with_the_record(seeded):
    ws = seeded.workspace
    for record in Record.objects.filter(workspace=ws)[:80]:
        moves = list(StageTransition.objects.filter(record=record).order_by("at", "id"))
        assert moves[0].kind == "created" and moves[0].at == record.created_at
        last_entry = [m for m in moves if m.kind != "lost"][-1]
        assert last_entry.at == record.stage_entered_at
        assert moves[-1].to_stage_id == record.stage_id
        assert moves[-1].to_owner_id == record.owner_id

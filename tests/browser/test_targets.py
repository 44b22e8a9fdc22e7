"""Targets in a real browser: set a target, run the planner and distribute its plan (the leader's
journey of the dashboards issue), read the metrics with their bridge, switch the months in place
(htmx), all under the strict CSP."""

import re
from datetime import date

import pytest

from pipeline import services as pipeline_services
from playbook.models import Role
from targets import periods, services
from targets.models import Target
from tests.browser.conftest import assert_no_browser_problems, log_in
from tests.browser.test_pipeline import settled
from tests.factories import MembershipFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def leader(workspace):
    pipeline_services.pipeline_install_defaults(workspace=workspace)
    return MembershipFactory(workspace=workspace, role=Role.LEADER)


def test_set_a_target_plan_and_read_the_metrics(page, workspace, leader):
    now = periods.today_index(workspace)
    services.metrics_rebuild(workspace=workspace, first=now - 2, last=now)
    log_in(page, leader.user.email)

    page.goto(f"/w/{workspace.slug}/targets/")
    page.get_by_label("Metric").select_option("leads")
    page.get_by_label("Value").fill("120")
    page.get_by_role("button", name="Save target").click()
    page.wait_for_url(re.compile(r"/targets/\?year="))
    assert page.get_by_text("Target saved: Leads").is_visible()
    assert page.get_by_role("cell", name="120").first.is_visible()

    page.goto(f"/w/{workspace.slug}/targets/planner/")
    page.get_by_label("New-ARR target").fill("1200000")
    page.get_by_role("button", name="Calculate").click()
    assert page.get_by_role("heading", name=re.compile(r"What \d{4} takes")).is_visible()
    assert page.get_by_text("default").first.is_visible()
    # Distribute: the plan becomes monthly targets for the workspace, its teams and people.
    page.get_by_label(re.compile("I checked the assumptions")).check()
    page.get_by_role("button", name="Distribute as monthly targets").click()
    page.wait_for_url(re.compile(r"/targets/\?year=\d{4}"))
    assert page.get_by_text(re.compile(r"Plan distributed: \d+ monthly targets")).is_visible()
    assert Target.objects.filter(workspace=workspace, month__gt=0, scope="team").exists()

    page.goto(f"/w/{workspace.slug}/targets/metrics/")
    assert page.get_by_role("heading", name="Monthly metrics").is_visible()
    month = periods.label(now)
    page.get_by_label("From").fill(month)
    page.get_by_label("To").fill(month)
    page.get_by_role("button", name="Show").click()
    # htmx swaps the table in place and pushes the months into the address bar.
    page.wait_for_url(re.compile(rf"from={month}&to={month}"))
    settled(page)
    page.wait_for_function("document.querySelectorAll('table.metrics tbody tr').length === 1")
    assert date.today().strftime("%Y-%m") in page.locator("#metrics-table").inner_text()
    assert_no_browser_problems(page)

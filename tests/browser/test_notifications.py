"""The bell in a real browser: a handoff to a member shows on their bell, the notification
leads to the record, and reading it clears the count."""

import pytest
from django.core.cache import cache

from pipeline import services as pipeline_services
from pipeline.models import StageDefinition
from playbook.models import Role
from tests.browser.conftest import assert_no_browser_problems, log_in
from tests.factories import MembershipFactory, RecordFactory

pytestmark = pytest.mark.browser


def test_the_bell_counts_a_handoff_and_reading_it_clears_it(page, workspace):
    cache.clear()
    pipeline_services.pipeline_install_defaults(workspace=workspace)
    stages = {s.key: s for s in StageDefinition.objects.filter(workspace=workspace)}
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN)
    ae = MembershipFactory(workspace=workspace, role=Role.AE)
    sdr = MembershipFactory(workspace=workspace, role=Role.SDR)
    record = RecordFactory(
        workspace=workspace, name="Handed Over Inc", owner=ae.user, stage=stages["opportunity"]
    )
    log_in(page, sdr.user.email)
    page.goto(f"/w/{workspace.slug}/tasks/")
    bell = page.locator("#notification-bell")
    assert bell.is_visible() and bell.locator(".bell-count").count() == 0

    pipeline_services.record_move_back(
        workspace=workspace,
        record=record,
        actor=admin.user,
        membership=admin,
        to_stage=stages["sql"],
        owner=sdr.user,
    )
    page.reload()
    page.wait_for_selector("#notification-bell .bell-count")
    assert page.locator("#notification-bell .bell-count").inner_text() == "1"

    page.locator("#notification-bell").click()
    page.wait_for_url(f"**/w/{workspace.slug}/notifications/")
    page.get_by_role("link", name="Handed Over Inc").click()
    page.wait_for_url(f"**/records/{record.pk}/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#notification-bell .bell-count").count() == 0
    assert_no_browser_problems(page)


def test_the_bell_stays_visible_in_the_collapsed_navigation(page, workspace):
    member = MembershipFactory(workspace=workspace, role=Role.SDR)
    page.set_viewport_size({"width": 390, "height": 800})
    log_in(page, member.user.email)
    page.goto(f"/w/{workspace.slug}/tasks/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#notification-bell").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_no_browser_problems(page)

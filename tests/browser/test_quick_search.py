"""The navigation's quick search in a real browser: the keyboard alone finds and opens a record,
at desktop width and at 390 px with the navigation folded."""

import pytest

from playbook.models import Role
from tests.browser.conftest import assert_no_browser_problems, log_in
from tests.factories import ContactFactory, MembershipFactory, RecordFactory

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1366, 390])
def test_slash_type_arrow_down_enter_lands_on_the_record(page, workspace, width):
    member = MembershipFactory(workspace=workspace, role=Role.SDR)
    target = RecordFactory(workspace=workspace, name="Quasar Logistics", domain="quasar.example")
    ContactFactory(record=target, first_name="Quinn", last_name="Quasar")
    RecordFactory(workspace=workspace, name="Unrelated Co")
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, member.user.email)
    page.goto(f"/w/{workspace.slug}/tasks/")
    page.locator("body").click(position={"x": 5, "y": 300})  # focus on the page, not a field
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "quick-search"
    page.keyboard.type("quasar")
    page.wait_for_selector("#quick-search-results [role=option]")
    options = page.locator("#quick-search-results [role=option]")
    assert "Quasar Logistics" in options.first.inner_text()
    assert page.locator("#quick-search").get_attribute("aria-expanded") == "true"
    page.keyboard.press("ArrowDown")
    assert options.first.get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/records/{target.pk}/")
    assert page.get_by_role("heading", name="Quasar Logistics").is_visible()
    if width == 390:
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_no_browser_problems(page)


def test_ctrl_k_focuses_and_escape_closes(page, workspace):
    member = MembershipFactory(workspace=workspace, role=Role.SDR)
    RecordFactory(workspace=workspace, name="Quasar Logistics")
    log_in(page, member.user.email)
    page.goto(f"/w/{workspace.slug}/tasks/")
    page.keyboard.press("Control+k")
    assert page.evaluate("document.activeElement.id") == "quick-search"
    page.keyboard.type("quasar")
    page.wait_for_selector("#quick-search-results [role=option]")
    page.keyboard.press("Escape")
    assert page.locator("#quick-search-results [role=option]").count() == 0
    assert page.locator("#quick-search").get_attribute("aria-expanded") == "false"
    assert_no_browser_problems(page)

"""Saved views and the column chooser in a real browser: filter the list, save it as a view,
come back to it through the view menu, choose a column from the keyboard and find it
remembered; at 1366 and at 390 px, under the strict CSP."""

import pytest

from playbook.models import Role
from records.models import SavedView
from tests.browser.conftest import assert_no_browser_problems, log_in
from tests.factories import CustomFieldDefinitionFactory, MembershipFactory, RecordFactory

pytestmark = pytest.mark.browser


def settled(page):
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-settling, "
        ".htmx-swapping, .htmx-added')"
    )


def _headers(page) -> list[str]:
    return [h.strip() for h in page.locator("#record-results thead th").all_inner_texts()]


@pytest.mark.parametrize("width", [1366, 390])
def test_save_a_view_reopen_it_from_the_menu_and_choose_a_column(page, workspace, width):
    page.set_viewport_size({"width": width, "height": 900})
    member = MembershipFactory(workspace=workspace, role=Role.AE)
    CustomFieldDefinitionFactory(workspace=workspace, key="seats", label="Seats", kind="number")
    RecordFactory(
        workspace=workspace, name="Outbound Co", source="outbound", custom_fields={"seats": 40}
    )
    RecordFactory(workspace=workspace, name="Webinar Co", source="webinar")
    log_in(page, member.user.email)
    page.goto(f"/w/{workspace.slug}/records/?owner=any")
    results = page.locator("#record-results")

    # Filter, then save what is on screen as a view.
    page.get_by_label("Source").select_option("outbound")
    page.wait_for_url("**source=outbound**")
    settled(page)
    assert "Webinar Co" not in results.inner_text()
    page.locator("#save-view summary").click()
    page.get_by_label("View name").fill("Outbound deals")
    page.locator("#save-view").get_by_role("button", name="Save view").click()
    page.wait_for_url("**?view=*")
    view = SavedView.objects.get(workspace=workspace, name="Outbound deals")
    assert view.params["source"] == ["outbound"]
    assert "View: Outbound deals" in page.locator("#view-menu summary").inner_text()

    # Away to every record, and back through the view menu.
    page.locator("#view-menu summary").click()
    page.locator("#view-menu").get_by_role("link", name="All records").click()
    page.wait_for_load_state("networkidle")
    assert "Webinar Co" in results.inner_text()
    page.locator("#view-menu summary").click()
    page.locator("#view-menu").get_by_role("link", name="Outbound deals").click()
    page.wait_for_url(f"**?view={view.pk}")
    assert "Outbound Co" in results.inner_text()
    assert "Webinar Co" not in results.inner_text()
    assert page.get_by_label("Source").input_value() == "outbound"  # the bar shows the view

    # Choose the custom field as a column, from the keyboard alone.
    chooser = page.locator("#column-chooser")
    chooser.locator("summary").focus()
    page.keyboard.press("Enter")
    chooser.get_by_label("Seats").focus()  # loaded by htmx as the panel opens
    page.keyboard.press("Space")
    chooser.get_by_role("button", name="Show these columns").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert "Seats" in _headers(page) or width == 390  # the header row is hidden on a phone
    assert "40" in results.locator("tbody tr").first.inner_text()

    # Remembered with the view: open it again from the menu.
    page.locator("#view-menu summary").click()
    page.locator("#view-menu").get_by_role("link", name="All records").click()
    page.wait_for_load_state("networkidle")
    assert "Seats" not in page.locator("#record-results thead").inner_text()
    page.locator("#view-menu summary").click()
    page.locator("#view-menu").get_by_role("link", name="Outbound deals").click()
    page.wait_for_url(f"**?view={view.pk}")
    assert "Seats" in page.locator("#record-results thead").inner_text()
    view.refresh_from_db()
    assert view.columns[-1] == "cf_seats"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert_no_browser_problems(page)

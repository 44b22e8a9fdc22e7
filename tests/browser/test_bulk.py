"""Bulk actions in a real browser: tick records on the list, move them to a stage, and read the
summary that names the refused record and why; with the mouse at 1366 px and the keyboard at
390 px; and merging two duplicates from a record's page."""

import pytest
from django.utils import timezone

from pipeline import services
from pipeline.models import StageDefinition, StageTransition
from playbook.models import Role
from records.models import Record
from tests.browser.conftest import assert_no_browser_problems, log_in, settled
from tests.factories import MembershipFactory, RecordFactory
from tests.pipeline.conftest import qualify

pytestmark = pytest.mark.browser


@pytest.fixture
def setup(workspace):
    services.pipeline_install_defaults(workspace=workspace)
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN)
    MembershipFactory(workspace=workspace, role=Role.SDR)
    stages = {s.key: s for s in StageDefinition.objects.filter(workspace=workspace)}
    records = {}
    for name in ("Ready Co", "Also Ready Co", "Unready Co", "Untouched Co"):
        record = RecordFactory(workspace=workspace, name=name, owner=admin.user)
        if name != "Unready Co":
            qualify(record, "mql")
        record.stage, record.stage_entered_at = stages["lead"], timezone.now()
        record.save()
        records[name] = record
    return workspace, admin, stages, records


@pytest.mark.parametrize("width", [1366, 390])
def test_a_bulk_move_names_the_refused_record_and_its_reason(page, setup, width):
    workspace, admin, stages, records = setup
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, admin.user.email)
    page.goto(f"/w/{workspace.slug}/records/")
    ticked = ("Ready Co", "Also Ready Co", "Unready Co")
    for name in ticked:
        box = page.get_by_label(f"Tick {name}", exact=True)
        if width == 390:
            box.focus()
            page.keyboard.press("Space")
        else:
            box.click()
    assert page.locator("#bulk-selected").inner_text().endswith("(3)")
    page.get_by_label("Bulk action").select_option("move")
    page.get_by_role("button", name="On ticked records").click()
    settled(page)
    panel = page.locator("#bulk-panel")
    assert "Move to stage: 3 selected records" in panel.inner_text()
    panel.get_by_label("Move to").select_option(label="MQL")
    if width == 390:
        panel.get_by_label("Move to").focus()
        page.keyboard.press("Tab")  # the help text is not focusable: the submit button is next
        page.keyboard.press("Enter")
    else:
        panel.get_by_role("button", name="Move to stage: 3 records").click()
    page.wait_for_selector("#bulk-counts")
    settled(page)
    summary = page.locator("#bulk-panel")
    assert "Moved: 2" in summary.inner_text() and "Refused: 1" in summary.inner_text()
    refused = page.locator("#bulk-refused li")
    assert refused.count() == 1
    assert "Unready Co" in refused.inner_text()
    assert "Does not meet the entry rules of MQL" in refused.inner_text()
    link = refused.get_by_role("link", name="Unready Co")
    assert link.get_attribute("href") == f"/w/{workspace.slug}/records/{records['Unready Co'].pk}/"
    # The page does not scroll sideways at 390 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The database agrees: one transition for each moved record, none for the others.
    moved = StageTransition.objects.filter(to_stage=stages["mql"])
    expected = sorted(records[n].pk for n in ("Ready Co", "Also Ready Co"))
    assert sorted(moved.values_list("record_id", flat=True)) == expected
    assert Record.objects.get(pk=records["Untouched Co"].pk).stage == stages["lead"]
    # The list behind the summary reloaded with the new stages.
    page.wait_for_function(
        f"() => document.querySelector('#record-{records['Ready Co'].pk} .stage-cell')"
        ".textContent.includes('MQL')"
    )
    assert_no_browser_problems(page)


@pytest.mark.parametrize("width", [1366, 390])
def test_merging_two_duplicates_from_the_record_page(page, workspace, width):
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN)
    keep = RecordFactory(workspace=workspace, name="Northwind", domain="", owner=admin.user)
    gone = RecordFactory(workspace=workspace, name="Northwind Traders", domain="northwind.example")
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, admin.user.email)
    page.goto(f"/w/{workspace.slug}/records/{keep.pk}/")
    page.get_by_role("button", name="Merge with…").click()
    page.get_by_label("Search records").fill("northwind")
    page.get_by_role("link", name="Merge with Northwind Traders").click()
    assert "Domain" in page.locator(f"#fills-{keep.pk}").inner_text()
    # The keyboard picks the survivor: the first record is chosen; arrow to the other and back.
    page.get_by_label("Keep Northwind", exact=True).focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    assert page.get_by_label("Keep Northwind", exact=True).is_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_role("button", name="Merge the two records").click()
    page.wait_for_url(f"**/records/{keep.pk}/")
    assert "was merged into Northwind" in page.content()
    assert page.locator(".merged-from").first.is_visible()
    page.goto(f"/w/{workspace.slug}/records/{gone.pk}/")
    page.get_by_role("link", name="Northwind").click()
    page.wait_for_url(f"**/records/{keep.pk}/")
    assert Record.objects.get(pk=gone.pk).merged_into_id == keep.pk
    assert Record.objects.get(pk=keep.pk).domain == "northwind.example"
    assert_no_browser_problems(page)

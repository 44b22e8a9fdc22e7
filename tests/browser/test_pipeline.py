"""The pipeline in a real browser: dragging cards on the board and editing a rule."""

import re

import pytest

from pipeline import services
from pipeline.models import QualificationRule, StageDefinition, StageTransition
from playbook.models import Role
from records.models import Record
from tests.browser.conftest import assert_no_browser_problems, log_in, settled
from tests.factories import ContactFactory, MembershipFactory, RecordFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def board_setup(workspace):
    services.pipeline_install_defaults(workspace=workspace)
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN)
    MembershipFactory(workspace=workspace, role=Role.SDR)
    stages = {s.key: s for s in StageDefinition.objects.filter(workspace=workspace)}
    return workspace, admin, stages


def only_expected_problems(page, status):
    """Chromium logs every 4xx answer as a console error; `status` is the one we asked for."""
    expected = f"the server responded with a status of {status}"
    assert [p for p in page.problems if expected not in p] == []
    assert len(page.problems) == 1


def drag(page, card, column):
    """Drag `card` onto `column` with real mouse moves (SortableJS listens to those)."""
    card.scroll_into_view_if_needed()
    box = card.bounding_box()
    target = column.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 10, box["y"] + box["height"] / 2 + 10, steps=5)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 30, steps=20)
    page.mouse.up()


def test_a_refused_drop_snaps_back_and_lists_the_unmet_rules(page, board_setup):
    workspace, admin, stages = board_setup
    record = RecordFactory(workspace=workspace, name="Unqualified Co", icp_score=10)
    record.stage = stages["lead"]
    record.save()
    log_in(page, admin.user.email)
    page.goto(f"/w/{workspace.slug}/pipeline/board/")
    card = page.locator(f"#card-{record.pk}")
    mql = page.locator(f'.board-cards[data-stage="{stages["mql"].pk}"]')
    drag(page, card, mql)
    alert = page.locator("#board-feedback [role=alert]")
    alert.wait_for()
    assert "Unqualified Co was not moved" in alert.inner_text()
    assert "The primary contact's phone number is not valid." in alert.inner_text()
    assert "The ICP score is below 50" in alert.inner_text()
    lead = page.locator(f'.board-cards[data-stage="{stages["lead"].pk}"]')
    assert lead.locator(f"#card-{record.pk}").count() == 1
    assert mql.locator(f"#card-{record.pk}").count() == 0
    assert not StageTransition.objects.filter(record=record).exists()
    only_expected_problems(page, 422)


def test_a_qualified_drop_stays_and_is_in_the_history(page, board_setup):
    workspace, admin, stages = board_setup
    record = RecordFactory(
        workspace=workspace, name="Ready Co", icp_score=80, problem_acknowledged=True
    )
    ContactFactory(record=record, is_primary=True)
    record.stage = stages["lead"]
    record.save()
    log_in(page, admin.user.email)
    page.goto(f"/w/{workspace.slug}/pipeline/board/")
    mql = page.locator(f'.board-cards[data-stage="{stages["mql"].pk}"]')
    drag(page, page.locator(f"#card-{record.pk}"), mql)
    page.locator(f"#col-{stages['mql'].pk}-header .col-count", has_text="1").wait_for()
    card = mql.locator(f"#card-{record.pk}")
    assert card.count() == 1 and card.get_attribute("data-version") == "2"
    transition = StageTransition.objects.get(record=record)
    assert (transition.from_stage, transition.to_stage) == (stages["lead"], stages["mql"])
    page.goto(f"/w/{workspace.slug}/pipeline/records/{record.pk}/")
    history = page.locator("table", has_text="Stage history").or_(page.locator("table"))
    assert "Lead → MQL" in history.first.inner_text()
    assert_no_browser_problems(page)


def test_edit_a_rule_in_the_builder(page, board_setup):
    workspace, admin, stages = board_setup
    rule = QualificationRule.objects.filter(stage=stages["opportunity"]).order_by("position")[0]
    log_in(page, admin.user.email)
    page.goto(f"/w/{workspace.slug}/settings/stages/{stages['opportunity'].pk}/")
    row = page.locator(f"#rule-{rule.pk}")
    row.get_by_role("link", name="Edit").click()
    form = row.locator("form.rule-form")
    form.wait_for()
    settled(page)
    form.get_by_label("Rule").select_option("number_range")
    form.get_by_label("Minimum").wait_for()  # the kind's own fields arrived (htmx)
    settled(page)
    form.get_by_label("Field").select_option("employee_count")
    form.get_by_label("Minimum").fill("lots")
    form.get_by_label("Message when not met").fill("Too small for us.")
    form.get_by_role("button", name="Save the rule").click()
    page.get_by_text("must be a number, not “lots”").wait_for()
    settled(page)
    form = page.locator("form.rule-form").first
    form.get_by_label("Minimum").fill("50")
    form.get_by_role("button", name="Save the rule").click()
    page.locator("#rules-builder", has_text="Employees at least 50").wait_for()
    rule.refresh_from_db()
    assert (rule.kind, rule.params, rule.message) == (
        "number_range",
        {"field": "employee_count", "min": "50"},
        "Too small for us.",
    )
    assert re.search(r"/settings/stages/\d+/$", page.url)
    only_expected_problems(page, 400)  # the refused "lots"


def test_the_record_pages_panel_refuses_in_place_and_advances(page, board_setup):
    workspace, admin, stages = board_setup
    record = RecordFactory(workspace=workspace, name="Panel Co", icp_score=80)
    ContactFactory(record=record, is_primary=True)
    record.stage = stages["lead"]
    record.save()
    log_in(page, admin.user.email)
    page.goto(f"/w/{workspace.slug}/records/{record.pk}/")
    panel = page.locator("#stage-panel")
    assert "1 of 4 not met" in panel.inner_text()
    panel.get_by_role("button", name="Advance to MQL").click()
    page.locator("#stage-panel .refusal").wait_for()
    assert "Panel Co cannot enter the stage yet" in page.locator("#stage-panel").inner_text()
    assert "has not acknowledged the problem" in page.locator("#stage-panel").inner_text()
    assert page.url.endswith(f"/records/{record.pk}/")
    Record.objects.filter(pk=record.pk).update(problem_acknowledged=True)
    page.reload()
    page.locator("#stage-panel").get_by_role("button", name="Advance to MQL").click()
    page.get_by_text("Panel Co moved to MQL.").wait_for()
    assert "To enter SQL" in page.locator("#stage-panel").inner_text()
    only_expected_problems(page, 422)

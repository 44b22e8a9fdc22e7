"""The role journeys of the dashboards issue, each through the pages its role uses, in a real
browser under the strict CSP: an SDR qualifies an MQL to SQL, an AE wins a deal from the board,
a CSM logs an NPS answer, a renewal rep dismisses an alert. (The leader's planner and its
"Distribute" are in test_targets.py.)"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import AlertStatus, Customer, RenewalAlert, Subscription
from pipeline import services as pipeline_services
from pipeline.models import StageDefinition
from playbook.models import Role
from records.models import Record
from tests.browser.conftest import assert_no_browser_problems, log_in
from tests.browser.test_pipeline import drag, only_expected_problems, settled
from tests.customers.homes import alert, customer
from tests.factories import ContactFactory, MembershipFactory, RecordFactory
from tests.pipeline.conftest import qualify

pytestmark = pytest.mark.browser


@pytest.fixture
def ws(workspace):
    pipeline_services.pipeline_install_defaults(workspace=workspace)
    return workspace


@pytest.fixture
def stages(ws):
    return {s.key: s for s in StageDefinition.objects.filter(workspace=ws)}


def _placed(record, stage):
    record.stage, record.stage_entered_at = stage, timezone.now()
    record.save()
    return record


def test_an_sdr_qualifies_an_mql_to_sql_refused_first_then_fixed(page, ws, stages):
    sdr = MembershipFactory(workspace=ws, role=Role.SDR)
    record = RecordFactory(workspace=ws, name="Qualify Co", owner=sdr.user)
    qualify(record, "mql")  # the MQL rules hold; SQL's own two do not yet
    _placed(record, stages["mql"])
    log_in(page, sdr.user.email)
    page.goto(f"/w/{ws.slug}/records/{record.pk}/")
    page.locator("#stage-panel").get_by_role("button", name="Advance to SQL").click()
    refusal = page.locator("#stage-panel .refusal")
    refusal.wait_for()
    assert "Qualify Co cannot enter the stage yet" in refusal.inner_text()
    assert "A rep has not verified the details with the prospect yet." in refusal.inner_text()
    assert "No demo has been completed." in refusal.inner_text()
    assert Record.objects.get(pk=record.pk).stage == stages["mql"]

    # Fix it as the SDR would: verify the details on the record form, log the demo.
    page.goto(f"/w/{ws.slug}/records/{record.pk}/edit/")
    page.get_by_label("Details verified").check()
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(f"**/records/{record.pk}/")
    page.get_by_text("Log an activity or add a task").click()
    form = page.locator("#activity-form")
    form.get_by_label("Kind").select_option("demo")
    form.get_by_label("Subject").fill("Product demo")
    form.get_by_role("button", name="Save").click()
    settled(page)
    page.locator("#timeline", has_text="Product demo").wait_for()
    page.reload()
    page.locator("#stage-panel").get_by_role("button", name="Advance to SQL").click()
    page.get_by_text("Qualify Co moved to SQL.").wait_for()
    assert Record.objects.get(pk=record.pk).stage == stages["sql"]
    only_expected_problems(page, 422)


def test_an_ae_commits_a_deal_then_drags_it_to_won_and_fills_in_the_subscription(page, ws, stages):
    ae = MembershipFactory(workspace=ws, role=Role.AE)
    csm = MembershipFactory(workspace=ws, role=Role.CSM)
    record = RecordFactory(workspace=ws, name="Deal Co", owner=ae.user)
    qualify(record, "opportunity")
    _placed(record, stages["opportunity"])
    log_in(page, ae.user.email)
    # The owner's call first: Commit, from the record page's stage panel (htmx).
    page.goto(f"/w/{ws.slug}/records/{record.pk}/")
    form = page.locator("form[aria-label='Forecast category']")
    form.get_by_label("Forecast category").select_option("commit")
    form.get_by_role("button", name="Save forecast category").click()
    page.get_by_text("Deal Co: forecast category Commit.").wait_for()
    assert Record.objects.get(pk=record.pk).forecast_category == "commit"
    page.goto(f"/w/{ws.slug}/pipeline/board/")
    won = page.locator(f'.board-cards[data-stage="{stages["won"].pk}"]')
    drag(page, page.locator(f"#card-{record.pk}"), won)
    dialog = page.locator("dialog.move-dialog")
    dialog.wait_for()
    dialog.get_by_label("Plan").fill("Growth")
    dialog.get_by_label("Amount", exact=True).fill("2000")
    dialog.get_by_label("Start date").fill(timezone.localdate().isoformat())
    dialog.get_by_label("Customer's goals").fill("Onboard the sales team by March.")
    dialog.get_by_role("button", name="Win and hand over").click()
    # The dialog's form makes the move and takes the AE to the customer's record.
    page.wait_for_url(f"**/records/{record.pk}/")
    assert "Won" in page.locator("#stage-panel").inner_text()
    record.refresh_from_db()
    assert record.stage == stages["won"] and record.owner == csm.user
    sub = Subscription.objects.get(record=record)
    assert (sub.plan, sub.mrr, sub.status) == ("Growth", Decimal("2000.00"), "active")
    assert Customer.objects.get(record=record).won_by == ae.user
    assert_no_browser_problems(page)


def test_a_csm_logs_an_nps_answer_and_sees_the_health_score_change(page, ws, stages):
    csm = MembershipFactory(workspace=ws, role=Role.CSM)
    record, _sub = customer(
        lambda *a, **kw: _placed(RecordFactory(workspace=ws, **kw), stages["won"]),
        csm=csm.user,
        mrr="500",
        name="Happy Co",
    )
    ContactFactory(record=record, is_primary=True)
    from customers.services import health_recompute

    health_recompute(workspace=ws, record_ids=[record.pk])
    before = Customer.objects.get(record=record).health_score
    log_in(page, csm.user.email)
    page.goto(f"/w/{ws.slug}/customers/records/{record.pk}/")
    heading = page.locator("#health-h")
    assert str(before) in heading.inner_text()
    page.get_by_text("Log an NPS or CSAT answer").click()
    form = page.locator("form[aria-label='Log a survey answer']")
    form.get_by_label("Kind").select_option("nps")
    form.get_by_label("Score").fill("10")
    form.get_by_label("Answered on").fill(timezone.localdate().isoformat())
    form.get_by_role("button", name="Log answer").click()
    page.wait_for_load_state("networkidle")
    after = Customer.objects.get(record=record).health_score
    assert after != before
    assert str(after) in page.locator("#health-h").inner_text()
    assert_no_browser_problems(page)


def test_a_renewal_rep_dismisses_an_alert(page, ws, stages):
    rep = MembershipFactory(workspace=ws, role=Role.RENEWALS)
    csm = MembershipFactory(workspace=ws, role=Role.CSM)
    _record, sub = customer(
        lambda *a, **kw: _placed(RecordFactory(workspace=ws, **kw), stages["won"]),
        csm=csm.user,
        mrr="300",
        renewal_owner=rep.user,
        term_end=ws.today() + timedelta(days=25),
        name="Renewing Co",
    )
    due = alert(sub, owner=rep.user)
    log_in(page, rep.user.email)
    page.goto(f"/w/{ws.slug}/customers/renewals/")
    row = page.locator("tr", has_text="Renewing Co")
    row.get_by_text("Dismiss").first.click()
    row.get_by_label("Reason").last.fill("Renewed by phone, paperwork follows")
    row.get_by_role("button", name="Dismiss").click()
    page.get_by_text("Alert dismissed.").wait_for()
    due.refresh_from_db()
    assert (due.status, due.status_reason) == (
        AlertStatus.DISMISSED,
        "Renewed by phone, paperwork follows",
    )
    assert page.locator("tr", has_text="Renewing Co").count() == 0
    assert RenewalAlert.objects.filter(pk=due.pk, status="dismissed").exists()
    assert_no_browser_problems(page)


def test_a_csm_opens_an_upsell_form_loaded_on_demand_and_upsells(page, ws, stages):
    csm = MembershipFactory(workspace=ws, role=Role.CSM)
    record, sub = customer(
        lambda *a, **kw: _placed(RecordFactory(workspace=ws, **kw), stages["won"]),
        csm=csm.user,
        mrr="500",
        name="Growing Co",
    )
    log_in(page, csm.user.email)
    page.goto(f"/w/{ws.slug}/customers/records/{record.pk}/")
    # The action's form is not on the page: opening its details fetches it (htmx).
    assert page.locator(f"form[aria-label='Upsell {sub}']").count() == 0
    page.locator(f"#subscription-{sub.pk} summary", has_text="Upsell").click()
    form = page.locator(f"form[aria-label='Upsell {sub}']")
    form.get_by_label("New MRR").fill("650")
    form.get_by_role("button", name="Upsell").click()
    page.wait_for_load_state("networkidle")
    sub.refresh_from_db()
    assert sub.mrr == Decimal("650")
    assert_no_browser_problems(page)

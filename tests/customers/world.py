"""One row of every customers table for a workspace: the route-walking and RLS tests use it
(tests/world.py, tests/playbook/test_robustness.py)."""

from datetime import date, timedelta

from customers.models import (
    CustomerSettings,
    ExpansionOpportunity,
    ImportJob,
    RenewalAlert,
    SurveyResponse,
)


def customer_rows(workspace, record, subscription, user) -> dict[str, int]:
    CustomerSettings.objects.get_or_create(workspace=workspace)
    SurveyResponse.objects.create(
        workspace=workspace, record=record, kind="nps", score=9, responded_on=date.today()
    )
    alert = RenewalAlert.objects.create(
        workspace=workspace,
        subscription=subscription,
        record=record,
        term_end=subscription.term_end,
        window=30,
        owner=user,
    )
    opportunity = ExpansionOpportunity.objects.create(
        workspace=workspace,
        record=record,
        kind="upsell",
        subscription=subscription,
        expected_mrr=50,
        close_date=date.today() + timedelta(days=30),
        owner=user,
    )
    job = ImportJob.objects.create(
        workspace=workspace, file_name="billing.csv", content="", created_by=user
    )
    answers = ImportJob.objects.create(
        workspace=workspace, kind="surveys", file_name="answers.csv", content="", created_by=user
    )
    return {
        "alert_id": alert.pk,
        "opportunity_id": opportunity.pk,
        "import_id": job.pk,
        "survey_import_id": answers.pk,
    }

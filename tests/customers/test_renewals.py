"""The daily renewal job: windows, exactly-once alerts, tasks and e-mails, auto-renewal, churn
after the grace period, idempotence and resuming; the renewals page."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from customers import services
from customers.models import (
    ClassifiedMovement,
    Customer,
    MrrMovement,
    RenewalAlert,
)
from records.models import Activity
from tests.conftest import login_as
from tests.factories import RecordFactory


def _customer(workspace, renewal_owner, *, started_on, term_months=12, auto_renew=False, mrr="100"):
    record = RecordFactory(workspace=workspace)
    sub = services.subscription_start(
        workspace=workspace,
        record=record,
        mrr=mrr,
        started_on=started_on,
        term_months=term_months,
        auto_renew=auto_renew,
        actor=None,
        today=started_on,
    )
    Customer.objects.filter(record=record).update(renewal_owner=renewal_owner)
    return sub


@pytest.fixture
def owner(workspace, member_factory):
    return member_factory(workspace, "renewals").user


def test_windows():
    assert [services.window_for(d) for d in (121, 120, 91, 90, 61, 31, 30, 1, 0, -5)] == [
        None,
        120,
        120,
        90,
        90,
        60,
        30,
        30,
        None,
        None,
    ]


def test_alerts_once_per_window_with_a_task_and_an_email(workspace, owner):
    sub = _customer(workspace, owner, started_on=date(2025, 7, 1))  # term end 2026-07-01
    for day in ("2026-03-03", "2026-03-03", "2026-03-04", "2026-04-02", "2026-05-02", "2026-06-01"):
        services.renewal_job_run(workspace=workspace, today=date.fromisoformat(day))
    alerts = RenewalAlert.objects.filter(subscription=sub).order_by("-window")
    assert [a.window for a in alerts] == [120, 90, 60, 30]
    assert all(a.term_end == date(2026, 7, 1) and a.owner == owner for a in alerts)
    tasks = Activity.objects.filter(record=sub.record, kind="task", assignee=owner)
    assert tasks.count() == 4 and all(a.task_id for a in alerts)
    assert len(mail.outbox) == 4 and mail.outbox[0].to == [owner.email]
    assert "ends 2026-07-01" in mail.outbox[0].body


def test_a_run_killed_half_way_is_completed_by_the_next_without_doubles(workspace, owner):
    sub = _customer(workspace, owner, started_on=date(2025, 7, 1))
    services.renewals.alerts_create(workspace=workspace, today=date(2026, 6, 1))  # then killed
    assert RenewalAlert.objects.get().task is None
    services.renewal_job_run(workspace=workspace, today=date(2026, 6, 1))
    services.renewal_job_run(workspace=workspace, today=date(2026, 6, 1))
    assert RenewalAlert.objects.count() == 1
    assert Activity.objects.filter(record=sub.record, kind="task").count() == 1
    assert len(mail.outbox) == 1


def test_auto_renewal_at_term_end_keeps_the_price_and_moves_no_mrr(workspace, owner):
    sub = _customer(workspace, owner, started_on=date(2024, 2, 29), auto_renew=True)
    # The job was down for over a year: both missed terms renew, each dated its term end.
    counts = services.renewal_job_run(workspace=workspace, today=date(2026, 3, 1))
    assert counts["renewed"] == 2
    sub.refresh_from_db()
    assert sub.term_end == date(2027, 2, 28) and sub.mrr == Decimal("100") and sub.is_active
    rows = ClassifiedMovement.objects.filter(subscription=sub).order_by("effective_on", "id")
    assert [(r.effective_on, r.action, r.kind) for r in rows] == [
        (date(2024, 2, 29), "start", "new"),
        (date(2025, 2, 28), "auto_renew", None),
        (date(2026, 2, 28), "auto_renew", None),
    ]
    services.renewal_job_run(workspace=workspace, today=date(2026, 3, 1))
    assert MrrMovement.objects.filter(subscription=sub).count() == 3


def test_without_auto_renewal_it_churns_on_its_term_end_after_the_grace_period(workspace, owner):
    sub = _customer(workspace, owner, started_on=date(2025, 1, 31), auto_renew=False)
    settings = services.settings_of(workspace)
    settings.renewal_grace_days = 14
    settings.save()
    services.renewal_job_run(workspace=workspace, today=date(2026, 2, 13))  # within grace
    sub.refresh_from_db()
    assert sub.is_active
    services.renewal_job_run(workspace=workspace, today=date(2026, 2, 14))
    sub.refresh_from_db()
    assert not sub.is_active and sub.cancelled_on == date(2026, 1, 31)
    churn = ClassifiedMovement.objects.filter(subscription=sub).latest("id")
    assert (churn.effective_on, churn.kind, churn.action) == (date(2026, 1, 31), "churn", "lapse")
    services.renewal_job_run(workspace=workspace, today=date(2026, 2, 20))
    assert MrrMovement.objects.filter(subscription=sub).count() == 2


def test_an_upsell_after_the_term_end_does_not_make_it_churn_again_every_day(workspace, owner):
    """A row a person dates after the term end (an upsell in the grace period) is the latest, so
    the subscription stays active after the job churned it at the term end: the job must not
    churn it again the next day, and the database refuses a second churn at one term end."""
    from django.db import IntegrityError, transaction

    sub = _customer(workspace, owner, started_on=date(2025, 1, 31), auto_renew=False)
    services.subscription_change_mrr(
        workspace=workspace, subscription=sub, mrr="150", effective_on=date(2026, 2, 5),
        actor=None, today=date(2026, 2, 5),
    )  # fmt: skip
    for day in range(20, 27):
        services.renewal_job_run(workspace=workspace, today=date(2026, 2, day))
    lapses = MrrMovement.objects.filter(subscription=sub, action="lapse")
    assert list(lapses.values_list("effective_on", flat=True)) == [date(2026, 1, 31)]
    sub.refresh_from_db()
    assert sub.is_active and sub.mrr == Decimal("150")
    with pytest.raises(IntegrityError), transaction.atomic():
        MrrMovement.objects.create(
            workspace=workspace, subscription=sub, record_id=sub.record_id,
            effective_on=date(2026, 1, 31), mrr=0, action="lapse",
        )  # fmt: skip


def test_the_workspace_day_decides_across_midnight(workspace, owner):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    workspace.time_zone = "Pacific/Auckland"
    workspace.save()
    late_utc = datetime(2026, 3, 2, 12, 30, tzinfo=ZoneInfo("UTC"))  # 01:30 on 3 March there
    assert workspace.today(late_utc) == date(2026, 3, 3)
    workspace.time_zone = "America/Los_Angeles"
    assert workspace.today(late_utc) == date(2026, 3, 2)


def test_the_command_runs_the_job(workspace, owner, capsys):
    _customer(workspace, owner, started_on=date(2025, 7, 1))
    call_command("renewal_alerts", "--today", "2026-06-01", "--workspace", workspace.slug)
    call_command("renewal_alerts", "--today", "2026-06-01")
    assert RenewalAlert.objects.count() == 1
    assert "1 alerts" in capsys.readouterr().out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a date"):
        call_command("renewal_alerts", "--today", "2025-02-30")


def test_the_renewals_page_lists_status_and_lets_owners_snooze(
    client, workspace, owner, member_factory, django_assert_max_num_queries
):
    today = workspace.today()
    subs = [
        _customer(workspace, owner, started_on=today - timedelta(days=365 - d))
        for d in (10, 40, 100)
    ]
    services.renewal_job_run(workspace=workspace, today=today)
    renewals_member = member_factory(workspace, "renewals")
    login_as(client, renewals_member)
    url = reverse("customers:renewals", args=[workspace.slug])
    with django_assert_max_num_queries(11):  # constant: the alerts come in one query
        page = client.get(url + "?window=30")
    body = page.content.decode()
    assert page.status_code == 200 and subs[0].record.name in body
    assert subs[2].record.name not in body and "not started" in body
    alert = RenewalAlert.objects.get(subscription=subs[0])
    snooze = reverse("customers:alert_snooze", args=[workspace.slug, alert.pk])
    answer = client.post(snooze, {"until": today + timedelta(days=3), "reason": "On holiday"})
    assert answer.status_code == 302
    assert subs[0].record.name not in client.get(url + "?window=30").content.decode()
    assert subs[0].record.name in client.get(url + "?window=30&hidden=on").content.decode()
    services.subscription_renew(workspace=workspace, subscription=subs[1].pk, actor=None)
    assert "renewed" in client.get(url + "?window=60").content.decode()
    assert client.get(url + "?after=broken").status_code == 400


def test_others_cannot_snooze_and_other_workspaces_alerts_are_404(
    client, workspace, owner, member_factory, other_workspace
):
    sub = _customer(workspace, owner, started_on=workspace.today() - timedelta(days=350))
    services.renewal_job_run(workspace=workspace, today=workspace.today())
    alert = RenewalAlert.objects.get(subscription=sub)
    login_as(client, member_factory(workspace, "sdr"))
    url = reverse("customers:alert_dismiss", args=[workspace.slug, alert.pk])
    assert client.post(url, {"reason": "x"}).status_code == 403
    outsider = member_factory(other_workspace, "admin")
    login_as(client, outsider)
    url = reverse("customers:alert_dismiss", args=[other_workspace.slug, alert.pk])
    assert client.post(url, {"reason": "x"}).status_code == 404
    assert RenewalAlert.objects.get(pk=alert.pk).status == "open"

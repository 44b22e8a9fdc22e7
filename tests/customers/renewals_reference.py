"""The renewal job as it was before it became set-based (customers/services/renewals.py at
107b754): subscription by subscription through the ledger services, alerts and tasks as model
instances. Kept as the oracle of tests/customers/test_renewals_set_based.py, which checks that
the set-based job writes exactly the same rows; not used by the application."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When
from django.utils import timezone

from customers.models import (
    RENEWAL_WINDOWS,
    AlertStatus,
    ChurnReason,
    MovementAction,
    MrrMovement,
    RenewalAlert,
    Subscription,
    SubscriptionStatus,
)
from customers.services.ledger import subscription_cancel, subscription_renew
from customers.services.renewals import alert_dedupe_key, settings_of, window_for
from records.demo import update_objects
from records.models import Activity, ActivityKind

CHUNK = 2000
RENEW_CHUNK = 200


def renewal_job_run(*, workspace, today: date | None = None) -> dict:
    """Everything the daily job does for one workspace. Returns counts for the log."""
    today = today or workspace.today()
    renewed, churned = terms_end(workspace=workspace, today=today)
    created = alerts_create(workspace=workspace, today=today)
    tasks = alert_tasks_create(workspace=workspace, today=today)
    mailed = alert_emails_send(workspace=workspace)
    return {
        "renewed": renewed,
        "churned": churned,
        "alerts": created,
        "tasks": tasks,
        "emails": mailed,
    }


def terms_end(*, workspace, today: date) -> tuple[int, int]:
    """At term end an auto-renewing subscription renews for the same term and price (a renewal
    row dated the term end, no MRR change); one that does not, and was not renewed, churns once
    the grace period has passed (a churn row dated the term end)."""
    grace = settings_of(workspace).renewal_grace_days
    renewed = churned = 0
    due = (
        Subscription.objects.of(workspace)
        .filter(status=SubscriptionStatus.ACTIVE, term_end__lte=today)
        .order_by("term_end", "pk")
        .values_list("pk", "auto_renew", "term_end")
    )
    # Ends of term are handled RENEW_CHUNK to a transaction: the customers' health is then
    # recomputed once per chunk (set-based), not once per subscription. A crash loses at most
    # one chunk, which the next run does again (it selects by status and term end).
    due = list(due)
    for start in range(0, len(due), RENEW_CHUNK):
        with transaction.atomic():
            for pk, auto_renew, term_end in due[start : start + RENEW_CHUNK]:
                r, c = _term_end(workspace, pk, auto_renew, term_end, today, grace)
                renewed, churned = renewed + r, churned + c
    return renewed, churned


def _term_end(workspace, pk, auto_renew, term_end, today, grace) -> tuple[int, int]:
    """(renewed, churned) for one subscription at the end of its term."""
    renewed = 0
    if auto_renew:
        while term_end <= today:  # a job that was down renews each missed term
            movement = subscription_renew(
                workspace=workspace,
                subscription=pk,
                actor=None,
                effective_on=term_end,
                action=MovementAction.AUTO_RENEW,
                note="Renewed automatically at the end of the term.",
                today=today,
            )
            term_end = movement.subscription.term_end
            renewed += 1
        return renewed, 0
    if term_end + timedelta(days=grace) > today:
        return 0, 0
    # Since 2026-11-23 (both jobs): a subscription already churned at this term end, kept
    # active by a row dated after it, is not churned again (movement_one_lapse_per_term_end).
    if (
        MrrMovement.objects.of(workspace)
        .filter(subscription_id=pk, action=MovementAction.LAPSE, effective_on=term_end)
        .exists()
    ):
        return 0, 0
    subscription_cancel(
        workspace=workspace,
        subscription=pk,
        reason=ChurnReason.NOT_RENEWED,
        actor=None,
        effective_on=term_end,
        action=MovementAction.LAPSE,
        note=f"Not renewed within {grace} days of the end of the term.",
        today=today,
    )
    return 0, 1


def alerts_create(*, workspace, today: date) -> int:
    """One alert per active subscription that entered a window, unless it has one already."""
    # The window each candidate is in, in SQL too, so that those that have their alert already
    # (every one but a few each day) are left out by the database instead of being inserted
    # again and refused by the unique constraint.
    window = Case(
        *[
            When(term_end__lte=today + timedelta(days=w), then=Value(w))
            for w in sorted(RENEWAL_WINDOWS)
        ],
        output_field=IntegerField(),
    )
    alerted = RenewalAlert.objects.of(workspace).filter(
        subscription_id=OuterRef("pk"), term_end=OuterRef("term_end"), window=OuterRef("window")
    )
    candidates = (
        Subscription.objects.of(workspace)
        .filter(
            status=SubscriptionStatus.ACTIVE,
            term_end__gt=today,
            term_end__lte=today + timedelta(days=max(RENEWAL_WINDOWS)),
        )
        .annotate(window=window)
        .filter(~Exists(alerted))
        .order_by("pk")
        .values_list("pk", "record_id", "term_end", "record__customer__renewal_owner_id")
    )
    created = 0
    batch = []
    for pk, record_id, term_end, owner_id in candidates.iterator(chunk_size=CHUNK):
        window = window_for((term_end - today).days)
        batch.append(
            RenewalAlert(
                workspace_id=workspace.pk,
                subscription_id=pk,
                record_id=record_id,
                term_end=term_end,
                window=window,
                owner_id=owner_id,
            )
        )
        if len(batch) >= CHUNK:
            created += _insert_alerts(workspace, batch)
            batch = []
    return created + _insert_alerts(workspace, batch)


def _insert_alerts(workspace, batch) -> int:
    if not batch:
        return 0
    keys = {(a.subscription_id, a.term_end, a.window) for a in batch}
    existing = set(
        RenewalAlert.objects.of(workspace)
        .filter(subscription_id__in=[a.subscription_id for a in batch])
        .values_list("subscription_id", "term_end", "window")
    )
    # The unique constraint is what guarantees "once"; ignore_conflicts lets a concurrent run
    # lose the race quietly instead of failing the whole batch.
    RenewalAlert.objects.bulk_create(batch, ignore_conflicts=True)
    return len(keys - existing)


def alert_tasks_create(*, workspace, today: date) -> int:
    """A task for the renewal owner of every open alert that has none yet."""
    created = 0
    pending = (
        RenewalAlert.objects.of(workspace)
        .filter(task__isnull=True, status=AlertStatus.OPEN, owner__isnull=False)
        .select_related("subscription", "record")
        .order_by("pk")
    )
    now = timezone.now()
    while True:
        alerts = list(pending[:CHUNK])
        if not alerts:
            return created
        with transaction.atomic():
            tasks = [
                Activity(
                    workspace_id=workspace.pk,
                    record_id=a.record_id,
                    kind=ActivityKind.TASK,
                    subject=f"Renewal in {a.window} days: {a.record.name[:120]}",
                    body=(
                        f"{a.subscription} (ARR {a.subscription.arr}) ends its term on "
                        f"{a.term_end:%Y-%m-%d}. Talk to the customer about the renewal."
                    ),
                    occurred_at=now,
                    due_at=now + timedelta(days=7),
                    assignee_id=a.owner_id,
                    dedupe_key=alert_dedupe_key(a.pk),
                )
                for a in alerts
            ]
            Activity.objects.bulk_create(tasks, ignore_conflicts=True)
            ids = dict(
                Activity.objects.of(workspace)
                .filter(dedupe_key__in=[t.dedupe_key for t in tasks])
                .values_list("dedupe_key", "pk")
            )
            for a in alerts:
                a.task_id = ids[alert_dedupe_key(a.pk)]
            update_objects(RenewalAlert, workspace.pk, alerts, ["task"])
            created += len(alerts)


def alert_emails_send(*, workspace) -> int:
    """One e-mail per renewal owner listing their new alerts; each alert is marked sent after
    its e-mail went out (a crash in between sends it again rather than never)."""
    pending = (
        RenewalAlert.objects.of(workspace)
        .filter(notified_at__isnull=True, status=AlertStatus.OPEN, owner__isnull=False)
        .select_related("owner", "record", "subscription")
        .order_by("owner_id", "term_end", "pk")
    )
    by_owner = defaultdict(list)
    for alert in pending.iterator(chunk_size=CHUNK):
        by_owner[alert.owner].append(alert)
    sent = 0
    for owner, alerts in by_owner.items():
        lines = [
            f"- {a.record.name}: {a.subscription} (ARR {a.subscription.arr}) ends "
            f"{a.term_end:%Y-%m-%d}, in {a.window} days or less"
            for a in alerts
        ]
        send_mail(
            subject=f"{len(alerts)} renewal{'s' if len(alerts) != 1 else ''} coming up",
            message="Renewals you own are coming up:\n\n" + "\n".join(lines),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[owner.email],
        )
        RenewalAlert.objects.of(workspace).filter(pk__in=[a.pk for a in alerts]).update(
            notified_at=timezone.now()
        )
        sent += 1
    return sent

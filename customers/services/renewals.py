"""The daily renewal job: auto-renewals and churn after the grace period at term end, then the
renewal alerts at 120/90/60/30 days before each active subscription's term end, each with a task
and an e-mail for the renewal owner.

Set-based: the work of a day is a handful of statements whatever the number of subscriptions
(docs/customers.md, "The renewal job"): ends of term are written per chunk (one lock, one insert
of ledger rows, one update of the subscriptions and one of their customers), the alerts are one
`INSERT ... SELECT ... ON CONFLICT DO NOTHING` against their unique constraint, their tasks one
more and the link to them one UPDATE; no model instance per alert or task.

Idempotent and resumable: renewing or churning moves the subscription past the condition that
selected it; an alert exists once per (subscription, term end, window) by a unique constraint;
its task has a dedupe key (unique per workspace); its e-mail is marked sent on the alert. A run
killed half-way leaves no half-made chunk, and the next run completes what the last one did not.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Substr
from django.utils import timezone

from customers.models import (
    RENEWAL_WINDOWS,
    AlertStatus,
    ChurnReason,
    ClassifiedMovement,
    Customer,
    CustomerSettings,
    MovementAction,
    MovementKind,
    MrrMovement,
    RenewalAlert,
    Subscription,
    SubscriptionStatus,
)
from customers.services.expansion import move_to_expanded_if_grown
from customers.services.health import health_recompute_after_commit
from customers.terms import add_months
from playbook.sql import DateText, DecimalText, insert_select
from records.demo import update_objects
from records.models import Activity, ActivityKind

RENEW_CHUNK = 1000  # ends of term per transaction
MAIL_CHUNK = 5000  # alert ids per UPDATE marking e-mails sent
ALERT_KEY_PREFIX = "renewal-alert:"
AUTO_RENEW_NOTE = "Renewed automatically at the end of the term."


def settings_of(workspace) -> CustomerSettings:
    found, _ = CustomerSettings.objects.of(workspace).get_or_create(
        workspace_id=getattr(workspace, "pk", workspace)
    )
    return found


def window_for(days_left: int) -> int | None:
    """The alert window a subscription `days_left` days from its term end is in: the tightest
    of 120/90/60/30 it has reached (a job that missed day 120 still alerts on day 119)."""
    reached = [w for w in RENEWAL_WINDOWS if 0 < days_left <= w]
    return min(reached) if reached else None


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


# --- ends of term ------------------------------------------------------------------------------


def _due(workspace, today: date, grace: int):
    """Active subscriptions at their term end: auto-renewing ones from the term end on, the
    others once the grace period has passed, unless they already churned at that term end (a
    row a person dated after it, an upsell in the grace period, keeps one active: a renewal rep
    renews or cancels it; the job does not churn it again)."""
    lapsed = MrrMovement.objects.of(workspace).filter(
        subscription_id=OuterRef("pk"),
        action=MovementAction.LAPSE,
        effective_on=OuterRef("term_end"),
    )
    return Subscription.objects.of(workspace).filter(
        Q(auto_renew=True, term_end__lte=today)
        | (Q(auto_renew=False, term_end__lte=today - timedelta(days=grace)) & ~Q(Exists(lapsed))),
        status=SubscriptionStatus.ACTIVE,
    )


def terms_end(*, workspace, today: date) -> tuple[int, int]:
    """At term end an auto-renewing subscription renews for the same term and price (a renewal
    row dated the term end, no MRR change; one per missed term if the job was down); one that
    does not, and was not renewed, churns once the grace period has passed (a churn row dated the
    term end). The same rows, in the same order, as subscription_renew / subscription_cancel
    one subscription at a time (tests/customers/test_renewals_set_based.py compares them)."""
    grace = settings_of(workspace).renewal_grace_days
    due = list(
        _due(workspace, today, grace).order_by("term_end", "pk").values_list("pk", flat=True)
    )
    renewed = churned = 0
    # A chunk is one transaction: a crash loses at most one chunk, which the next run does again
    # (it selects by status and term end, which a finished chunk has moved on).
    for start in range(0, len(due), RENEW_CHUNK):
        with transaction.atomic():
            r, c = _terms_end_chunk(workspace, due[start : start + RENEW_CHUNK], today, grace)
        renewed, churned = renewed + r, churned + c
    return renewed, churned


def _terms_end_chunk(workspace, ids: list[int], today: date, grace: int) -> tuple[int, int]:
    # Locked and selected again: a renewal or cancellation by a person since the list was read
    # wins, and its subscription is left alone (as the per-row service refused it).
    subs = sorted(
        _due(workspace, today, grace).filter(pk__in=ids).select_for_update(),
        key=lambda s: (s.term_end, s.pk),
    )
    if not subs:
        return 0, 0
    renewed = churned = 0
    rows = []
    for sub in subs:
        # The version moves with each ledger row, as each action of a person moves it.
        if sub.auto_renew:
            while sub.term_end <= today:  # a job that was down renews each missed term
                rows.append(_row(sub, sub.term_end, sub.mrr, MovementAction.AUTO_RENEW))
                rows[-1].note = AUTO_RENEW_NOTE
                sub.term_end = add_months(sub.term_end, sub.term_months)
                sub.version += 1
                renewed += 1
        else:
            sub.version += 1
            rows.append(_row(sub, sub.term_end, Decimal("0"), MovementAction.LAPSE))
            rows[-1].reason = ChurnReason.NOT_RENEWED
            rows[-1].note = f"Not renewed within {grace} days of the end of the term."
            sub.cancelled_on, sub.cancel_reason = sub.term_end, ChurnReason.NOT_RENEWED
            churned += 1
    records = sorted({s.record_id for s in subs})
    Customer.objects.bulk_create(
        [Customer(workspace_id=workspace.pk, record_id=r) for r in records],
        ignore_conflicts=True,  # the Customer row a subscription's record always has
    )
    list(Customer.objects.of(workspace).filter(record_id__in=records).select_for_update())
    MrrMovement.objects.bulk_create(rows)  # in order: ids are the recorded order
    # Each subscription mirrors its latest ledger row, which a backdated row may not be.
    latest = dict(
        MrrMovement.objects.of(workspace)
        .filter(subscription_id__in=[s.pk for s in subs])
        .order_by("subscription_id", "effective_on", "id")
        .values_list("subscription_id", "mrr")
    )
    for sub in subs:
        sub.mrr = latest[sub.pk]
        sub.status = SubscriptionStatus.ACTIVE if sub.mrr > 0 else SubscriptionStatus.CANCELLED
    update_objects(
        Subscription,
        workspace.pk,
        subs,
        ["mrr", "status", "term_end", "version", "cancelled_on", "cancel_reason"],
    )
    _customers_mrr(workspace, records)
    _expanded(workspace, records, rows)
    health_recompute_after_commit(workspace=workspace, record_ids=records)
    return renewed, churned


def _row(sub, day: date, mrr, action) -> MrrMovement:
    return MrrMovement(
        workspace_id=sub.workspace_id,
        subscription=sub,
        record_id=sub.record_id,
        effective_on=day,
        mrr=mrr,
        action=action,
    )


def _customers_mrr(workspace, records: list[int]) -> None:
    """Each customer's MRR: the sum of its active subscriptions (one UPDATE for the chunk)."""
    active = (
        Subscription.objects.of(workspace)
        .filter(record_id=OuterRef("record_id"), status=SubscriptionStatus.ACTIVE)
        .order_by()
        .values("record_id")
        .annotate(total=Sum("mrr"))
        .values("total")
    )
    Customer.objects.of(workspace).filter(record_id__in=records).update(
        mrr=Coalesce(Subquery(active), Value(Decimal("0")))
    )


def _expanded(workspace, records: list[int], rows: list[MrrMovement]) -> None:
    """A renewal row is an expansion only when it is backdated before a later price rise (it
    renews at today's price): then, as after any expansion, the record moves to Expanded."""
    grown = set(
        ClassifiedMovement.objects.of(workspace)
        .filter(record_id__in=records, pk__in=[r.pk for r in rows], kind=MovementKind.EXPANSION)
        .values_list("pk", flat=True)
    )
    for row in rows:
        if row.pk in grown:
            move_to_expanded_if_grown(workspace=workspace, movement=row, actor=None)


# --- alerts, tasks, e-mails --------------------------------------------------------------------


def alerts_create(*, workspace, today: date) -> int:
    """One alert per active subscription that entered a window, unless it has one already: one
    INSERT ... SELECT; the unique constraint (subscription, term end, window) is what guarantees
    "once", and a concurrent run loses the race quietly (ON CONFLICT DO NOTHING)."""
    # The window each candidate is in (window_for, in SQL): the tightest one it has reached.
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
    # Those that have their alert already (every one but a few each day) are left out here
    # rather than refused by the constraint one by one.
    candidates = (
        Subscription.objects.of(workspace)
        .filter(
            status=SubscriptionStatus.ACTIVE,
            term_end__gt=today,
            term_end__lte=today + timedelta(days=max(RENEWAL_WINDOWS)),
        )
        .annotate(window=window)
        .filter(~Exists(alerted))
    )
    return insert_select(
        RenewalAlert,
        candidates,
        {
            "workspace": F("workspace_id"),
            "subscription": F("pk"),
            "record": F("record_id"),
            "term_end": F("term_end"),
            "window": F("window"),
            "owner": F("record__customer__renewal_owner_id"),
        },
        order_by=("pk",),
    )


def alert_dedupe_key(alert_id: int) -> str:
    return f"{ALERT_KEY_PREFIX}{alert_id}"


def _alert_key(alert_id) -> Concat:
    """alert_dedupe_key in SQL."""
    return Concat(Value(ALERT_KEY_PREFIX), Cast(alert_id, CharField()), output_field=CharField())


def _subscription_name(prefix: str = "subscription__") -> Coalesce:
    """str(Subscription) in SQL: its plan, else its billing id, else "Subscription <id>"."""
    return Coalesce(
        NullIf(F(f"{prefix}plan"), Value("")),
        NullIf(F(f"{prefix}external_id"), Value("")),
        Concat(Value("Subscription "), Cast(f"{prefix}id", CharField())),
        output_field=CharField(),
    )


@transaction.atomic
def alert_tasks_create(*, workspace, today: date) -> int:
    """A task for the renewal owner of every open alert that has none yet: one INSERT ... SELECT
    (the dedupe key, unique per workspace, makes a second one impossible), then one UPDATE that
    links each alert to its task. Returns how many alerts were given their task."""
    pending = RenewalAlert.objects.of(workspace).filter(
        task__isnull=True, status=AlertStatus.OPEN, owner__isnull=False
    )
    now = timezone.now()
    insert_select(
        Activity,
        pending,
        {
            "workspace": F("workspace_id"),
            "record": F("record_id"),
            "kind": Value(ActivityKind.TASK),
            "subject": Concat(
                Value("Renewal in "),
                Cast("window", CharField()),
                Value(" days: "),
                Substr("record__name", 1, 120),
                output_field=CharField(),
            ),
            "body": Concat(
                _subscription_name(),
                Value(" (ARR "),
                DecimalText(F("subscription__mrr") * 12),
                Value(") ends its term on "),
                DateText("term_end"),
                Value(". Talk to the customer about the renewal."),
                output_field=CharField(),
            ),
            "occurred_at": Value(now),
            "due_at": Value(now + timedelta(days=7)),
            "assignee": F("owner_id"),
            "dedupe_key": _alert_key("pk"),
        },
        order_by=("pk",),
    )
    task = Activity.objects.of(workspace).filter(dedupe_key=_alert_key(OuterRef("pk")))
    return pending.update(task=Subquery(task.values("pk")[:1]))


def alert_emails_send(*, workspace) -> int:
    """One e-mail per renewal owner listing their new alerts; each alert is marked sent after
    its e-mail went out (a crash in between sends it again rather than never)."""
    pending = (
        RenewalAlert.objects.of(workspace)
        .filter(notified_at__isnull=True, status=AlertStatus.OPEN, owner__isnull=False)
        .order_by("owner_id", "term_end", "pk")
        .values_list(
            "pk",
            "owner_id",
            "owner__email",
            "record__name",
            "subscription__plan",
            "subscription__external_id",
            "subscription_id",
            "subscription__mrr",
            "term_end",
            "window",
        )
    )
    by_owner = defaultdict(list)
    emails = {}
    for pk, owner_id, email, name, plan, external_id, sub_id, mrr, term_end, window in pending:
        line = (
            f"- {name}: {plan or external_id or f'Subscription {sub_id}'} (ARR {mrr * 12}) "
            f"ends {term_end:%Y-%m-%d}, in {window} days or less"
        )
        by_owner[owner_id].append((pk, line))
        emails[owner_id] = email
    sent = 0
    for owner_id, alerts in by_owner.items():
        send_mail(
            subject=f"{len(alerts)} renewal{'s' if len(alerts) != 1 else ''} coming up",
            message="Renewals you own are coming up:\n\n" + "\n".join(a[1] for a in alerts),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[emails[owner_id]],
        )
        ids, now = [a[0] for a in alerts], timezone.now()
        for start in range(0, len(ids), MAIL_CHUNK):
            RenewalAlert.objects.of(workspace).filter(
                pk__in=ids[start : start + MAIL_CHUNK]
            ).update(notified_at=now)
        sent += 1
    return sent


def _alert_for_change(workspace, alert, membership, reason: str) -> RenewalAlert:
    from customers.services.ledger import check_may_change, locked_row

    check_may_change(membership)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why (it is kept on the alert)."})
    return locked_row(RenewalAlert.objects.of(workspace), alert, "This alert no longer exists.")


@transaction.atomic
def alert_snooze(*, workspace, alert, until: date, reason: str, membership=None) -> RenewalAlert:
    """Hide an alert from the renewals page until `until` (after today, before the term end)."""
    found = _alert_for_change(workspace, alert, membership, reason)
    today = workspace.today()
    if not isinstance(until, date) or until <= today:
        raise ValidationError({"until": "Snooze until a day after today."})
    if until >= found.term_end:
        raise ValidationError({"until": f"Snooze until before the term end ({found.term_end})."})
    found.status, found.snoozed_until, found.status_reason = AlertStatus.SNOOZED, until, reason
    found.save(update_fields=["status", "snoozed_until", "status_reason"])
    return found


@transaction.atomic
def alert_dismiss(*, workspace, alert, reason: str, membership=None) -> RenewalAlert:
    found = _alert_for_change(workspace, alert, membership, reason)
    found.status, found.status_reason = AlertStatus.DISMISSED, reason.strip()
    found.save(update_fields=["status", "status_reason"])
    return found

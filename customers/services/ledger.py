"""Every write to subscriptions and the MRR ledger.

Each action locks the subscription row (select_for_update), checks the version the user was
shown, appends exactly one ledger row and mirrors the subscription's latest ledger row onto
`Subscription.mrr` / `status` in the same transaction. Of two concurrent actions on one
subscription the first wins; the second waits for the lock, sees a newer version and is refused
with a message, so the ledger never holds an action based on a state that no longer exists.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from customers.models import (
    ChurnReason,
    Customer,
    MovementAction,
    MrrMovement,
    Subscription,
    SubscriptionStatus,
)
from customers.permissions import CHANGE_REFUSAL, can_change_customers
from customers.services.expansion import move_to_expanded_if_grown
from customers.services.health import health_recompute_after_commit
from customers.terms import add_months

MAX_MRR = Decimal("999999999999.99")


class StaleSubscription(ValidationError):
    """Someone changed the subscription after the user loaded it."""


class ChangeNotAllowed(ValidationError):
    """The member's role may not change subscriptions."""


def check_may_change(membership) -> None:
    """`membership` None is a system job (renewal job, import from a shell)."""
    if membership is not None and not can_change_customers(membership):
        raise ChangeNotAllowed(CHANGE_REFUSAL, code="forbidden")


def parse_mrr(value, *, field: str = "mrr", allow_zero: bool = False) -> Decimal:
    """A positive amount with at most two decimals (a Decimal, never a float)."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"“{value}” is not an amount."}) from None
    if not amount.is_finite():
        raise ValidationError({field: f"“{value}” is not an amount."})
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError({field: "MRR must be more than 0."})
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({field: "MRR has at most two decimals (cents)."})
    if amount > MAX_MRR:
        raise ValidationError({field: "That MRR is too large."})
    return amount


def _term_months(value) -> int:
    try:
        months = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"term_months": "The term is a whole number of months."}) from None
    if not 1 <= months <= 120:
        raise ValidationError({"term_months": "The term is between 1 and 120 months."})
    return months


def _effective_on(value, *, today: date, not_before: date | None, field="effective_on") -> date:
    if not isinstance(value, date):
        raise ValidationError({field: "Give the date as YYYY-MM-DD."})
    if value > today:
        # Ledger rows are facts: Subscription.mrr mirrors the latest row, which must not be one
        # that has not happened yet (docs/adr/0300).
        raise ValidationError({field: "The date cannot be in the future."})
    if not_before is not None and value < not_before:
        raise ValidationError({field: f"The date cannot be before {not_before:%Y-%m-%d}."})
    return value


def _today(workspace, today: date | None) -> date:
    """`today` (tests, the renewal job's --today) or the workspace's calendar date now."""
    return today or workspace.today()


def _lock(workspace, subscription, version) -> Subscription:
    sub_id = getattr(subscription, "pk", subscription)
    locked = (
        Subscription.objects.of(workspace).select_for_update().filter(pk=sub_id).first()
        if str(sub_id).isdigit()
        else None
    )
    if locked is None:
        raise ValidationError("This subscription no longer exists.", code="missing")
    if version is not None and str(version) != str(locked.version):
        raise StaleSubscription(
            f"Someone else changed {locked} a moment ago (its MRR is now {locked.mrr}). "
            "Reload the page to see the change, then try again.",
            code="stale",
        )
    return locked


def _append(
    subscription: Subscription,
    *,
    mrr: Decimal,
    effective_on: date,
    action: str,
    actor,
    reason: str = "",
    note: str = "",
) -> MrrMovement:
    """Append one ledger row, then mirror the subscription's latest row (a backdated row may
    not be the latest) onto the subscription and bump its version, and the customer's total
    onto its Customer row (locked first, so two subscriptions of one customer changing at once
    add up in turn)."""
    customer = _customer_locked(subscription)
    movement = MrrMovement.objects.create(
        workspace_id=subscription.workspace_id,
        subscription=subscription,
        record_id=subscription.record_id,
        effective_on=effective_on,
        mrr=mrr,
        action=action,
        reason=reason,
        note=(note or "").strip(),
        actor=actor,
    )
    latest = _mrr_on(subscription, date.max)
    subscription.mrr = latest
    subscription.status = SubscriptionStatus.ACTIVE if latest > 0 else SubscriptionStatus.CANCELLED
    subscription.version += 1
    subscription.save()
    total = (
        Subscription.objects.of(subscription.workspace_id)
        .filter(record_id=subscription.record_id, status=SubscriptionStatus.ACTIVE)
        .aggregate(total=Sum("mrr"))["total"]
    )
    customer.mrr = total or Decimal("0")
    customer.save(update_fields=["mrr"])
    health_recompute_after_commit(workspace=subscription.workspace, record_ids=[customer.record_id])
    return movement


def _customer_locked(subscription: Subscription) -> Customer:
    Customer.objects.of(subscription.workspace_id).get_or_create(
        record_id=subscription.record_id, defaults={"workspace_id": subscription.workspace_id}
    )
    return (
        Customer.objects.of(subscription.workspace_id)
        .select_for_update()
        .get(record_id=subscription.record_id)
    )


def _mrr_on(subscription: Subscription, day: date) -> Decimal:
    return (
        MrrMovement.objects.of(subscription.workspace_id)
        .filter(subscription=subscription, effective_on__lte=day)
        .order_by("-effective_on", "-id")
        .values_list("mrr", flat=True)
        .first()
    ) or Decimal("0")


@transaction.atomic
def subscription_start(
    *,
    workspace,
    record,
    mrr,
    started_on: date,
    actor,
    membership=None,
    plan: str = "",
    term_months=12,
    auto_renew: bool = False,
    external_id: str = "",
    action: str = MovementAction.START,
    note: str = "",
    today: date | None = None,
) -> Subscription:
    """A new subscription for `record` (the first one at Won, or a cross-sell) and its first
    ledger row."""
    check_may_change(membership)
    amount = parse_mrr(mrr)
    months = _term_months(term_months)
    started = _effective_on(
        started_on, today=_today(workspace, today), not_before=None, field="started_on"
    )
    external_id = (external_id or "").strip()
    if external_id and Subscription.objects.of(workspace).filter(external_id=external_id).exists():
        raise ValidationError(
            {"external_id": f"A subscription with billing id “{external_id}” already exists."}
        )
    subscription = Subscription.objects.create(
        workspace=workspace,
        record=record,
        external_id=external_id,
        plan=(plan or "").strip(),
        mrr=amount,
        started_on=started,
        term_months=months,
        term_end=add_months(started, months),
        auto_renew=bool(auto_renew),
    )
    movement = _append(
        subscription, mrr=amount, effective_on=started, action=action, actor=actor, note=note
    )
    subscription.expanded = move_to_expanded_if_grown(
        workspace=workspace, movement=movement, actor=actor
    )
    return subscription


@transaction.atomic
def subscription_change_mrr(
    *,
    workspace,
    subscription,
    mrr,
    effective_on: date,
    actor,
    membership=None,
    version=None,
    note: str = "",
    direction: str = "",
    today: date | None = None,
) -> MrrMovement:
    """An upsell (higher MRR) or a downgrade (lower, still above 0) of an active subscription;
    `direction` "up" or "down" insists on one (the Upsell and Downgrade forms). Cancelling is
    `subscription_cancel`, with its reason."""
    check_may_change(membership)
    sub = _lock(workspace, subscription, version)
    amount = parse_mrr(mrr)
    if not sub.is_active:
        raise ValidationError(f"{sub} is cancelled. Reactivate it first.", code="cancelled")
    day = _effective_on(effective_on, today=_today(workspace, today), not_before=sub.started_on)
    # Judged against the MRR on that date: a backdated change compares with what was then.
    then = _mrr_on(sub, day)
    if amount == then:
        raise ValidationError({"mrr": f"The MRR on {day:%Y-%m-%d} is already {then}."})
    if direction == "up" and amount < then:
        raise ValidationError({"mrr": f"An upsell raises the MRR: it is {then} on that date."})
    if direction == "down" and amount > then:
        raise ValidationError({"mrr": f"A downgrade lowers the MRR: it is {then} on that date."})
    action = MovementAction.UPSELL if amount > then else MovementAction.DOWNGRADE
    movement = _append(sub, mrr=amount, effective_on=day, action=action, actor=actor, note=note)
    movement.expanded = move_to_expanded_if_grown(
        workspace=workspace, movement=movement, actor=actor
    )
    return movement


@transaction.atomic
def subscription_renew(
    *,
    workspace,
    subscription,
    actor,
    membership=None,
    version=None,
    mrr=None,
    term_months=None,
    effective_on: date | None = None,
    note: str = "",
    action: str = MovementAction.RENEW,
    today: date | None = None,
) -> MrrMovement:
    """A new term: the term end moves one term further (from the current term end), perhaps at
    a new price from `effective_on` (the day the renewal is signed; default today). A renewal at
    the same price writes a row that changes no MRR (its kind is empty)."""
    check_may_change(membership)
    sub = _lock(workspace, subscription, version)
    if not sub.is_active:
        raise ValidationError(f"{sub} is cancelled. Reactivate it instead.", code="cancelled")
    amount = sub.mrr if mrr in (None, "") else parse_mrr(mrr)
    months = sub.term_months if term_months in (None, "") else _term_months(term_months)
    day = _effective_on(
        effective_on or _today(workspace, today),
        today=_today(workspace, today),
        not_before=sub.started_on,
    )
    sub.term_months = months
    sub.term_end = add_months(sub.term_end, months)
    movement = _append(sub, mrr=amount, effective_on=day, action=action, actor=actor, note=note)
    movement.expanded = move_to_expanded_if_grown(
        workspace=workspace, movement=movement, actor=actor
    )
    return movement


@transaction.atomic
def subscription_cancel(
    *,
    workspace,
    subscription,
    reason: str,
    actor,
    membership=None,
    version=None,
    effective_on: date | None = None,
    note: str = "",
    action: str = MovementAction.CANCEL,
    today: date | None = None,
) -> MrrMovement:
    """Churn: the subscription's MRR is 0 from `effective_on` (default today)."""
    check_may_change(membership)
    if reason not in ChurnReason.values:
        raise ValidationError({"reason": "Choose why the customer cancelled from the list."})
    sub = _lock(workspace, subscription, version)
    if not sub.is_active:
        raise ValidationError(f"{sub} is already cancelled.", code="cancelled")
    day = _effective_on(
        effective_on or _today(workspace, today),
        today=_today(workspace, today),
        not_before=sub.started_on,
    )
    sub.cancelled_on, sub.cancel_reason = day, reason
    return _append(
        sub,
        mrr=Decimal("0"),
        effective_on=day,
        action=action,
        actor=actor,
        reason=reason,
        note=note,
    )


@transaction.atomic
def subscription_reactivate(
    *,
    workspace,
    subscription,
    mrr,
    actor,
    membership=None,
    version=None,
    term_months=None,
    effective_on: date | None = None,
    note: str = "",
    today: date | None = None,
) -> MrrMovement:
    """A cancelled subscription pays again from `effective_on`, for a new term from that day."""
    check_may_change(membership)
    sub = _lock(workspace, subscription, version)
    if sub.is_active:
        raise ValidationError(
            f"{sub} was never cancelled; there is nothing to reactivate.", code="active"
        )
    amount = parse_mrr(mrr)
    months = sub.term_months if term_months in (None, "") else _term_months(term_months)
    day = _effective_on(
        effective_on or _today(workspace, today),
        today=_today(workspace, today),
        not_before=sub.cancelled_on,
    )
    sub.term_months, sub.term_end = months, add_months(day, months)
    sub.cancelled_on, sub.cancel_reason = None, ""
    return _append(
        sub, mrr=amount, effective_on=day, action=MovementAction.REACTIVATE, actor=actor, note=note
    )

"""Expansion opportunities: upsells and cross-sells in the works, on the customer's own record.
Winning one performs the upsell (of its subscription) or the cross-sell (a new subscription)."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from customers.models import (
    ExpansionOpportunity,
    MovementAction,
    OpportunityKind,
    OpportunityStatus,
    Subscription,
)
from customers.services.ledger import (
    check_may_change,
    locked_row,
    parse_mrr,
    subscription_change_mrr,
    subscription_start,
)
from playbook.models import Membership


@transaction.atomic
def opportunity_create(
    *,
    workspace,
    record,
    kind: str,
    expected_mrr,
    close_date: date,
    membership=None,
    owner=None,
    subscription=None,
    plan: str = "",
    note: str = "",
) -> ExpansionOpportunity:
    """`expected_mrr`: for an upsell the subscription's MRR after it; for a cross-sell the new
    subscription's MRR."""
    check_may_change(membership)
    if kind not in OpportunityKind.values:
        raise ValidationError({"kind": "Choose upsell or cross-sell."})
    amount = parse_mrr(expected_mrr, field="expected_mrr")
    if not isinstance(close_date, date):
        raise ValidationError({"close_date": "Give the date as YYYY-MM-DD."})
    sub = None
    if kind == OpportunityKind.UPSELL:
        sub_id = getattr(subscription, "pk", subscription)
        sub = (
            Subscription.objects.of(workspace)
            .filter(pk=sub_id, record_id=record.pk, status="active")
            .first()
            if str(sub_id or "").isdigit()
            else None
        )
        if sub is None:
            raise ValidationError({"subscription": "Choose the active subscription to upsell."})
        if amount <= sub.mrr:
            raise ValidationError({"expected_mrr": f"An upsell raises the MRR above {sub.mrr}."})
    owner_id = getattr(owner, "pk", owner) or None
    if owner_id is not None and not (
        str(owner_id).isdigit()
        and Membership.objects.of(workspace).filter(user_id=owner_id, is_active=True).exists()
    ):
        raise ValidationError({"owner": "Choose an active member of this workspace."})
    return ExpansionOpportunity.objects.create(
        workspace=workspace,
        record_id=record.pk,
        kind=kind,
        subscription=sub,
        plan=(plan or "").strip(),
        expected_mrr=amount,
        close_date=close_date,
        owner_id=owner_id,
        note=(note or "").strip(),
    )


def _open(workspace, opportunity) -> ExpansionOpportunity:
    found = locked_row(
        ExpansionOpportunity.objects.of(workspace),
        opportunity,
        "This opportunity no longer exists.",
    )
    if found.status != OpportunityStatus.OPEN:
        raise ValidationError(f"This opportunity is already {found.get_status_display().lower()}.")
    return found


@transaction.atomic
def opportunity_win(*, workspace, opportunity, actor, membership=None, today=None):
    """Close it as won and perform the upsell or the cross-sell, effective today."""
    check_may_change(membership)
    opp = _open(workspace, opportunity)
    today = today or workspace.today()
    if opp.kind == OpportunityKind.UPSELL:
        if opp.subscription_id is None:
            raise ValidationError("Its subscription no longer exists; close it as lost.")
        result = subscription_change_mrr(
            workspace=workspace,
            subscription=opp.subscription_id,
            mrr=opp.expected_mrr,
            effective_on=today,
            actor=actor,
            direction="up",
            note="Expansion opportunity won.",
            today=today,
        )
    else:
        result = subscription_start(
            workspace=workspace,
            record=opp.record,
            mrr=opp.expected_mrr,
            started_on=today,
            actor=actor,
            plan=opp.plan,
            action=MovementAction.CROSS_SELL,
            note="Expansion opportunity won.",
            today=today,
        )
    opp.status, opp.closed_at = OpportunityStatus.WON, timezone.now()
    opp.save(update_fields=["status", "closed_at"])
    return opp, result


@transaction.atomic
def opportunity_lose(*, workspace, opportunity, membership=None, note: str = ""):
    check_may_change(membership)
    opp = _open(workspace, opportunity)
    opp.status, opp.closed_at = OpportunityStatus.LOST, timezone.now()
    if note.strip():
        opp.note = (opp.note + "\nLost: " + note.strip()).strip()
    opp.save(update_fields=["status", "closed_at", "note"])
    return opp

"""Winning a deal: the first subscription, the handoff to Customer Success, the renewal owner
and the credit for the AE, in one transaction with the move to Won (docs/adr/0301)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from customers.models import Customer, MovementAction, Subscription
from customers.services.ledger import parse_mrr, subscription_start
from pipeline import services as pipeline_services
from playbook.models import Membership, Team

HANDOFF_CALL_SUBJECT = "Handoff call"
HANDOFF_FIELDS = (
    ("goals", "Goals"),
    ("stakeholders", "Stakeholders"),
    ("risks", "Risks"),
    ("promises", "Promises made"),
)


def mrr_from(amount, per: str) -> Decimal:
    """The MRR of an amount given per month or per year (ARR / 12, to the cent)."""
    if per not in ("month", "year"):
        raise ValidationError({"per": "Say whether the amount is per month (MRR) or per year."})
    value = parse_mrr(amount, field="amount")
    if per == "year":
        value = (value / 12).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if value <= 0:
            raise ValidationError({"amount": "That ARR is less than a cent per month."})
    return value


def handoff_note(handoff: dict) -> str:
    return "\n".join(
        f"{label}: {handoff[key].strip()}"
        for key, label in HANDOFF_FIELDS
        if (handoff.get(key) or "").strip()
    )


def _member_user(workspace, user, field: str) -> int | None:
    if user in (None, ""):
        return None
    user_id = getattr(user, "pk", user)
    if not (
        str(user_id).isdigit()
        and Membership.objects.of(workspace)
        .filter(user_id=user_id, is_active=True, user__is_active=True)
        .exists()
    ):
        raise ValidationError({field: "Choose an active member of this workspace."})
    return int(user_id)


@transaction.atomic
def record_win(
    *,
    workspace,
    record,
    to_stage,
    actor,
    membership,
    version,
    plan: str,
    amount,
    per: str,
    started_on: date,
    term_months,
    auto_renew: bool,
    handoff: dict,
    csm=None,
    renewal_owner=None,
    external_id: str = "",
    today: date | None = None,
):
    """Move `record` to the won stage `to_stage` with its first subscription.

    The subscription and its ledger row are written first (Won's rule asks for an active
    subscription), then the pipeline move, which checks the mover's right and the version and
    hands the record to Customer Success: its owner becomes the CSM (`csm`, or round-robin), who
    gets a "Handoff call" task with the handoff note. The renewal owner is `renewal_owner` or the
    next member of Renewals. The win is credited to the record's owner before the move (the AE).
    Any refusal rolls everything back."""
    if not getattr(to_stage, "is_won", False):
        raise ValidationError("Winning moves a record into a won stage.")
    if not (handoff.get("goals") or "").strip():
        raise ValidationError(
            {"goals": "Tell Customer Success what the customer wants to achieve."}
        )
    renewal_owner_id = _member_user(workspace, renewal_owner, "renewal_owner")
    if (
        Subscription.objects.of(workspace)
        .filter(record_id=getattr(record, "pk", record), status="active")
        .exists()
    ):
        raise ValidationError(
            "This customer already has an active subscription; add more from its Subscriptions."
        )
    today = today or workspace.today()
    mrr = mrr_from(amount, per)
    subscription_start(
        workspace=workspace,
        record=record,
        mrr=mrr,
        started_on=started_on,
        actor=actor,
        plan=plan,
        term_months=term_months,
        auto_renew=auto_renew,
        external_id=external_id,
        action=MovementAction.START,
        today=today,
    )
    transition = pipeline_services.record_advance(
        workspace=workspace,
        record=record,
        actor=actor,
        membership=membership,
        to_stage=to_stage,
        version=version,
        owner=csm,
        note=handoff_note(handoff),
        task_subject=HANDOFF_CALL_SUBJECT,
    )
    if renewal_owner_id is None:
        renewal_owner_id = pipeline_services.next_in_rotation(
            workspace=workspace, team=Team.RENEWALS, now=transition.at
        )
    customer, _ = Customer.objects.of(workspace).get_or_create(
        record_id=transition.record_id, defaults={"workspace": workspace}
    )
    customer.won_at = transition.at
    customer.won_by_id = transition.from_owner_id
    customer.renewal_owner_id = renewal_owner_id
    for key, _label in HANDOFF_FIELDS:
        setattr(customer, key, (handoff.get(key) or "").strip())
    customer.save()
    return customer, transition

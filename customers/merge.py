"""Merging records (records.services.merge, ADR 0113) leaves billed customers alone: MRR history
belongs to the record that was billed, so a record with subscriptions is never merged away."""

from customers.models import Subscription


def subscriptions_stay(survivor, other) -> str:
    if Subscription.objects.of(other.workspace_id).filter(record_id=other.pk).exists():
        return (
            f"{other.name} has subscriptions, so it cannot be merged away: keep it and merge "
            f"{survivor.name} into it."
        )
    return ""


def register() -> None:
    from records.services.merge import register_merge_check

    register_merge_check(subscriptions_stay)

"""The workspace's customer-success settings: time zone, renewal grace period, engagement days
and health weights (admins)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from customers.services.health import SIGNALS, health_recompute
from customers.services.renewals import settings_of
from playbook.models import Role


@transaction.atomic
def customer_settings_update(
    *,
    workspace,
    membership,
    time_zone: str,
    renewal_grace_days: int,
    engagement_days: int,
    weights: dict[str, int],
):
    if membership is None or membership.role != Role.ADMIN:
        raise ValidationError("Only admins change the customer settings.", code="forbidden")
    if set(weights) != {s.key for s in SIGNALS} or any(int(w) < 0 for w in weights.values()):
        raise ValidationError("Give every health signal a weight of 0 or more.")
    if sum(int(w) for w in weights.values()) <= 0:
        raise ValidationError("At least one health signal needs a weight above 0.")
    settings = settings_of(workspace)
    settings.renewal_grace_days = renewal_grace_days
    settings.engagement_days = engagement_days
    settings.health_weights = {k: int(v) for k, v in weights.items()}
    settings.save()
    workspace.time_zone = time_zone
    workspace.save(update_fields=["time_zone"])
    # The weights and the engagement window change every score: recompute after commit.
    transaction.on_commit(lambda: health_recompute(workspace=workspace))
    return settings

"""A deal's forecast category: its owner's call (pipeline, best case, commit) that the forecast
roll-ups add up (docs/pipeline.md, "Forecast category").

Like a move, setting it locks the record, checks the version the user saw, bumps the version
and saves one field-history row, so the timeline says who changed it and a stale form is
refused instead of overwriting a newer call.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from pipeline import selectors
from pipeline.permissions import FORECAST_REFUSED, can_set_forecast
from pipeline.services.moves import MoveNotAllowed, StaleRecord
from records.models import ForecastCategory, Record


class ForecastNotAllowed(MoveNotAllowed):
    """The member is not the deal's owner, a leader or an admin (403)."""


@transaction.atomic
def record_set_forecast_category(
    *, workspace, record, category: str, actor, membership, version: int | None = None
) -> Record:
    """Set the forecast category of an open deal. Raises ForecastNotAllowed (403),
    StaleRecord (409) or ValidationError (400: not a category, not an open deal)."""
    if category not in ForecastCategory.values:
        raise ValidationError(
            {"forecast_category": "Choose pipeline, best case or commit."}, code="invalid"
        )
    record_id = getattr(record, "pk", record)
    locked = Record.objects.of(workspace).live().select_for_update().filter(pk=record_id).first()
    if locked is None:
        raise ValidationError("This record no longer exists; it may have been deleted.")
    if version is not None and int(version) != locked.version:
        raise StaleRecord(
            f"Someone else changed {locked.name} a moment ago. Reload the page to see the "
            "change, then try again.",
            code="stale",
        )
    if not can_set_forecast(membership, locked):
        raise ForecastNotAllowed(FORECAST_REFUSED, code="forbidden")
    stage = selectors.stage_map(workspace).get(locked.stage_id)
    if not selectors.is_deal(locked, stage):
        raise ValidationError(
            "Only an open deal (a record in a Sales stage) has a forecast category.",
            code="not_a_deal",
        )
    if locked.forecast_category == category:
        return locked
    locked.forecast_category = category
    locked.version += 1
    locked._history_user = actor
    locked.save(update_fields=["forecast_category", "version", "updated_at"])
    return locked

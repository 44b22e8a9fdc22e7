"""Store the ICP calibration figures, so that the page reads them instead of computing them."""

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from pipeline.models import IcpCalibration
from pipeline.selectors.calibration import calibration_figures

# Set while a refresh is queued, so that page views asking for one do not queue many
# (pipeline.tasks.icp_calibration_request); cleared when the refresh starts.
QUEUED_SECONDS = 10 * 60


def calibration_queued_key(workspace_id: int) -> str:
    return f"icp-calibration-queued:{workspace_id}"


def icp_calibration_refresh(*, workspace) -> IcpCalibration:
    """Compute the figures for the current profile and replace the workspace's stored row.
    Idempotent: run twice, it leaves one row (the unique constraint keeps it one). The queued
    mark is cleared first, so a rescore that finishes while this runs queues a fresh run."""
    cache.delete(calibration_queued_key(workspace.pk))
    version, scored_at, figures = calibration_figures(workspace)
    with transaction.atomic():
        row, _ = IcpCalibration.objects.of(workspace).update_or_create(
            workspace=workspace,
            defaults={
                "profile_version": version,
                "scored_at": scored_at,
                "computed_at": timezone.now(),
                "figures": figures,
            },
        )
    return row

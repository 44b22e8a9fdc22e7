"""Settings › ICP profile › Calibration: whether the fit score predicts wins, from the
workspace's own stage history, and weights suggested by it (applied in one click by admins and
leaders)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from pipeline.selectors.calibration import MIN_DECIDED, icp_calibration
from pipeline.tasks import icp_calibration_request
from pipeline.views.common import url
from records import permissions as records_permissions
from records.services.icp import ProfileChanged, icp_weights_set


@require_GET
def calibration(request):
    """Reads the stored figures only. None for this profile yet, or older than the last full
    rescore: a background refresh is queued and the page polls until it lands."""
    result = icp_calibration(request.workspace)
    if result.pending or result.stale:
        icp_calibration_request(request.workspace.pk)
    context = {
        "calibration": result,
        "can_edit": records_permissions.can_edit_icp(request.membership),
        "min_decided": MIN_DECIDED,
    }
    return render(request, "pipeline/icp_calibration.html", context)


@require_POST
@records_permissions.icp_edit_access
def calibration_apply(request):
    """Use the suggested weights: computed again here, from the same history the page showed
    unless the profile changed meanwhile (then refused: the suggestion was for other criteria)."""
    result = icp_calibration(request.workspace)
    back = url(request, "pipeline:icp_calibration")
    if result.pending:
        messages.error(request, "The figures for this profile are still being computed.")
        return redirect(back)
    if not result.can_suggest:
        messages.error(request, "There is not enough won and lost history to suggest weights.")
        return redirect(back)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        icp_weights_set(
            workspace=request.workspace,
            actor=request.user,
            weights=result.suggested_weights,
            version=version,
        )
    except ProfileChanged:
        messages.error(
            request, "The profile changed since this page was shown; here are the new figures."
        )
        return redirect(back)
    messages.success(request, "Suggested weights saved. Every record is being rescored.")
    return redirect(url(request, "records:icp"))

"""Activities on a record's timeline: logged calls, e-mails, meetings ... and tasks.

A task is open until marked done and always has a due date and an assignee who is an active
member. Any other activity dated in the future is planned (not done) until it happens or is
marked done; one dated now or earlier is done when logged.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from playbook.models import Membership, User
from records.models import Activity, ActivityKind, Record
from records.services.records import record_touch


@transaction.atomic
def activity_log(
    *,
    record: Record,
    actor: User | None,
    kind: str,
    subject: str = "",
    body: str = "",
    occurred_at: datetime | None = None,
    due_at: datetime | None = None,
    assignee: User | None = None,
    dedupe_key: str | None = None,
) -> Activity:
    """`dedupe_key` (unique per workspace) lets a job that may run twice create the activity
    once: the second insert is refused by activity_unique_dedupe_key."""
    errors = {}
    if kind not in ActivityKind.values:
        raise ValidationError({"kind": "Choose one of the listed kinds of activity."})
    subject = (subject or "").strip() or ActivityKind(kind).label
    if len(subject) > 200:
        errors["subject"] = "Keep the subject under 200 characters."
    now = timezone.now()
    if kind == ActivityKind.TASK:
        if due_at is None:
            errors["due_at"] = "A task needs a due date."
        if assignee is None:
            errors["assignee"] = "A task needs someone to do it."
        elif (
            not Membership.objects.of(record.workspace_id)
            .filter(user=assignee, is_active=True)
            .exists()
        ):
            errors["assignee"] = "Choose an active member of this workspace."
        occurred_at, done = now, False
    else:
        occurred_at = occurred_at or now
        due_at, assignee = None, None
        done = occurred_at <= now
    if errors:
        raise ValidationError(errors)
    activity = Activity.objects.create(
        workspace_id=record.workspace_id,
        record=record,
        kind=kind,
        subject=subject,
        body=(body or "").strip(),
        occurred_at=occurred_at,
        due_at=due_at,
        done=done,
        done_at=occurred_at if done else None,
        actor=actor,
        assignee=assignee,
        dedupe_key=dedupe_key,
    )
    record_touch(workspace_id=record.workspace_id, record_id=record.pk, activities_changed=True)
    return activity


def _touch(activity: Activity) -> None:
    record_touch(
        workspace_id=activity.workspace_id, record_id=activity.record_id, activities_changed=True
    )


def _locked(activity: Activity) -> Activity:
    return Activity.objects.of(activity.workspace_id).select_for_update().get(pk=activity.pk)


@transaction.atomic
def activity_mark_done(*, activity: Activity, actor: User | None) -> Activity:
    """Mark done; marking a done activity again changes nothing."""
    activity = _locked(activity)
    if not activity.done:
        activity.done, activity.done_at = True, timezone.now()
        activity.save(update_fields=["done", "done_at"])
        _touch(activity)
    return activity


@transaction.atomic
def activity_reopen(*, activity: Activity, actor: User | None) -> Activity:
    """Undo "done" (a click on the wrong row)."""
    activity = _locked(activity)
    if activity.kind != ActivityKind.TASK:
        raise ValidationError("Only tasks can be reopened.")
    if activity.done:
        activity.done, activity.done_at = False, None
        activity.save(update_fields=["done", "done_at"])
        _touch(activity)
    return activity

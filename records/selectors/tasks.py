"""A member's open tasks ("My tasks"): overdue first, then by due date."""

from django.db.models import Count, Q

from playbook.access import get_for_workspace_or_404
from playbook.models import User, Workspace
from records import keyset
from records.models import Activity, ActivityKind

TASKS_SALT = "records.tasks"
# Soonest due first puts overdue tasks on top; tasks without a due date (made by jobs) last.
# Matches the partial index activity_ws_tasks (workspace, assignee, due_at, id).
TASK_ORDER = keyset.Order("due_at", nulls_last=True)


def _open_tasks(workspace: Workspace, user: User):
    return Activity.objects.of(workspace).filter(
        assignee=user,
        kind=ActivityKind.TASK,
        done=False,
        record__deleted_at__isnull=True,
    )


def my_open_tasks(
    workspace: Workspace, user: User, *, cursor: str | None, size: int
) -> keyset.Page:
    """Raises keyset.InvalidCursor for a bad cursor."""
    return keyset.paginate(
        _open_tasks(workspace, user).select_related("record", "record__stage"),
        TASK_ORDER,
        salt=TASKS_SALT,
        scope=f"tasks:{user.pk}",
        cursor=cursor,
        size=size,
    )


def task_for_row(workspace: Workspace, activity_id: int) -> Activity:
    """One task with what its My tasks row shows (after marking it done), or 404."""
    return get_for_workspace_or_404(
        workspace,
        Activity.objects.of(workspace)
        .filter(record__deleted_at__isnull=True)
        .select_related("record", "record__stage"),
        pk=activity_id,
    )


def open_task_counts(workspace: Workspace, user: User, *, day_start, day_end) -> dict[str, int]:
    """The member's open tasks: overdue (due before `day_start`), due in [day_start, day_end)
    and all of them, in one query (the dashboards' "today's tasks")."""
    return _open_tasks(workspace, user).aggregate(
        overdue=Count("id", filter=Q(due_at__lt=day_start)),
        today=Count("id", filter=Q(due_at__gte=day_start, due_at__lt=day_end)),
        open=Count("id"),
    )

"""Records, their contacts, the workspace's custom fields and the deleted-records list."""

import json
from dataclasses import dataclass

from django.db import OperationalError, connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from playbook.access import get_for_workspace_or_404
from playbook.models import Workspace
from playbook.selectors import workspace_users
from records import keyset
from records.models import (
    ICP_SORT,
    Activity,
    ActivityKind,
    Contact,
    CustomFieldDefinition,
    Record,
)

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
LIST_SALT = "records.list"
DELETED_SALT = "records.deleted"


@dataclass(frozen=True)
class Sort:
    key: str  # what the URL says: ?sort=name or ?sort=-name
    label: str
    field: str  # the model field or annotation ordered by
    first_descending: bool  # the direction a click on the column header starts with


SORTS = {
    "updated": Sort("updated", "Last activity", "updated_at", True),
    "name": Sort("name", "Name", "name", False),
    "created": Sort("created", "Created", "created_at", True),
    "icp": Sort("icp", "ICP", "icp_sort", True),
}
DEFAULT_SORT = (SORTS["updated"], True)
DEFAULT_SORT_VALUE = "-updated"  # DEFAULT_SORT as ?sort= spells it


def parse_sort(value: str | None) -> tuple[Sort, bool]:
    """(sort, descending) from `?sort=`; an unknown key falls back to the default order."""
    value = (value or "").strip()
    descending = value.startswith("-")
    sort = SORTS.get(value.lstrip("-"))
    return (sort, descending) if sort else DEFAULT_SORT


def clamp_page_size(value, default: int = DEFAULT_PAGE_SIZE) -> int:
    """`?size=` as a whole number between 1 and MAX_PAGE_SIZE; anything else, the default."""
    try:
        size = int(str(value))
    except (TypeError, ValueError):
        return default
    return max(1, min(MAX_PAGE_SIZE, size))


def live_records(workspace: Workspace) -> QuerySet[Record]:
    """Records that are not soft-deleted: the ones every list and page shows."""
    return Record.objects.of(workspace).live()


def workspace_has_records(workspace: Workspace) -> bool:
    return live_records(workspace).exists()


def overdue_task_exists() -> Exists:
    """Has the (outer) record an open task past its due time? Served by activity_ws_open_tasks."""
    return Exists(
        Activity.objects.of(OuterRef("workspace_id")).filter(
            record_id=OuterRef("pk"),
            kind=ActivityKind.TASK,
            done=False,
            due_at__lt=timezone.now(),
        )
    )


# The records list counts its matches exactly up to this many; past it, it says "10,000+".
COUNT_CAP = 10_000
# ...and gives the count this long on PostgreSQL: matches that are sparse but not rare (no
# index narrows them) make even a capped count read much of the workspace, so past the budget
# the list shows the planner's estimate instead ("about 3,400").
COUNT_BUDGET_MS = 40


@dataclass(frozen=True)
class Count:
    value: int  # exact when neither `more` nor `estimated`, else the cap or the estimate
    more: bool = False  # there are more than `value`
    estimated: bool = False  # the planner's estimate (the exact count ran out of time)


def _exact_count(limited: QuerySet) -> int:
    return limited.count()


def _estimate(queryset: QuerySet) -> int:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def capped_count(queryset: QuerySet, cap: int | None = None) -> Count:
    """How many rows `queryset` has, reading at most `cap` + 1 of them: a COUNT over a LIMIT
    subquery, so its cost is bounded by the cap, never by the size of the workspace. On
    PostgreSQL it also gets COUNT_BUDGET_MS; past that, the planner's estimate."""
    cap = COUNT_CAP if cap is None else cap
    rows = queryset.order_by().values("pk")
    limited = rows[: cap + 1]
    if connection.vendor != "postgresql":
        found = _exact_count(limited)
        return Count(min(found, cap), found > cap)
    try:
        # A savepoint: a cancelled count rolls back to it (and so does its timeout setting).
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true)", [str(COUNT_BUDGET_MS)]
                )
            found = _exact_count(limited)
            with connection.cursor() as cursor:
                # Back to the session's own value (nothing else sets it per transaction).
                cursor.execute("SET LOCAL statement_timeout TO DEFAULT")
    except OperationalError:
        estimate = _estimate(rows)
        return Count(min(estimate, cap), estimate > cap, estimated=True)
    return Count(min(found, cap), found > cap)


def record_page(
    workspace: Workspace,
    queryset: QuerySet[Record],
    *,
    sort: Sort,
    descending: bool,
    cursor: str | None,
    size: int,
) -> keyset.Page:
    """One page of the records list. `queryset` is live_records(workspace) narrowed by the
    filters; raises keyset.InvalidCursor for a bad cursor."""
    queryset = queryset.of(workspace).select_related("owner", "stage")
    if sort.field == "icp_sort":
        queryset = queryset.annotate(icp_sort=ICP_SORT)
    page = keyset.paginate(
        queryset,
        keyset.Order(sort.field, descending=descending),
        salt=LIST_SALT,
        scope=f"{'-' if descending else ''}{sort.key}",
        cursor=cursor,
        size=size,
    )
    # The overdue flag of the rows shown, in one query bounded by the page size (as a
    # per-row subquery the planner would read every overdue task of the workspace instead).
    overdue = set(
        Activity.objects.of(workspace)
        .filter(
            record_id__in=[r.pk for r in page.items],
            kind=ActivityKind.TASK,
            done=False,
            due_at__lt=timezone.now(),
        )
        .values_list("record_id", flat=True)
    )
    for record in page.items:
        record.has_overdue_task = record.pk in overdue
    return page


def record_detail(workspace: Workspace, record_id: int) -> Record:
    """A live record of the workspace with what its page header shows, or 404."""
    return get_for_workspace_or_404(
        workspace,
        live_records(workspace).select_related("owner", "stage", "created_by"),
        pk=record_id,
    )


def merged_record(workspace: Workspace, record_id: int) -> Record | None:
    """The record of that id if it was merged into another (its page points there)."""
    return (
        Record.objects.of(workspace)
        .filter(pk=record_id, merged_into__isnull=False)
        .select_related("merged_into")
        .first()
    )


def deleted_record(workspace: Workspace, record_id: int) -> Record:
    return get_for_workspace_or_404(workspace, Record.objects.of(workspace).deleted(), pk=record_id)


def deleted_record_page(workspace: Workspace, *, cursor: str | None, size: int) -> keyset.Page:
    queryset = Record.objects.of(workspace).deleted().select_related("owner", "deleted_by")
    return keyset.paginate(
        queryset,
        keyset.Order("deleted_at", descending=True),
        salt=DELETED_SALT,
        scope="-deleted",
        cursor=cursor,
        size=size,
    )


def contacts_of(workspace: Workspace, record: Record) -> QuerySet[Contact]:
    """The record's contacts, primary first."""
    return (
        Contact.objects.of(workspace)
        .filter(record=record)
        .order_by("-is_primary", "created_at", "id")
    )


def contacts_for_outreach(workspace: Workspace) -> QuerySet[Contact]:
    """Contacts who may be contacted: the one starting point of every "send" (e-mail
    campaigns, sequences, call lists) and of exports meant for outreach. Leaves out those marked
    do-not-contact and those whose data was erased, and those of deleted records."""
    return Contact.objects.of(workspace).filter(
        do_not_contact=False, erased_at__isnull=True, record__deleted_at__isnull=True
    )


def contact_of(workspace: Workspace, record: Record, contact_id: int) -> Contact:
    return get_for_workspace_or_404(
        workspace,
        Contact.objects.of(workspace).filter(record=record).select_related("record"),
        pk=contact_id,
    )


def activity_of(workspace: Workspace, activity_id: int) -> Activity:
    """An activity of a live record of the workspace, or 404."""
    return get_for_workspace_or_404(
        workspace,
        Activity.objects.of(workspace)
        .filter(record__deleted_at__isnull=True)
        .select_related("record"),
        pk=activity_id,
    )


def custom_field_definitions(workspace: Workspace) -> list[CustomFieldDefinition]:
    return list(CustomFieldDefinition.objects.of(workspace).order_by("position", "id"))


def custom_field_definition(workspace: Workspace, definition_id: int) -> CustomFieldDefinition:
    return get_for_workspace_or_404(workspace, CustomFieldDefinition, pk=definition_id)


def active_members(workspace: Workspace):
    """People a record or a task can be given to."""
    return workspace_users(workspace)

"""A record's one timeline: activities, stage transitions, field changes and contact changes,
newest first.

Four sources, each read through its own (workspace, record, time) index, merged by
(time, source rank, id). The cursor is that triple of the last entry shown, so "load more"
never uses OFFSET. A source that had more rows than fetched sets a floor: entries older than its
last fetched row wait for the next page, because that source's rows below it are not read yet.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.core import signing
from django.db.models import Q

from pipeline.models import StageTransition
from playbook.models import User, Workspace
from records.changes import FieldChange, delta_between, describe, user_ids_in
from records.keyset import InvalidCursor, Page
from records.models import Activity, ContactChange, Record

SALT = "records.timeline"
ACTIVITY, CHANGE, TRANSITION, CONTACT = 0, 1, 2, 3


@dataclass
class TimelineEntry:
    kind: str  # "activity", "transition", "change", "created", "deleted", "restored", "contact"
    at: datetime
    rank: int
    pk: int
    actor: User | None = None
    activity: Activity | None = None
    transition: StageTransition | None = None
    changes: list[FieldChange] = field(default_factory=list)
    # The name of the record merged into this one that the entry happened on ("" for its own).
    merged_from: str = ""
    contact_change: ContactChange | None = None

    @property
    def key(self) -> tuple:
        return (self.at, self.rank, self.pk)


def _encode(key: tuple) -> str:
    at, rank, pk = key
    return signing.dumps([at.isoformat(), rank, pk], salt=SALT, compress=True)


def _decode(cursor: str) -> tuple:
    try:
        at, rank, pk = signing.loads(cursor, salt=SALT)
        key = (datetime.fromisoformat(at), int(rank), int(pk))
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidCursor("This timeline link is broken or out of date.") from exc
    return key


def _older_than(cursor: tuple | None, rank: int, at_field: str, id_field: str) -> Q:
    """Rows of the source of `rank` that come after `cursor` in newest-first order."""
    if cursor is None:
        return Q()
    at, cursor_rank, pk = cursor
    if rank < cursor_rank:
        return Q(**{f"{at_field}__lte": at})
    if rank > cursor_rank:
        return Q(**{f"{at_field}__lt": at})
    return Q(**{f"{at_field}__lt": at}) | Q(**{at_field: at, f"{id_field}__lt": pk})


def activity_entry(activity: Activity) -> TimelineEntry:
    return TimelineEntry(
        kind="activity",
        at=activity.occurred_at,
        rank=ACTIVITY,
        pk=activity.pk,
        actor=activity.actor,
        activity=activity,
    )


def timeline_entry_for(activity: Activity) -> TimelineEntry:
    """The timeline entry of one activity (to redraw it after "mark done")."""
    return activity_entry(activity)


def _activities(workspace, record, cursor, size):
    rows = list(
        Activity.objects.of(workspace)
        .filter(record=record)
        .filter(_older_than(cursor, ACTIVITY, "occurred_at", "id"))
        .select_related("actor", "assignee")
        .order_by("-occurred_at", "-id")[: size + 1]
    )
    return [activity_entry(a) for a in rows[:size]], len(rows) > size


def merged_away(workspace, record) -> dict[int, str]:
    """The records merged into `record`, directly or through one another: id -> name. Their
    stage history and field history are part of the survivor's timeline (docs/adr/0113)."""
    found, frontier = {}, [record.pk]
    while frontier:
        rows = list(
            Record.objects.of(workspace)
            .filter(merged_into_id__in=frontier)
            .exclude(pk__in=[record.pk, *found])
            .values_list("pk", "name")
        )
        found.update(rows)
        frontier = [pk for pk, _ in rows]
    return found


def _rows_of(queryset, record, cursor, size, merged, *, kind, rank, attr, related):
    """One source of the timeline that is a table of dated rows per record (the stage history,
    the contact changes): the newest `size` rows older than `cursor`, on the record and on the
    records merged into it, as entries holding the row in `attr`; and whether more are left."""
    rows = list(
        queryset.filter(record_id__in=[record.pk, *merged])
        .filter(_older_than(cursor, rank, "at", "id"))
        .select_related(*related)
        .order_by("-at", "-id")[: size + 1]
    )
    entries = [
        TimelineEntry(
            kind=kind,
            at=row.at,
            rank=rank,
            pk=row.pk,
            actor=row.actor,
            merged_from=merged.get(row.record_id, ""),
            **{attr: row},
        )
        for row in rows[:size]
    ]
    return entries, len(rows) > size


def _transitions(workspace, record, cursor, size, merged):
    return _rows_of(
        StageTransition.objects.of(workspace),
        record,
        cursor,
        size,
        merged,
        kind="transition",
        rank=TRANSITION,
        attr="transition",
        related=("from_stage", "to_stage", "actor", "to_owner"),
    )


def _contact_changes(workspace, record, cursor, size, merged):
    return _rows_of(
        ContactChange.objects.of(workspace),
        record,
        cursor,
        size,
        merged,
        kind="contact",
        rank=CONTACT,
        attr="contact_change",
        related=("actor",),
    )


def _previous_rows(workspace, rows, size) -> dict[int, object]:
    """Each history row's predecessor of the same record (its diff base). Rows of one record
    are consecutive in time order, so a predecessor is the next row of that record in `rows`;
    for the last row of each record in the window, one query per record reads it (a record's
    own timeline: one record; a survivor's: one more per merged record)."""
    previous, last_seen = {}, {}
    for row in reversed(rows):
        if row.id in last_seen:
            previous[row.history_id] = last_seen[row.id]
        last_seen[row.id] = row
    for row in rows[:size]:
        if row.history_id in previous or row.history_type == "+":
            continue
        previous[row.history_id] = (
            Record.history.of(workspace)
            .filter(id=row.id)
            .filter(_older_than((row.history_date, CHANGE, row.history_id), CHANGE,
                                "history_date", "history_id"))
            .order_by("-history_date", "-history_id")
            .first()
        )  # fmt: skip
    return previous


def _changes(workspace, record, cursor, size, definitions, merged):
    # One row more than the page tells whether there is more; each change is a diff against the
    # record's row before it.
    rows = list(
        Record.history.of(workspace)
        .filter(id__in=[record.pk, *merged])
        .filter(_older_than(cursor, CHANGE, "history_date", "history_id"))
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: size + 2]
    )
    if merged:
        previous = _previous_rows(workspace, rows, size)
    else:
        previous = {row.history_id: rows[i + 1] for i, row in enumerate(rows[:-1])}
    pairs = [(row, previous.get(row.history_id)) for row in rows[:size]]
    deltas = {row.pk: delta_between(prev, row) for row, prev in pairs if prev is not None}
    ids = user_ids_in(deltas.values())
    names = {u.pk: u.display_name for u in User.objects.filter(pk__in=ids)} if ids else {}
    defs = {d.key: d for d in definitions}
    entries = []
    for row, prev in pairs:
        entry = TimelineEntry(
            kind="change",
            at=row.history_date,
            rank=CHANGE,
            pk=row.pk,
            actor=row.history_user,
            merged_from=merged.get(row.id, ""),
        )
        if row.history_type == "+":
            entry.kind = "created"
        elif prev is None:
            continue  # history that starts mid-way (rows imported without it): nothing to diff
        else:
            delta = deltas[row.pk]
            if row.merged_into_id is not None and prev.merged_into_id is None:
                entry.kind = "merged"
            elif "deleted_at" in delta.changed_fields:
                entry.kind = "restored" if row.deleted_at is None else "deleted"
            entry.changes = describe(delta, user_names=names, definitions=defs)
            if entry.kind == "change" and not entry.changes:
                continue  # only fields the timeline does not show (e.g. the stage) changed
        entries.append(entry)
    return entries, len(rows) > size, (rows[size - 1] if len(rows) > size else None)


def record_timeline(
    workspace: Workspace,
    record: Record,
    *,
    cursor: str | None = None,
    size: int = 20,
    definitions=(),
) -> Page:
    """One page of the record's timeline. Raises InvalidCursor for a bad cursor."""
    after = _decode(cursor) if cursor else None
    merged = merged_away(workspace, record)
    activities, more_activities = _activities(workspace, record, after, size)
    transitions, more_transitions = _transitions(workspace, record, after, size, merged)
    changes, more_changes, last_change_row = _changes(
        workspace, record, after, size, definitions, merged
    )
    contacts, more_contacts = _contact_changes(workspace, record, after, size, merged)
    floors = []
    if more_activities:
        floors.append(activities[-1].key)
    if more_transitions:
        floors.append(transitions[-1].key)
    if more_changes:
        floors.append((last_change_row.history_date, CHANGE, last_change_row.pk))
    if more_contacts:
        floors.append(contacts[-1].key)
    entries = sorted(
        activities + transitions + changes + contacts, key=lambda e: e.key, reverse=True
    )
    floor = max(floors) if floors else None
    if floor is not None:
        entries = [e for e in entries if e.key >= floor]
    page = entries[:size]
    if len(entries) > size:
        next_cursor = _encode(page[-1].key)
    elif floor is not None:
        next_cursor = _encode(floor)
    else:
        next_cursor = None
    return Page(items=page, next_cursor=next_cursor)

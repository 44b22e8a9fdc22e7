from datetime import timedelta

import pytest
from django.utils import timezone

from records import selectors, services
from records.keyset import InvalidCursor
from records.models import Record
from tests.factories import (
    ActivityFactory,
    CustomFieldDefinitionFactory,
    RecordFactory,
    StageDefinitionFactory,
    StageTransitionFactory,
)

pytestmark = pytest.mark.django_db


def _page(workspace, sort_value, *, cursor=None, size):
    """One page of the records list (all live records) in the order `?sort=sort_value` asks."""
    sort, descending = selectors.parse_sort(sort_value)
    return selectors.record_page(
        workspace,
        selectors.live_records(workspace),
        sort=sort,
        descending=descending,
        cursor=cursor,
        size=size,
    )


def _walk(workspace, sort_value, size):
    """Every page of the records list, following the cursors; returns ids in order."""
    ids, cursor, pages = [], None, 0
    while True:
        page = _page(workspace, sort_value, cursor=cursor, size=size)
        ids += [r.pk for r in page.items]
        pages += 1
        if not page.has_next:
            return ids, pages
        cursor = page.next_cursor


@pytest.fixture
def many_records(workspace):
    now = timezone.now()
    records = []
    for i in range(23):
        record = RecordFactory(
            workspace=workspace, name=f"Company {i % 7}", icp_score=None if i % 5 == 0 else i % 4
        )
        # Ties on every sort column, so the id tie-breaker is what keeps pages apart.
        Record.objects.filter(pk=record.pk).update(
            updated_at=now - timedelta(hours=i % 3), created_at=now - timedelta(days=i % 4)
        )
        records.append(record)
    RecordFactory(workspace=workspace, deleted_at=now)  # never listed
    RecordFactory()  # another workspace's
    return Record.objects.filter(pk__in=[r.pk for r in records])


@pytest.mark.parametrize(
    ("sort_value", "key"),
    [
        ("", lambda r: (-r.updated_at.timestamp(), -r.pk)),
        ("-updated", lambda r: (-r.updated_at.timestamp(), -r.pk)),
        ("updated", lambda r: (r.updated_at.timestamp(), r.pk)),
        ("name", lambda r: (r.name, r.pk)),
        ("-name", lambda r: (tuple(-ord(c) for c in r.name), -r.pk)),
        ("created", lambda r: (r.created_at.timestamp(), r.pk)),
        ("-icp", lambda r: (-(r.icp_score if r.icp_score is not None else -1), -r.pk)),
        ("icp", lambda r: ((r.icp_score if r.icp_score is not None else -1), r.pk)),
    ],
)
def test_cursor_pages_cover_every_live_record_once_in_order(
    workspace, many_records, sort_value, key
):
    expected = [r.pk for r in sorted(many_records, key=key)]
    ids, pages = _walk(workspace, sort_value, size=5)
    assert ids == expected
    assert pages == 5


def test_unknown_sort_falls_back_to_the_default():
    assert selectors.parse_sort("-password") == selectors.parse_sort("")
    assert selectors.parse_sort("name") == (selectors.SORTS["name"], False)


@pytest.mark.parametrize(
    ("value", "size"), [(None, 25), ("", 25), ("10", 10), ("0", 1), ("100000", 100), ("x", 25)]
)
def test_page_size_is_clamped(value, size):
    assert selectors.clamp_page_size(value) == size


def test_a_bad_or_foreign_cursor_is_refused(workspace, many_records):
    page = _page(workspace, "-name", size=3)
    for cursor in ["garbage", page.next_cursor[:-2] + "xx", page.next_cursor]:
        with pytest.raises(InvalidCursor):
            # A cursor of "-name" is not one of "name".
            _page(workspace, "name", cursor=cursor, size=3)


class TestTimeline:
    def _all(self, workspace, record, size=20, **kwargs):
        entries, cursor, pages = [], None, 0
        while True:
            page = selectors.record_timeline(workspace, record, cursor=cursor, size=size, **kwargs)
            entries += page.items
            pages += 1
            if not page.has_next:
                return entries, pages
            cursor = page.next_cursor

    def test_merges_activities_transitions_and_changes_newest_first(self, workspace, record, admin):
        record._history_user = admin.user
        record.save()
        now = timezone.now()
        for i in range(25):
            ActivityFactory(record=record, occurred_at=now - timedelta(minutes=i))
        stage = StageDefinitionFactory(workspace=workspace)
        for i in range(5):
            StageTransitionFactory(record=record, to_stage=stage, at=now - timedelta(minutes=i))
        for industry in ["Retail", "Energy", "Media"]:
            record = services.record_update(
                record=record, actor=admin.user, version=record.version, industry=industry
            )
        entries, pages = self._all(workspace, record, size=10)
        kinds = [e.kind for e in entries]
        assert kinds.count("activity") == 25 and kinds.count("transition") == 5
        assert kinds.count("change") == 3 and kinds.count("created") == 1
        keys = [e.key for e in entries]
        assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)
        assert pages >= 4
        newest_change = next(e for e in entries if e.kind == "change")
        assert [(c.label, c.old, c.new) for c in newest_change.changes] == [
            ("Industry", "Energy", "Media")
        ]
        assert newest_change.actor == admin.user

    def test_rows_without_visible_changes_do_not_hide_older_entries(self, workspace, record, admin):
        stage = StageDefinitionFactory(workspace=workspace)
        other = StageDefinitionFactory(workspace=workspace)
        record._history_user = admin.user
        record.save()
        for i in range(30):  # stage-only saves: history rows the timeline does not show
            record.stage = stage if i % 2 else other
            record.save()
        ActivityFactory(record=record, occurred_at=timezone.now() - timedelta(days=30))
        entries, _ = self._all(workspace, record, size=7)
        assert [e.kind for e in entries] == ["created", "activity"]

    def test_custom_field_deletion_and_restore_entries(self, workspace, record, admin):
        CustomFieldDefinitionFactory(workspace=workspace, key="seats", label="Seats", kind="number")
        record._history_user = admin.user
        record.save()
        record = services.record_update(
            record=record, actor=admin.user, version=1, custom_fields={"seats": 1200}
        )
        services.record_delete(record=record, actor=admin.user)
        services.record_restore(record=record, actor=admin.user)
        entries, _ = self._all(
            workspace, record, definitions=selectors.custom_field_definitions(workspace)
        )
        assert [e.kind for e in entries] == ["restored", "deleted", "change", "created"]
        assert [(c.label, c.old, c.new) for c in entries[2].changes] == [("Seats", "—", "1,200")]

    def test_another_records_entries_never_appear(self, workspace, record):
        ActivityFactory(record=RecordFactory(workspace=workspace))
        page = selectors.record_timeline(workspace, record)
        assert [e.kind for e in page.items] == ["created"] and not page.has_next

    def test_a_bad_cursor_is_refused(self, workspace, record):
        with pytest.raises(InvalidCursor):
            selectors.record_timeline(workspace, record, cursor="nope")


class TestMyTasks:
    def test_open_tasks_of_the_user_overdue_first_then_by_due_date(
        self, workspace, record, admin, rep
    ):
        now = timezone.now()
        due = {}
        for name, offset in [("later", 5), ("overdue", -2), ("soon", 1), ("old", -9)]:
            due[name] = ActivityFactory(
                record=record,
                kind="task",
                subject=name,
                due_at=now + timedelta(days=offset),
                assignee=admin.user,
            )
        undated = ActivityFactory(
            record=record, kind="task", subject="undated", assignee=admin.user
        )
        ActivityFactory(record=record, kind="task", due_at=now, assignee=rep.user)  # not mine
        ActivityFactory(record=record, kind="task", due_at=now, assignee=admin.user, done=True)
        ActivityFactory(
            record=RecordFactory(workspace=workspace, deleted_at=now),
            kind="task",
            due_at=now,
            assignee=admin.user,
        )
        ActivityFactory(kind="task", due_at=now, assignee=admin.user)  # another workspace
        subjects, cursor = [], None
        while True:
            page = selectors.my_open_tasks(workspace, admin.user, cursor=cursor, size=2)
            subjects += [t.subject for t in page.items]
            if not page.has_next:
                break
            cursor = page.next_cursor
        assert subjects == ["old", "overdue", "soon", "later", "undated"]
        assert due["overdue"].is_overdue and not due["soon"].is_overdue
        assert not undated.is_overdue


def test_deleted_records_page_lists_only_deleted_newest_first(workspace, admin):
    now = timezone.now()
    older = RecordFactory(workspace=workspace, deleted_at=now - timedelta(days=2))
    newer = RecordFactory(workspace=workspace, deleted_at=now - timedelta(days=1))
    RecordFactory(workspace=workspace)
    RecordFactory(deleted_at=now)  # another workspace's
    page = selectors.deleted_record_page(workspace, cursor=None, size=1)
    assert page.items == [newer]
    page = selectors.deleted_record_page(workspace, cursor=page.next_cursor, size=1)
    assert page.items == [older] and not page.has_next

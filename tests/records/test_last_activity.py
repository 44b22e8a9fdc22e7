"""Record.last_activity_at: when the latest done activity was done, kept by the activity
services (the shared piece that health scores and stale-deal lists read)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from records.models import Record
from records.services import activity_log, activity_mark_done, activity_reopen
from records.services.records import records_last_activity_refresh
from tests.factories import ActivityFactory, RecordFactory

pytestmark = pytest.mark.django_db


def last(record):
    return Record.objects.get(pk=record.pk).last_activity_at


def test_logging_marking_done_and_reopening_keep_it(workspace, admin):
    record = RecordFactory(workspace=workspace)
    assert last(record) is None
    week_ago = timezone.now() - timedelta(days=7)
    activity_log(record=record, actor=admin.user, kind="call", occurred_at=week_ago)
    assert last(record) == week_ago
    # A planned meeting (in the future) is not done yet: nothing changes.
    activity_log(
        record=record, actor=admin.user, kind="meeting", occurred_at=timezone.now() + timedelta(1)
    )
    assert last(record) == week_ago
    task = activity_log(
        record=record,
        actor=admin.user,
        kind="task",
        due_at=timezone.now() + timedelta(days=1),
        assignee=admin.user,
    )
    assert last(record) == week_ago
    activity_mark_done(activity=task, actor=admin.user)
    done_at = last(record)
    assert done_at > week_ago
    activity_reopen(activity=task, actor=admin.user)
    assert last(record) == week_ago


def test_refresh_after_bulk_inserts_writes_only_what_differs(workspace):
    record, quiet = RecordFactory(workspace=workspace), RecordFactory(workspace=workspace)
    activity = ActivityFactory(record=record, done=True)
    Activity = type(activity)
    Activity.objects.filter(pk=activity.pk).update(done_at=activity.occurred_at)
    assert records_last_activity_refresh(workspace_id=workspace.pk) >= 1
    assert last(record) == activity.occurred_at
    assert last(quiet) is None
    assert records_last_activity_refresh(workspace_id=workspace.pk) == 0

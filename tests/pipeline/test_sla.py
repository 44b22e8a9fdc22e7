"""SLA reminders: one task per breach, never twice; the daily job fans out per workspace."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pipeline import services, tasks
from pipeline.services import sla_dedupe_key
from records.models import Activity
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db


def reminders(workspace):
    return Activity.objects.filter(workspace=workspace, kind="task", dedupe_key__startswith="sla:")


def test_one_reminder_per_breach_and_none_twice(make_record, stages, team, pipeline_ws):
    late = make_record("mql", days_in=5, owner=team["sdr"].user)  # MQL allows 3 days
    make_record("mql", days_in=1)  # on time
    make_record("won", days_in=400)  # no SLA on Won
    make_record("sql", days_in=30, status="lost")  # closed records are not chased
    make_record("lead", days_in=90, status="nurture")  # nurturing is slow on purpose
    assert services.sla_reminders_create(workspace_id=pipeline_ws.pk) == 1
    [task] = reminders(pipeline_ws)
    assert task.record == late and task.assignee == team["sdr"].user
    assert task.subject.startswith(f"Over SLA: {late.name} has been in MQL for 5 days")
    assert task.dedupe_key == sla_dedupe_key(late.pk, stages["mql"].pk, late.stage_entered_at)
    assert services.sla_reminders_create(workspace_id=pipeline_ws.pk) == 0
    assert reminders(pipeline_ws).count() == 1


def test_a_new_stay_in_the_stage_gets_a_new_reminder(make_record, pipeline_ws):
    record = make_record("mql", days_in=5)
    services.sla_reminders_create(workspace_id=pipeline_ws.pk)
    record.stage_entered_at = timezone.now() - timedelta(days=10)
    record.save()
    assert services.sla_reminders_create(workspace_id=pipeline_ws.pk) == 1
    assert reminders(pipeline_ws).count() == 2


def test_a_run_after_a_crash_half_way_creates_only_the_missing_ones(make_record, pipeline_ws):
    for _ in range(5):
        make_record("mql", days_in=6)
    services.sla_reminders_create(workspace_id=pipeline_ws.pk)
    reminders(pipeline_ws).filter(
        pk__in=list(reminders(pipeline_ws).values_list("pk", flat=True)[:2])
    ).delete()
    assert services.sla_reminders_create(workspace_id=pipeline_ws.pk) == 2
    assert reminders(pipeline_ws).count() == 5


def test_the_daily_job_fans_out_one_task_per_workspace(monkeypatch, make_record, pipeline_ws):
    other = WorkspaceFactory()
    make_record("mql", days_in=9)
    sent = []
    monkeypatch.setattr(
        tasks.sla_reminders, "delay", lambda workspace_id: sent.append(workspace_id)
    )
    assert tasks.sla_reminders_all() == 2
    assert sorted(sent) == sorted([pipeline_ws.pk, other.pk])
    assert tasks.sla_reminders.apply(args=[pipeline_ws.pk]).get() == 1
    assert tasks.sla_reminders.apply(args=[pipeline_ws.pk]).get() == 0


def test_the_job_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["pipeline-sla-reminders"]
    assert entry["task"] == "pipeline.tasks.sla_reminders_all"

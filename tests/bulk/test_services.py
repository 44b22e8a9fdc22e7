"""Each bulk action through its service: done, unchanged and refused records, each refusal with
the single action's own reason; the job path's idempotence."""

from datetime import date

import pytest

from bulk import services
from bulk.models import BulkItem, BulkStatus, ItemOutcome
from jobs.models import Job
from pipeline.models import StageTransition
from playbook.models import AuditEvent, AuditKind, Role
from records.models import Activity, Record
from records.permissions import DELETE_REFUSED, OWNER_CHANGE_REFUSED
from tests.factories import RecordFactory

pytestmark = pytest.mark.django_db


def start(workspace, member, kind, params, records):
    ids = [r.pk for r in records]
    return services.bulk_start(
        workspace=workspace,
        actor=member.user,
        kind=kind,
        params=params,
        records=Record.objects.of(workspace).live().filter(pk__in=ids),
        selection=f"{len(ids)} selected records",
    )


def run(bulk):
    return services.bulk_run(workspace_id=bulk.workspace_id, bulk_id=bulk.pk)


def outcomes(bulk):
    return {
        item.record_id: (item.outcome, item.reason)
        for item in BulkItem.objects.of(bulk.workspace_id).filter(bulk=bulk)
    }


def test_move_moves_the_qualified_and_refuses_the_others_with_their_rules(
    pipeline_ws, stages, team, make_record
):
    admin = team["admin"]
    good = make_record("lead", qualified_for="mql", name="Good")
    bad = make_record("lead", name="Bad")
    there = make_record("mql", qualified_for="mql", name="There")
    params = {"stage_id": stages["mql"].pk, "stage_name": "MQL"}
    bulk = run(start(pipeline_ws, admin, "move", params, [good, bad, there]))
    result = outcomes(bulk)
    assert result[good.pk] == (ItemOutcome.DONE, "")
    assert result[there.pk][0] == ItemOutcome.UNCHANGED
    assert result[bad.pk][0] == ItemOutcome.REFUSED
    assert result[bad.pk][1].startswith("Does not meet the entry rules of MQL:")
    assert "phone" in result[bad.pk][1]
    # Exactly one transition for the moved record, none for the others.
    moved = StageTransition.objects.of(pipeline_ws).filter(to_stage=stages["mql"], kind="forward")
    assert list(moved.values_list("record_id", flat=True)) == [good.pk]
    assert Record.objects.get(pk=bad.pk).stage == stages["lead"]
    assert bulk.status == BulkStatus.DONE
    event = AuditEvent.objects.get(workspace=pipeline_ws, kind=AuditKind.BULK_ACTION)
    assert event.detail["done"] == 1 and event.detail["refused"] == 1
    assert event.detail["stage"] == "MQL"


def test_a_member_who_may_not_move_a_record_gets_it_refused_with_the_reason(
    pipeline_ws, stages, team, make_record
):
    sdr = team["sdr"]
    mine = make_record("lead", qualified_for="mql", owner=sdr.user)
    theirs = make_record("opportunity", qualified_for="opportunity", owner=team["ae"].user)
    bulk = run(start(pipeline_ws, sdr, "move", {"stage_id": stages["mql"].pk}, [mine, theirs]))
    result = outcomes(bulk)
    assert result[mine.pk][0] == ItemOutcome.DONE
    assert result[theirs.pk][0] == ItemOutcome.REFUSED
    assert "may not move this record" in result[theirs.pk][1]


def test_assign_goes_through_the_owner_change_rules(pipeline_ws, team, make_record):
    ae = team["ae"]
    mine = make_record("lead", owner=ae.user)
    theirs = make_record("lead", owner=team["sdr"].user)
    target = team["ae"].user
    other = team["csm"].user
    bulk = run(
        start(pipeline_ws, ae, "assign", {"owner_id": other.pk, "owner_name": "x"}, [mine, theirs])
    )
    result = outcomes(bulk)
    assert result[mine.pk] == (ItemOutcome.DONE, "")
    assert result[theirs.pk] == (ItemOutcome.REFUSED, OWNER_CHANGE_REFUSED)
    mine.refresh_from_db()
    assert mine.owner == other and mine.version == 2
    # The field history says who changed the owner, as an edit on the record page does.
    assert mine.history.first().history_user == target
    assert Record.objects.get(pk=theirs.pk).owner == team["sdr"].user


def test_assign_to_the_current_owner_changes_nothing(pipeline_ws, team, make_record):
    record = make_record("lead", owner=team["ae"].user)
    bulk = run(
        start(pipeline_ws, team["admin"], "assign", {"owner_id": team["ae"].user.pk}, [record])
    )
    assert outcomes(bulk)[record.pk][0] == ItemOutcome.UNCHANGED
    assert Record.objects.get(pk=record.pk).version == record.version


def test_add_task_gives_each_record_one_task(pipeline_ws, team, make_record):
    records = [make_record("lead") for _ in range(3)]
    params = {"title": "Call back", "due": "2030-01-15", "assignee_id": team["sdr"].user.pk}
    bulk = run(start(pipeline_ws, team["sdr"], "task", params, records))
    assert {o for o, _ in outcomes(bulk).values()} == {ItemOutcome.DONE}
    tasks = Activity.objects.of(pipeline_ws).filter(kind="task", subject="Call back")
    assert sorted(tasks.values_list("record_id", flat=True)) == sorted(r.pk for r in records)
    task = tasks.first()
    assert task.assignee == team["sdr"].user and task.due_at.date() == date(2030, 1, 15)


def test_delete_refuses_records_the_member_may_not_delete(pipeline_ws, team, make_record):
    ae = team["ae"]
    mine = make_record("lead", owner=ae.user)
    theirs = make_record("lead", owner=team["sdr"].user)
    bulk = run(start(pipeline_ws, ae, "delete", {}, [mine, theirs]))
    result = outcomes(bulk)
    assert result[mine.pk][0] == ItemOutcome.DONE
    assert result[theirs.pk] == (ItemOutcome.REFUSED, DELETE_REFUSED)
    assert Record.objects.get(pk=mine.pk).deleted_at is not None
    assert Record.objects.get(pk=theirs.pk).deleted_at is None
    # Each soft delete is audited as a single one is, and the bulk action once.
    kinds = list(AuditEvent.objects.filter(workspace=pipeline_ws).values_list("kind", flat=True))
    assert sorted(kinds) == sorted([AuditKind.RECORD_DELETED, AuditKind.BULK_ACTION])


def test_a_member_who_left_gets_everything_refused(pipeline_ws, team, make_record):
    record = make_record("lead", owner=team["admin"].user)
    bulk = start(pipeline_ws, team["admin"], "delete", {}, [record])
    team["admin"].is_active = False
    team["admin"].save()
    run(bulk)
    assert outcomes(bulk)[record.pk] == (
        ItemOutcome.REFUSED,
        "You are no longer an active member of this workspace.",
    )


def test_a_record_deleted_meanwhile_is_refused(pipeline_ws, stages, team, make_record):
    record = make_record("lead", qualified_for="mql")
    bulk = start(pipeline_ws, team["admin"], "move", {"stage_id": stages["mql"].pk}, [record])
    Record.objects.filter(pk=record.pk).update(deleted_at="2026-01-01T00:00:00Z")
    run(bulk)
    assert outcomes(bulk)[record.pk] == (ItemOutcome.REFUSED, "This record was deleted meanwhile.")


def test_more_than_a_page_is_a_job_through_the_outbox(pipeline_ws, stages, team, make_record):
    records = [make_record("lead", qualified_for="mql") for _ in range(4)]
    bulk = start(pipeline_ws, team["admin"], "move", {"stage_id": stages["mql"].pk}, records)
    assert bulk.in_background and bulk.total == 4
    job = Job.objects.get(workspace=pipeline_ws)
    assert job.task == "bulk.tasks.bulk_run" and job.args == [pipeline_ws.pk, bulk.pk]
    assert not StageTransition.objects.filter(to_stage=stages["mql"]).exists()
    from bulk.tasks import bulk_run

    bulk_run(*job.args)
    assert StageTransition.objects.filter(to_stage=stages["mql"]).count() == 4


class Killed(Exception):
    """The worker dies half-way (any error that is not a refusal)."""


@pytest.mark.parametrize("kind", ["move", "task"])
def test_a_job_killed_half_way_and_run_again_acts_on_each_record_once(
    pipeline_ws, stages, team, make_record, monkeypatch, kind
):
    from bulk import actions

    records = [make_record("lead", qualified_for="mql") for _ in range(7)]
    params = {
        "move": {"stage_id": stages["mql"].pk},
        "task": {"title": "Follow up", "due": "2030-01-01", "assignee_id": team["ae"].user.pk},
    }[kind]
    bulk = start(pipeline_ws, team["admin"], kind, params, records)
    real, calls = actions.ACTIONS[kind], []

    def dies_on_the_fourth(ctx, record_id):
        calls.append(record_id)
        result = real(ctx, record_id)  # the fourth record's writes roll back with it
        if len(calls) == 4:
            raise Killed
        return result

    monkeypatch.setitem(actions.ACTIONS, kind, dies_on_the_fourth)
    with pytest.raises(Killed):
        run(bulk)
    pending = BulkItem.objects.filter(bulk=bulk, outcome=ItemOutcome.PENDING).count()
    assert pending == 4
    monkeypatch.setitem(actions.ACTIONS, kind, real)
    run(bulk)
    run(bulk)  # and once more after it finished: nothing happens
    if kind == "move":
        moves = StageTransition.objects.filter(to_stage=stages["mql"], kind="forward")
        assert sorted(moves.values_list("record_id", flat=True)) == sorted(r.pk for r in records)
    else:
        tasks = Activity.objects.filter(kind="task", subject="Follow up")
        assert sorted(tasks.values_list("record_id", flat=True)) == sorted(r.pk for r in records)
    assert AuditEvent.objects.filter(kind=AuditKind.BULK_ACTION).count() == 1


def test_an_item_set_back_to_pending_does_not_get_a_second_task(pipeline_ws, team, make_record):
    """The task's dedupe key is unique in the database: even if an item's state were lost,
    a second run cannot add the same record's task twice."""
    record = make_record("lead")
    params = {"title": "Once", "due": "2030-01-01", "assignee_id": team["ae"].user.pk}
    bulk = run(start(pipeline_ws, team["admin"], "task", params, [record]))
    BulkItem.objects.filter(bulk=bulk).update(outcome=ItemOutcome.PENDING)
    bulk.status = BulkStatus.RUNNING
    bulk.save()
    run(bulk)
    assert Activity.objects.filter(kind="task", subject="Once").count() == 1
    assert outcomes(bulk)[record.pk][0] == ItemOutcome.UNCHANGED


def test_records_of_another_workspace_cannot_be_selected(pipeline_ws, other_workspace, team):
    theirs = RecordFactory(workspace=other_workspace)
    with pytest.raises(Exception, match="No records"):
        start(pipeline_ws, team["admin"], "delete", {}, [theirs])
    assert Record.objects.get(pk=theirs.pk).deleted_at is None


def test_roles_matter_not_the_bulk(pipeline_ws, team, make_record, member_factory):
    """A marketing member bulk-deleting records they do not own: each one refused, as the
    single delete would be."""
    marketer = member_factory(pipeline_ws, Role.MARKETING)
    records = [make_record("lead", owner=team["ae"].user) for _ in range(2)]
    bulk = run(start(pipeline_ws, marketer, "delete", {}, records))
    assert {o for o, _ in outcomes(bulk).values()} == {ItemOutcome.REFUSED}


def test_bulk_assign_notifies_each_new_owner_as_a_single_change_does(
    pipeline_ws, team, make_record, django_capture_on_commit_callbacks
):
    from notifications.models import Notification

    records = [make_record("lead", owner=team["admin"].user) for _ in range(2)]
    params = {"owner_id": team["csm"].user.pk}
    with django_capture_on_commit_callbacks(execute=True):
        run(start(pipeline_ws, team["admin"], "assign", params, records))
    notified = Notification.objects.filter(recipient=team["csm"].user)
    assert sorted(notified.values_list("record_id", flat=True)) == sorted(r.pk for r in records)

"""Moving records: forward, back, lost, nurture, reopen; history; handoffs; refusals."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from pipeline import services
from pipeline.models import AppendOnlyError, StageTransition
from playbook.models import Membership, Role
from records.models import Activity, Record
from tests.factories import LostReasonFactory, StageDefinitionFactory
from tests.pipeline.conftest import qualify

pytestmark = pytest.mark.django_db


def advance(record, member, **kwargs):
    return services.record_advance(
        workspace=record.workspace, record=record, actor=member.user, membership=member, **kwargs
    )


def test_advance_appends_one_transition_and_updates_the_record(make_record, stages, team):
    record = make_record("lead", qualified_for="mql", days_in=3)
    version = record.version
    transition = advance(record, team["admin"], version=version, note="Called them")
    record.refresh_from_db()
    assert record.stage == stages["mql"]
    assert record.status == "open"
    assert record.version == version + 1
    assert record.stage_entered_at == transition.at
    assert StageTransition.objects.filter(record=record).count() == 1
    assert transition.kind == "forward"
    assert (transition.from_stage, transition.to_stage) == (stages["lead"], stages["mql"])
    assert transition.actor == team["admin"].user
    assert transition.note == "Called them"
    assert 3 * 86400 - 5 <= transition.seconds_in_previous <= 3 * 86400 + 5


def test_a_refused_advance_lists_every_unmet_rule_and_writes_nothing(make_record, team):
    record = make_record("lead", icp_score=10)
    with pytest.raises(services.MoveRefused) as excinfo:
        advance(record, team["admin"])
    messages = [result.message for _, result in excinfo.value.unmet]
    assert messages == [
        "The primary contact's phone number is not valid.",
        "The primary contact's e-mail address is not valid.",
        "The ICP score is below 50: the company is outside our ideal customer profile.",
        "The prospect has not acknowledged the problem we solve.",
    ]
    record.refresh_from_db()
    assert record.stage.key == "lead" and record.version == 1
    assert not StageTransition.objects.filter(record=record).exists()


def test_jumping_ahead_requires_the_rules_of_every_stage_passed(make_record, stages, team):
    record = make_record("lead", qualified_for="mql")
    record.buying_intent = record.decision_maker_identified = True
    record.expected_arr, record.expected_close_date = 1000, timezone.now().date()
    record.save()
    with pytest.raises(services.MoveRefused) as excinfo:
        advance(record, team["admin"], to_stage=stages["opportunity"])
    unmet = {(stage.key, result.message) for stage, result in excinfo.value.unmet}
    assert unmet == {
        ("sql", "A rep has not verified the details with the prospect yet."),
        ("sql", "No demo has been completed."),
    }
    qualify(record, "sql")
    transition = advance(record, team["admin"], to_stage=stages["opportunity"])
    assert (transition.from_stage.key, transition.to_stage.key) == ("lead", "opportunity")


def test_move_back_needs_no_rules(make_record, stages, team):
    record = make_record("sql")
    transition = services.record_move_back(
        workspace=record.workspace,
        record=record,
        actor=team["admin"].user,
        membership=team["admin"],
        note="Demo did not happen",
    )
    record.refresh_from_db()
    assert record.stage == stages["mql"]
    assert transition.kind == "back"
    with pytest.raises(ValidationError, match="not behind"):
        services.record_move_back(
            workspace=record.workspace,
            record=record,
            actor=None,
            membership=team["admin"],
            to_stage=stages["won"],
        )


def test_the_board_move_picks_forward_or_back(make_record, stages, team):
    record = make_record("sql")
    common = {"workspace": record.workspace, "actor": None, "membership": team["admin"]}
    back = services.record_move(record=record, to_stage=stages["lead"], **common)
    assert back.kind == "back"
    with pytest.raises(ValidationError, match="already in Lead"):
        services.record_move(record=record, to_stage=stages["lead"], **common)
    with pytest.raises(services.MoveRefused):
        services.record_move(record=record, to_stage=stages["sql"], **common)


def test_mark_lost_needs_a_reason_from_the_workspace_list(make_record, team, other_workspace):
    record = make_record("opportunity")
    reason = LostReasonFactory(workspace=record.workspace, label="Budget cut")
    foreign = LostReasonFactory(workspace=other_workspace)
    retired = LostReasonFactory(workspace=record.workspace, is_active=False)
    common = {
        "workspace": record.workspace,
        "record": record,
        "actor": None,
        "membership": team["admin"],
    }
    for bad in (None, "", foreign.pk, retired.pk, "abc"):
        with pytest.raises(ValidationError) as excinfo:
            services.record_mark_lost(reason=bad, **common)
        assert "reason" in excinfo.value.message_dict
    transition = services.record_mark_lost(reason=reason.pk, note="Frozen until Q3", **common)
    record.refresh_from_db()
    assert record.status == "lost" and record.lost_reason == "Budget cut"
    assert record.stage.key == "opportunity"
    assert transition.kind == "lost" and transition.from_stage == transition.to_stage
    with pytest.raises(ValidationError, match="marked lost"):
        advance(record, team["admin"])
    with pytest.raises(ValidationError, match="is marked lost"):
        services.record_mark_lost(reason=reason.pk, **common)


def test_reopen_brings_a_lost_record_back(make_record, team):
    record = make_record("opportunity")
    reason = LostReasonFactory(workspace=record.workspace)
    common = {"workspace": record.workspace, "actor": None, "membership": team["admin"]}
    services.record_mark_lost(record=record, reason=reason.pk, **common)
    transition = services.record_reopen(record=record, **common)
    record.refresh_from_db()
    assert record.status == "open" and record.lost_reason == ""
    assert transition.kind == "reopened"
    with pytest.raises(ValidationError, match="not marked lost"):
        services.record_reopen(record=record, **common)


def test_recycle_to_nurture_goes_back_to_the_first_stage(make_record, stages, team):
    record = make_record("sql", owner=team["sdr"].user)
    common = {"workspace": record.workspace, "actor": None, "membership": team["admin"]}
    with pytest.raises(ValidationError) as excinfo:
        services.record_recycle_to_nurture(record=record, reason="  ", **common)
    assert "reason" in excinfo.value.message_dict
    transition = services.record_recycle_to_nurture(
        record=record, reason="Wrong phone number", **common
    )
    record.refresh_from_db()
    assert record.stage == stages["lead"] and record.status == "nurture"
    assert transition.kind == "nurture" and transition.note == "Wrong phone number"
    # Back in marketing's hands: handed over to the marketing member.
    assert record.owner == team["marketing"].user
    with pytest.raises(ValidationError, match="already being nurtured"):
        services.record_recycle_to_nurture(record=record, reason="again", **common)
    # A nurtured lead that qualifies is open again once it advances.
    qualify(record, "mql")
    advance(record, team["admin"])
    record.refresh_from_db()
    assert record.status == "open" and record.stage == stages["mql"]


def test_history_is_append_only(make_record, team):
    record = make_record("lead", qualified_for="mql")
    transition = advance(record, team["admin"])
    transition.note = "rewritten"
    with pytest.raises(AppendOnlyError):
        transition.save()
    with pytest.raises(AppendOnlyError):
        transition.delete()
    assert StageTransition.objects.get(pk=transition.pk).note == ""


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's"
)
def test_the_database_refuses_to_rewrite_history(make_record, team):
    record = make_record("lead", qualified_for="mql")
    transition = advance(record, team["admin"])
    rewrites = [
        {"note": "rewritten"},
        {"at": timezone.now() - timedelta(days=400)},
        {"to_stage": transition.from_stage},
        {"actor": team["leader"].user},
    ]
    for change in rewrites:
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
            StageTransition.objects.filter(pk=transition.pk).update(**change)
    assert StageTransition.objects.get(pk=transition.pk).note == ""


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only trigger is PostgreSQL's"
)
def test_deleting_a_person_or_the_record_still_works_with_the_trigger(make_record, team):
    record = make_record("lead", qualified_for="mql")
    transition = advance(record, team["marketing"])
    team["marketing"].user.delete()  # on_delete=SET_NULL: the history keeps the move
    transition = StageTransition.objects.get(pk=transition.pk)
    assert transition.actor_id is None and transition.to_stage.key == "mql"
    Record.objects.filter(pk=record.pk).delete()  # the history goes with its record
    assert not StageTransition.objects.filter(record_id=record.pk).exists()


def test_a_stale_version_is_refused_with_a_clear_message(make_record, team):
    record = make_record("lead", qualified_for="mql")
    advance(record, team["admin"], version=1)
    with pytest.raises(services.StaleRecord, match=r"Someone else changed .* now in MQL"):
        advance(record, team["admin"], version=1)
    assert StageTransition.objects.filter(record=record).count() == 1


def test_target_stage_must_be_an_active_stage_of_the_workspace(
    make_record, stages, team, other_workspace
):
    record = make_record("lead", qualified_for="won")
    foreign = StageDefinitionFactory(workspace=other_workspace, position=9)
    with pytest.raises(ValidationError, match="does not exist in this workspace"):
        advance(record, team["admin"], to_stage=foreign)
    with pytest.raises(ValidationError, match="does not exist"):
        advance(record, team["admin"], to_stage=999999)
    stages["sql"].is_retired = True
    stages["sql"].save()
    with pytest.raises(ValidationError, match="retired"):
        advance(record, team["admin"], to_stage=stages["sql"])


def test_a_deleted_record_cannot_move(make_record, team):
    record = make_record("lead", qualified_for="mql", deleted_at=timezone.now())
    with pytest.raises(ValidationError, match="no longer exists"):
        advance(record, team["admin"])


# --- who may move ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "stage_key", "own", "allowed"),
    [
        (Role.ADMIN, "opportunity", False, True),
        (Role.LEADER, "opportunity", False, True),
        (Role.AE, "opportunity", False, True),  # Sales owns Opportunity
        (Role.SDR, "opportunity", False, False),
        (Role.SDR, "opportunity", True, True),  # their own record
        (Role.SDR, "mql", False, True),  # MQL is handed to Inside Sales
        (Role.MARKETING, "mql", False, True),  # ... and owned by Marketing
        (Role.CSM, "sql", False, False),
    ],
)
def test_who_may_move(make_record, team, role, stage_key, own, allowed):
    member = team[role]
    record = make_record(
        stage_key, qualified_for="won", owner=member.user if own else team["admin"].user
    )
    call = lambda: services.record_move_back(  # noqa: E731
        workspace=record.workspace, record=record, actor=member.user, membership=member
    )
    if allowed:
        call()
    else:
        with pytest.raises(services.MoveNotAllowed, match="may not move this record"):
            call()


# --- handoffs --------------------------------------------------------------------------------


def test_entering_another_teams_stage_hands_over_round_robin(make_record, team, pipeline_ws):
    owners = []
    for _ in range(4):
        record = make_record("lead", qualified_for="mql", owner=team["marketing"].user)
        advance(record, team["admin"])
        record.refresh_from_db()
        owners.append(record.owner)
    sdrs = [team["sdr"].user, team["sdr2"].user]
    assert sorted(u.pk for u in owners[:2]) == sorted(u.pk for u in sdrs)
    assert owners[2:] == owners[:2]  # then around again, in the same order
    assert (
        Membership.objects.filter(workspace=pipeline_ws, role=Role.SDR)
        .exclude(last_assigned_at=None)
        .count()
        == 2
    )


def test_a_handoff_leaves_a_task_for_the_new_owner(make_record, team):
    record = make_record("lead", qualified_for="mql", owner=team["marketing"].user)
    transition = advance(record, team["marketing"], note="Hot lead from the webinar")
    task = Activity.objects.get(record=record, kind="task")
    assert task.subject == "Follow up on handoff"
    assert task.assignee == transition.to_owner
    assert task.assignee.pk in (team["sdr"].user_id, team["sdr2"].user_id)
    assert task.dedupe_key == f"handoff:{transition.pk}"
    assert "Hot lead from the webinar" in task.body
    assert not task.done and task.due_at > timezone.now()
    assert transition.from_owner == team["marketing"].user


def test_the_owner_picked_in_the_form_wins(make_record, team):
    record = make_record("sql", qualified_for="opportunity", owner=team["sdr"].user)
    advance(record, team["admin"], owner=team["leader"].user)
    record.refresh_from_db()
    assert record.owner == team["leader"].user
    with pytest.raises(ValidationError) as excinfo:
        advance(record, team["admin"], owner=999999)
    assert "owner" in excinfo.value.message_dict


def test_the_owner_picked_must_be_an_active_member_of_this_workspace(
    make_record, team, other_workspace, member_factory
):
    record = make_record("sql", qualified_for="opportunity", owner=team["sdr"].user)
    outsider = member_factory(other_workspace, Role.AE)
    former = member_factory(record.workspace, Role.AE, is_active=False)
    for owner in (outsider.user, former.user):
        with pytest.raises(ValidationError) as excinfo:
            advance(record, team["admin"], owner=owner)
        assert excinfo.value.message_dict == {
            "owner": ["Choose an active member of this workspace as owner."]
        }
    record.refresh_from_db()
    assert record.stage.key == "sql" and record.owner == team["sdr"].user
    assert not StageTransition.objects.filter(record=record).exists()


def test_no_handoff_within_the_same_team(make_record, team):
    record = make_record("mql", qualified_for="sql", owner=team["sdr"].user)
    advance(record, team["sdr"])
    record.refresh_from_db()
    assert record.owner == team["sdr"].user
    assert not Activity.objects.filter(record=record, kind="task").exists()


def test_without_anyone_in_the_receiving_team_the_owner_stays(make_record, team):
    Membership.objects.filter(team="sales").update(is_active=False)
    record = make_record("sql", qualified_for="opportunity", owner=team["sdr"].user)
    advance(record, team["admin"])
    record.refresh_from_db()
    assert record.owner == team["sdr"].user and record.stage.key == "opportunity"


def test_a_move_costs_the_same_queries_however_big_the_workspace(
    make_record, team, django_assert_max_num_queries
):
    first = make_record("lead", qualified_for="mql", owner=team["marketing"].user)
    with django_assert_max_num_queries(16) as captured:
        advance(first, team["marketing"])
    baseline = len(captured.captured_queries)
    for _ in range(30):
        make_record("lead", qualified_for="mql", owner=team["marketing"].user)
    Record.objects.filter(workspace=first.workspace).update(
        stage_entered_at=timezone.now() - timedelta(days=1)
    )
    second = make_record("lead", qualified_for="mql", owner=team["marketing"].user)
    with django_assert_max_num_queries(baseline):
        advance(second, team["marketing"])

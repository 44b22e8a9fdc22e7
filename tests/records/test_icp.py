"""ICP scoring: the profile, the set-based recompute, the inline rescore after commit, and the
explanation that always adds up to the stored score."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from playbook.models import User
from playbook.services import workspace_create
from records.icp_defaults import DEFAULT_CRITERIA
from records.models import IcpProfile, Record
from records.selectors.icp import icp_explanation
from records.services import contact_create, record_update
from records.services import icp as services
from tests.factories import ActivityFactory, ContactFactory, RecordFactory, WorkspaceFactory
from tests.records.test_conditions import generated_records

pytestmark = pytest.mark.django_db

# Every kind a profile may use; the weights add up to 100 but are not round.
EVERY_KIND = [
    {"kind": "field_in", "params": {"field": "industry", "values": ["Software"]}, "weight": 30},
    {"kind": "number_range", "params": {"field": "employee_count", "min": "50"}, "weight": 8},
    {"kind": "field_in", "params": {"field": "revenue_band", "values": ["1m_10m"]}, "weight": 7},
    {"kind": "contact_seniority_in", "params": {"values": ["c_level", "vp"]}, "weight": 13},
    {"kind": "contact_title_contains", "params": {"values": ["sales"]}, "weight": 9},
    {"kind": "flag_set", "params": {"flag": "problem_acknowledged"}, "weight": 11},
    {"kind": "field_in", "params": {"field": "custom:crm", "values": ["HubSpot"]}, "weight": 5},
    {"kind": "number_range", "params": {"field": "custom:seats", "max": "60"}, "weight": 3},
    {"kind": "activity_done", "params": {"activity_kind": "demo"}, "weight": 8},
    {"kind": "activity_count", "params": {"min_count": 3, "within_days": 60}, "weight": 6},
    {"kind": "contact_phone_valid", "params": {}, "weight": 0},
]


def profile_for(workspace, criteria):
    return IcpProfile.objects.update_or_create(
        workspace=workspace, defaults={"criteria": criteria}
    )[0]


def scores(workspace):
    return dict(Record.objects.of(workspace).values_list("pk", "icp_score"))


def test_stored_score_equals_the_explanation_over_many_records(workspace, admin):
    profile_for(workspace, EVERY_KIND)
    generated_records(workspace, admin.user, n=80, seed=11)
    result = services.icp_recompute_workspace(workspace_id=workspace.pk, chunk=7)
    assert result.records == 80
    stored = scores(workspace)
    assert len(set(stored.values())) > 10  # the data spreads the scores
    for record in Record.objects.of(workspace):
        explanation = icp_explanation(workspace, record)
        assert 0 <= record.icp_score <= 100
        assert explanation.score == record.icp_score, record.pk
        assert sum(line.points for line in explanation.lines if line.met) == record.icp_score
        assert all(line.points == 0 for line in explanation.lines if not line.met)


def test_explanation_reads_like_the_criteria(workspace, admin):
    profile_for(
        workspace,
        [
            {"kind": "field_in", "params": {"field": "industry", "values": ["Software"]}},
            {"kind": "field_in", "params": {"field": "country", "values": ["Germany"]}},
        ],
    )
    IcpProfile.objects.filter(workspace=workspace).update(
        criteria=[
            {**c, "weight": w}
            for c, w in zip(
                IcpProfile.objects.get(workspace=workspace).criteria, (30, 70), strict=True
            )
        ]
    )
    record = RecordFactory(workspace=workspace, industry="Software", country="France")
    explanation = icp_explanation(workspace, record)
    assert [(line.points, line.label) for line in explanation.lines] == [
        (30, "Industry is Software"),
        (0, "Country not in target list"),
    ]
    assert explanation.score == 30


def test_all_weights_zero_scores_zero(workspace):
    profile_for(workspace, [{**c, "weight": 0} for c in EVERY_KIND])
    record = RecordFactory(workspace=workspace, industry="Software", icp_score=55)
    services.icp_recompute_workspace(workspace_id=workspace.pk)
    record.refresh_from_db()
    assert record.icp_score == 0
    explanation = icp_explanation(workspace, record)
    assert explanation.all_weights_zero and explanation.score == 0


def test_recompute_is_idempotent_and_moves_scored_at_only_with_the_score(workspace):
    profile_for(workspace, EVERY_KIND)
    software = RecordFactory(workspace=workspace, industry="Software")
    retail = RecordFactory(workspace=workspace, industry="Retail")
    first = services.icp_recompute_workspace(workspace_id=workspace.pk)
    assert first.changed == 2
    software.refresh_from_db()
    retail.refresh_from_db()
    scored_at = software.icp_scored_at
    assert services.icp_recompute_workspace(workspace_id=workspace.pk).changed == 0
    Record.objects.filter(pk=retail.pk).update(industry="Software")
    assert services.icp_recompute_workspace(workspace_id=workspace.pk).changed == 1
    software.refresh_from_db()
    assert software.icp_scored_at == scored_at
    profile = IcpProfile.objects.get(workspace=workspace)
    assert profile.last_full_recompute_at is not None
    assert profile.recompute_done == profile.recompute_total == 2
    assert not profile.is_recomputing


def test_scoring_writes_no_field_history(workspace, admin, django_capture_on_commit_callbacks):
    profile_for(workspace, EVERY_KIND)
    record = RecordFactory(workspace=workspace, industry="Retail")
    history = Record.history.model.objects.filter(id=record.pk)
    before = history.count()
    services.icp_recompute_workspace(workspace_id=workspace.pk)
    with django_capture_on_commit_callbacks(execute=True):
        ContactFactory(record=record)
        services.icp_rescore_after_commit(workspace_id=workspace.pk, record_id=record.pk)
    assert history.count() == before


def test_recompute_never_touches_another_workspace(workspace, other_workspace):
    profile_for(workspace, EVERY_KIND)
    profile_for(other_workspace, EVERY_KIND)
    mine = RecordFactory(workspace=workspace, industry="Software")
    theirs = RecordFactory(workspace=other_workspace, industry="Software", icp_score=3)
    services.icp_recompute_workspace(workspace_id=workspace.pk, chunk=1)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.icp_score == 30
    assert theirs.icp_score == 3 and theirs.icp_scored_at is None
    services.icp_rescore_records(workspace_id=workspace.pk, record_ids=[theirs.pk])
    theirs.refresh_from_db()
    assert theirs.icp_score == 3


def test_one_record_is_rescored_after_commit(workspace, admin, django_capture_on_commit_callbacks):
    profile_for(workspace, EVERY_KIND)
    record = RecordFactory(workspace=workspace, industry="Retail")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record = record_update(
            record=record, actor=admin.user, version=record.version, industry="Software"
        )
        contact_create(record=record, actor=admin.user, first_name="Ann", seniority="vp")
        record.refresh_from_db()
        assert record.icp_score is None  # not before the commit
    assert len(callbacks) == 1  # one rescore for both edits
    callbacks[0]()
    record.refresh_from_db()
    assert record.icp_score == 30 + 13
    for _ in range(3):
        ActivityFactory(record=record, kind="call", done=True)
    callbacks[0]()
    record.refresh_from_db()
    assert record.icp_score == 30 + 13 + 6


def statements(run) -> list[str]:
    """The SQL `run()` sends, without the savepoints that its atomic block becomes inside a
    test's transaction (outside one it is a BEGIN and COMMIT, which Django does not log)."""
    with CaptureQueriesContext(connection) as captured:
        run()
    return [q["sql"] for q in captured if "SAVEPOINT" not in q["sql"]]


def test_single_record_rescore_costs_a_constant_number_of_queries(
    workspace, django_assert_num_queries
):
    profile_for(workspace, EVERY_KIND)
    record = RecordFactory(workspace=workspace)
    for _ in range(3):
        ContactFactory(record=record)
        ActivityFactory(record=record, kind="call", done=True)

    def rescore():
        return services.icp_rescore_record(workspace_id=workspace.pk, record_id=record.pk)

    # profile, the record (locked), contacts' facts, activities' facts, the write
    assert len(statements(rescore)) == 5
    assert len(statements(rescore)) == 4  # unchanged: nothing written
    for _ in range(5):
        ContactFactory(record=record)
        ActivityFactory(record=record, kind="demo", done=True)
    assert len(statements(rescore)) == 5
    with django_assert_num_queries(2):
        services.icp_rescore_records(workspace_id=workspace.pk, record_ids=[record.pk])


def test_single_record_rescore_agrees_with_the_set_based_recompute(workspace, admin):
    """The inline rescore judges in Python, the recompute in SQL: one score for every record."""
    profile_for(workspace, EVERY_KIND)
    generated_records(workspace, admin.user, n=80, seed=23)
    services.icp_recompute_workspace(workspace_id=workspace.pk, chunk=9)
    by_sql = scores(workspace)
    assert len(set(by_sql.values())) > 10
    Record.objects.of(workspace).update(icp_score=None)
    for pk in by_sql:
        assert services.icp_rescore_record(workspace_id=workspace.pk, record_id=pk)
    assert scores(workspace) == by_sql
    assert services.icp_recompute_workspace(workspace_id=workspace.pk).changed == 0


def test_single_record_rescore_of_another_workspace_writes_nothing(workspace, other_workspace):
    profile_for(workspace, EVERY_KIND)
    theirs = RecordFactory(workspace=other_workspace, industry="Software", icp_score=3)
    assert not services.icp_rescore_record(workspace_id=workspace.pk, record_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.icp_score == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_recomputes_of_a_workspace_never_overlap(workspace):
    profile_for(workspace, EVERY_KIND)
    RecordFactory(workspace=workspace, industry="Software")
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [services._LOCK_CLASS + workspace.pk])
        assert services.icp_recompute_workspace(workspace_id=workspace.pk).busy
        assert scores(workspace) == {Record.objects.get().pk: None}
    finally:
        # Unlock before closing: the server ends a closed session (and drops its locks) a moment
        # later, which the next line could race.
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [services._LOCK_CLASS + workspace.pk])
        other.close()
    assert services.icp_recompute_workspace(workspace_id=workspace.pk).changed == 1


def test_a_new_workspace_starts_with_the_default_profile(db):
    owner = User.objects.create_user("owner@example.com", "pw-12345-abc")
    workspace = workspace_create(name="Fresh", slug="fresh-start", owner=owner)
    profile = IcpProfile.objects.get(workspace=workspace)
    assert profile.criteria == DEFAULT_CRITERIA
    assert sum(c["weight"] for c in DEFAULT_CRITERIA) == 100
    # The default profile is valid input.
    for c in DEFAULT_CRITERIA:
        assert services.clean_criterion(workspace, **c) == c


# --- editing the profile -------------------------------------------------------------------


def test_add_update_remove_and_weights(workspace, admin):
    profile = profile_for(workspace, [])
    profile = services.icp_criterion_add(
        workspace=workspace,
        actor=admin.user,
        kind="field_in",
        params={"field": "industry", "values": "Software, Fintech"},
        weight="40",
        version=profile.version,
    )
    assert profile.criteria == [
        {
            "kind": "field_in",
            "params": {"field": "industry", "values": ["Software", "Fintech"]},
            "weight": 40,
        }
    ]
    assert profile.is_recomputing  # queued
    profile = services.icp_criterion_add(
        workspace=workspace,
        actor=admin.user,
        kind="flag_set",
        params={"flag": "buying_intent"},
        weight=10,
        version=profile.version,
    )
    profile = services.icp_weights_set(
        workspace=workspace, actor=admin.user, weights=["5", "15"], version=profile.version
    )
    assert [c["weight"] for c in profile.criteria] == [5, 15]
    profile = services.icp_criterion_remove(
        workspace=workspace, actor=admin.user, index=0, version=profile.version
    )
    assert [c["kind"] for c in profile.criteria] == ["flag_set"]
    with pytest.raises(services.ProfileChanged):
        services.icp_criterion_remove(
            workspace=workspace, actor=admin.user, index=0, version=profile.version - 1
        )


@pytest.mark.parametrize(
    ("kind", "params", "weight", "field"),
    [
        ("flag_set", {"flag": "buying_intent"}, "-5", "weight"),
        ("flag_set", {"flag": "buying_intent"}, "ten", "weight"),
        ("flag_set", {"flag": "buying_intent"}, "101", "weight"),
        ("field_in", {"field": "industry", "values": " , "}, "10", "values"),
        ("field_in", {"field": "custom:nope", "values": "a"}, "10", "field"),
        ("number_range", {"field": "employee_count", "min": "500", "max": "5"}, "10", "max"),
        ("contact_title_contains", {"values": ",".join(["word"] * 10_000)}, "10", "values"),
        ("icp_at_least", {"min": 10}, "10", "kind"),
        ("number_range", {"field": "icp_score", "min": "5"}, "10", "field"),
    ],
)
def test_bad_input_is_refused_naming_the_field(workspace, admin, kind, params, weight, field):
    profile = profile_for(workspace, DEFAULT_CRITERIA)
    with pytest.raises(ValidationError) as exc:
        services.icp_criterion_add(
            workspace=workspace,
            actor=admin.user,
            kind=kind,
            params=params,
            weight=weight,
            version=profile.version,
        )
    assert field in exc.value.message_dict
    profile.refresh_from_db()
    assert profile.criteria == DEFAULT_CRITERIA and profile.version == 1


def test_bad_weights_are_refused_and_nothing_changes(workspace, admin):
    profile = profile_for(workspace, DEFAULT_CRITERIA)
    weights = [c["weight"] for c in DEFAULT_CRITERIA]
    weights[2] = "-1"
    with pytest.raises(ValidationError) as exc:
        services.icp_weights_set(
            workspace=workspace, actor=admin.user, weights=weights, version=profile.version
        )
    assert "weight_2" in exc.value.message_dict
    profile.refresh_from_db()
    assert profile.criteria == DEFAULT_CRITERIA


def test_recompute_icp_command_prints_a_result_line(capsys):
    workspace = WorkspaceFactory(slug="acme")
    profile_for(workspace, EVERY_KIND)
    RecordFactory(workspace=workspace, industry="Software")
    call_command("recompute_icp", workspace="acme")
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("RESULT records=1 changed=1 seconds=")
    call_command("recompute_icp")
    assert "changed=0" in capsys.readouterr().out


def test_demo_scores_come_from_the_profile_and_won_records_score_high(capsys):
    call_command("seed_demo", workspace="demo-icp", records=150)
    capsys.readouterr()
    records = Record.objects.filter(workspace__slug="demo-icp")
    assert not records.filter(icp_score__isnull=True).exists()
    workspace = records.first().workspace
    for record in records[:20]:
        assert icp_explanation(workspace, record).score == record.icp_score
    won = list(records.filter(stage__is_won=True).values_list("icp_score", flat=True))
    assert won and sum(s >= 50 for s in won) / len(won) > 0.8
    assert services.icp_recompute_workspace(workspace_id=workspace.pk).changed == 0

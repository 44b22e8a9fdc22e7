"""Every workspace starts with the agreed stages, their rules and lost reasons; workspaces that
existed before get them through the data migration."""

import importlib

import pytest
from django.apps import apps

from pipeline import defaults, selectors
from pipeline.models import LostReason, QualificationRule, StageDefinition, StageTransition
from playbook import services as playbook_services
from records.models import Record
from tests.factories import RecordFactory, UserFactory
from tests.pipeline.conftest import qualify

pytestmark = pytest.mark.django_db


def test_a_new_workspace_gets_the_default_stages():
    owner = UserFactory()
    workspace = playbook_services.workspace_create(name="Acme", slug="acme", owner=owner)
    stages = selectors.stages(workspace)
    assert [s.name for s in stages] == ["Lead", "MQL", "SQL", "Opportunity", "Won", "Expanded"]
    assert [s.team for s in stages] == [
        "marketing",
        "marketing",
        "inside_sales",
        "sales",
        "customer_success",
        "renewals",
    ]
    assert stages[1].receiving_team == "inside_sales"
    assert all(s.definition for s in stages)
    assert [s.probability for s in stages] == [2, 5, 15, 40, 100, 100]
    assert stages[4].is_won and stages[4].is_closed
    assert LostReason.objects.filter(workspace=workspace).count() == len(
        defaults.DEFAULT_LOST_REASONS
    )


def test_default_rules_follow_the_design_table(pipeline_ws, stages):
    def kinds(key):
        return [
            (r.kind, r.params.get("flag") or r.params.get("field") or r.params.get("min"))
            for r in QualificationRule.objects.filter(stage=stages[key]).order_by("position")
        ]

    mql = [
        ("contact_phone_valid", None),
        ("contact_email_valid", None),
        ("icp_at_least", defaults.MQL_ICP_THRESHOLD),
        ("flag_set", "problem_acknowledged"),
    ]
    assert kinds("lead") == [("has_contact", None)]
    assert kinds("mql") == mql
    assert kinds("sql") == [*mql, ("flag_set", "details_verified"), ("activity_done", None)]
    assert kinds("opportunity") == [
        ("flag_set", "buying_intent"),
        ("field_present", "expected_arr"),
        ("field_present", "expected_close_date"),
        ("flag_set", "decision_maker_identified"),
    ]
    assert kinds("won") == [("has_subscription", None)]
    assert kinds("expanded") == [("has_expansion", None)]


def test_installing_twice_changes_nothing(pipeline_ws):
    from pipeline import services

    assert services.pipeline_install_defaults(workspace=pipeline_ws) is False
    assert StageDefinition.objects.filter(workspace=pipeline_ws).count() == 6


@pytest.mark.parametrize("key", ["lead", "mql", "sql", "opportunity", "won"])
def test_every_default_stage_admits_a_qualified_record_and_lists_each_gap(pipeline_ws, stages, key):
    record = qualify(RecordFactory(workspace=pipeline_ws), key)
    assert selectors.unmet_rules(record, [stages[key]]) == []
    for rule in QualificationRule.objects.filter(stage=stages[key]):
        bare = RecordFactory(workspace=pipeline_ws)
        unmet = [r.rule.pk for _, r in selectors.unmet_rules(bare, [stages[key]])]
        assert rule.pk in unmet, rule.message


def test_the_mql_rules_each_refuse_on_their_own(pipeline_ws, stages):
    record = qualify(RecordFactory(workspace=pipeline_ws), "mql")
    record.contacts.update(phone_valid=False)
    [(_, result)] = selectors.unmet_rules(record, [stages["mql"]])
    assert result.message == "The primary contact's phone number is not valid."
    record.contacts.update(phone_valid=True)
    record.icp_score = 20
    [(_, result)] = selectors.unmet_rules(record, [stages["mql"]])
    assert "ICP score is below" in result.message


def test_the_data_migration_gives_existing_workspaces_stages_and_places_records(
    workspace, other_workspace
):
    migration = importlib.import_module(
        "pipeline.migrations.0004_default_stages_for_existing_workspaces"
    )
    unstaged = RecordFactory(workspace=workspace)
    migration.forwards(apps, None)
    unstaged.refresh_from_db()
    assert unstaged.stage.key == "lead"
    assert unstaged.stage_entered_at == unstaged.created_at
    [created] = StageTransition.objects.filter(record=unstaged)
    assert created.kind == "created" and created.to_stage == unstaged.stage
    assert StageDefinition.objects.filter(workspace=other_workspace).count() == 6
    migration.forwards(apps, None)  # running again adds nothing
    assert StageTransition.objects.filter(record=unstaged).count() == 1
    assert Record.objects.filter(stage__isnull=True).count() == 0

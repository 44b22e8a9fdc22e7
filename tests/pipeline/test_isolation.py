"""Tenancy in the pipeline: ids of another workspace inside forms and queries, a rule under
another stage, the board. Every route with another workspace's id in its path (and a non-member
on every route) is walked by tests/playbook/test_tenancy.py."""

import pytest
from django.urls import reverse

from pipeline import services
from pipeline.models import LostReason, QualificationRule, StageDefinition
from playbook.models import Role
from tests.factories import RecordFactory
from tests.pipeline.conftest import qualify

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def foreign(other_workspace):
    """Objects of another workspace: a stage, a rule, a record, a lost reason."""
    services.pipeline_install_defaults(workspace=other_workspace)
    stage = StageDefinition.objects.filter(workspace=other_workspace, key="sql").get()
    return {
        "stage": stage,
        "rule": QualificationRule.objects.filter(stage=stage).first(),
        "record": RecordFactory(workspace=other_workspace, stage=stage),
        "reason": LostReason.objects.filter(workspace=other_workspace).first(),
    }


def test_a_rule_is_found_only_under_its_own_stage(admin_client, pipeline_ws, stages):
    rule = QualificationRule.objects.filter(stage=stages["mql"]).first()
    url = reverse("pipeline:rule_edit", args=[pipeline_ws.slug, stages["sql"].pk, rule.pk])
    assert admin_client.get(url).status_code == 404


def test_ids_of_another_workspace_in_forms_and_queries(admin_client, pipeline_ws, foreign, stages):
    record = RecordFactory(workspace=pipeline_ws, stage=stages["lead"])
    move = reverse("pipeline:record_move", args=[pipeline_ws.slug, record.pk])
    for headers in ({}, HTMX):
        response = admin_client.post(move, {"to_stage": foreign["stage"].pk}, **headers)
        assert response.status_code == 404
    create = reverse("pipeline:stage_create", args=[pipeline_ws.slug])
    assert admin_client.get(create + f"?after={foreign['stage'].pk}").status_code == 404
    queue = reverse("pipeline:mql_queue", args=[pipeline_ws.slug])
    assert admin_client.get(queue + f"?stage={foreign['stage'].pk}", **HTMX).status_code == 404
    reorder = reverse("pipeline:stage_reorder", args=[pipeline_ws.slug])
    response = admin_client.post(reorder, {"stage": [foreign["stage"].pk]}, **HTMX)
    assert response.status_code == 400
    lost = reverse("pipeline:record_lost", args=[pipeline_ws.slug, record.pk])
    response = admin_client.post(lost, {"version": 1, "reason": foreign["reason"].pk})
    assert response.status_code == 400
    record.refresh_from_db()
    assert record.status == "open"


def test_the_move_form_refuses_an_owner_from_another_workspace(
    admin_client, pipeline_ws, stages, other_workspace, member_factory
):
    record = qualify(RecordFactory(workspace=pipeline_ws, stage=stages["sql"]), "opportunity")
    outsider = member_factory(other_workspace, Role.AE)
    member_factory(pipeline_ws, Role.AE)  # so the form offers a choice at all
    url = reverse("pipeline:record_advance", args=[pipeline_ws.slug, record.pk])
    for headers in ({}, HTMX):
        data = {"version": record.version, "owner": outsider.user_id}
        response = admin_client.post(url, data, **headers)
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
    record.refresh_from_db()
    assert record.stage == stages["sql"]


def test_the_board_never_shows_another_workspaces_records(admin_client, pipeline_ws, foreign):
    html = admin_client.get(reverse("pipeline:board", args=[pipeline_ws.slug])).content.decode()
    assert f'id="card-{foreign["record"].pk}"' not in html
    assert foreign["stage"].workspace.name not in html

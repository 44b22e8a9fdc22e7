"""Tenancy: another workspace's ids answer 404 exactly like missing ones, on every pipeline
URL, GET and POST, full page and htmx partial. And a non-member gets 404 for the workspace."""

import pytest
from django.urls import reverse

from pipeline import services
from pipeline.models import LostReason, QualificationRule, StageDefinition
from playbook.models import Role
from tests.conftest import login_as
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


# (url name, the ids it takes); every URL of the pipeline app with an id in its path.
ID_URLS = [
    ("board_column", ["stage"]),
    ("record_move", ["record"]),
    ("record_stage", ["record"]),
    ("record_advance", ["record"]),
    ("record_back", ["record"]),
    ("record_lost", ["record"]),
    ("record_nurture", ["record"]),
    ("record_reopen", ["record"]),
    ("stage_edit", ["stage"]),
    ("stage_move", ["stage"]),
    ("stage_retire", ["stage"]),
    ("stage_restore", ["stage"]),
    ("rule_create", ["stage"]),
    ("rule_reorder", ["stage"]),
    ("rule_edit", ["stage", "rule"]),
    ("rule_move", ["stage", "rule"]),
    ("rule_delete", ["stage", "rule"]),
    ("lost_reason_update", ["reason"]),
]
NO_ID_URLS = [
    "board",
    "mql_queue",
    "my_pipeline",
    "definitions",
    "stage_list",
    "stage_create",
    "stage_reorder",
    "lost_reasons",
]


def _responses(client, url):
    for method in ("get", "post"):
        for headers in ({}, HTMX):
            yield method, headers, getattr(client, method)(url, **headers)


@pytest.mark.parametrize(("name", "ids"), ID_URLS)
def test_another_workspaces_ids_are_404(admin_client, pipeline_ws, foreign, name, ids):
    url = reverse(f"pipeline:{name}", args=[pipeline_ws.slug, *[foreign[i].pk for i in ids]])
    missing = reverse(f"pipeline:{name}", args=[pipeline_ws.slug, *[999999 for _ in ids]])
    answers = [(m, h, r.status_code) for m, h, r in _responses(admin_client, url)]
    assert answers == [(m, h, r.status_code) for m, h, r in _responses(admin_client, missing)]
    # 404 for every method the URL takes; 405 (for both alike) for a method it does not take.
    assert {status for _, _, status in answers} <= {404, 405}
    assert 404 in {status for _, _, status in answers}


def test_a_rule_is_found_only_under_its_own_stage(admin_client, pipeline_ws, stages):
    rule = QualificationRule.objects.filter(stage=stages["mql"]).first()
    url = reverse("pipeline:rule_edit", args=[pipeline_ws.slug, stages["sql"].pk, rule.pk])
    assert admin_client.get(url).status_code == 404


@pytest.mark.parametrize("name", [n for n, _ in ID_URLS] + NO_ID_URLS)
def test_a_non_member_gets_404_for_the_workspace(
    client, pipeline_ws, foreign, member_factory, name
):
    outsider = member_factory(foreign["stage"].workspace, Role.ADMIN)
    login_as(client, outsider)
    ids = dict(ID_URLS).get(name, [])
    stages = StageDefinition.objects.filter(workspace=pipeline_ws)
    own = {
        "stage": stages.get(key="sql"),
        "rule": QualificationRule.objects.filter(stage__key="sql", workspace=pipeline_ws).first(),
        "record": RecordFactory(workspace=pipeline_ws),
        "reason": LostReason.objects.filter(workspace=pipeline_ws).first(),
    }
    url = reverse(f"pipeline:{name}", args=[pipeline_ws.slug, *[own[i].pk for i in ids]])
    for method, headers, response in _responses(client, url):
        assert response.status_code == 404, (method, headers)


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

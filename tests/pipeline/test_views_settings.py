"""Stage settings and the rules builder (admins only)."""

import pytest
from django.urls import reverse

from pipeline.models import LostReason, QualificationRule, StageDefinition
from playbook.models import Role
from tests.conftest import login_as

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def u(ws, name, *args):
    return reverse(f"pipeline:{name}", args=[ws.slug, *args])


def order(ws):
    return list(
        StageDefinition.objects.filter(workspace=ws, is_retired=False)
        .order_by("position")
        .values_list("key", flat=True)
    )


STAGE_FORM = {
    "name": "Negotiation",
    "team": "sales",
    "handoff_team": "",
    "definition": "Terms on the table.",
    "probability": "60",
    "sla_days": "21",
}


@pytest.mark.parametrize("role", [Role.LEADER, Role.SDR, Role.AE, Role.MARKETING])
def test_only_admins_configure(client, pipeline_ws, stages, member_factory, role):
    login_as(client, member_factory(pipeline_ws, role))
    assert client.get(u(pipeline_ws, "stage_list")).status_code == 403
    assert client.post(u(pipeline_ws, "stage_edit", stages["mql"].pk), STAGE_FORM).status_code == (
        403
    )
    assert client.post(u(pipeline_ws, "stage_retire", stages["won"].pk)).status_code == 403


def test_stage_list_shows_the_stages_and_bounded_queries(
    admin_client, pipeline_ws, make_record, django_assert_max_num_queries
):
    make_record("mql")
    with django_assert_max_num_queries(12) as captured:
        html = admin_client.get(u(pipeline_ws, "stage_list")).content.decode()
    assert all(n in html for n in ("Lead", "MQL", "SQL", "Opportunity", "Won", "Expanded"))
    for _ in range(10):
        make_record("sql")
    with django_assert_max_num_queries(len(captured.captured_queries)):
        admin_client.get(u(pipeline_ws, "stage_list"))


def test_add_a_stage_between_two_others(admin_client, pipeline_ws, stages):
    response = admin_client.post(
        u(pipeline_ws, "stage_create") + f"?after={stages['opportunity'].pk}", STAGE_FORM
    )
    assert response.status_code == 302
    assert order(pipeline_ws) == [
        "lead",
        "mql",
        "sql",
        "opportunity",
        "negotiation",
        "won",
        "expanded",
    ]
    stage = StageDefinition.objects.get(workspace=pipeline_ws, key="negotiation")
    assert (stage.probability, stage.sla_days, stage.team) == (60, 21, "sales")


def test_stage_form_errors_are_specific(admin_client, pipeline_ws, stages):
    url = u(pipeline_ws, "stage_edit", stages["mql"].pk)
    for field, value, message in [
        ("probability", "lots", "whole percentage between 0 and 100"),
        ("probability", "120", "whole percentage between 0 and 100"),
        ("sla_days", "0", "SLA days are a whole number"),
        ("name", "SQL", "Another stage is already called SQL"),
    ]:
        response = admin_client.post(url, {**STAGE_FORM, field: value})
        assert response.status_code == 400, field
        assert message in response.content.decode(), field


def test_rename_and_edit_a_stage(admin_client, pipeline_ws, stages):
    url = u(pipeline_ws, "stage_edit", stages["mql"].pk)
    data = {
        **STAGE_FORM,
        "name": "Marketing Qualified",
        "team": "marketing",
        "handoff_team": "inside_sales",
        "sla_days": "",
    }
    assert admin_client.post(url, data).status_code == 302
    stage = StageDefinition.objects.get(pk=stages["mql"].pk)
    assert stage.name == "Marketing Qualified" and stage.key == "mql"
    assert stage.sla_days is None and stage.receiving_team == "inside_sales"


def test_reorder_with_buttons_and_by_drag(admin_client, pipeline_ws, stages):
    admin_client.post(u(pipeline_ws, "stage_move", stages["sql"].pk), {"direction": "up"})
    assert order(pipeline_ws)[:3] == ["lead", "sql", "mql"]
    admin_client.post(u(pipeline_ws, "stage_move", stages["lead"].pk), {"direction": "up"})
    assert order(pipeline_ws)[0] == "lead"  # already first: nothing moves
    wanted = ["mql", "lead", "sql", "opportunity", "won", "expanded"]
    response = admin_client.post(
        u(pipeline_ws, "stage_reorder"), {"stage": [stages[k].pk for k in wanted]}, **HTMX
    )
    assert response.status_code == 200 and 'id="stage-list"' in response.content.decode()
    assert order(pipeline_ws) == wanted
    response = admin_client.post(
        u(pipeline_ws, "stage_reorder"), {"stage": [stages["lead"].pk]}, **HTMX
    )
    assert response.status_code == 400
    assert "every stage once" in response.content.decode()


def test_retire_is_refused_while_records_are_in_the_stage(
    admin_client, pipeline_ws, stages, make_record
):
    make_record("sql")
    make_record("sql")
    response = admin_client.post(u(pipeline_ws, "stage_retire", stages["sql"].pk), follow=True)
    assert "2 records are in SQL. Move them to another stage before retiring it." in (
        response.content.decode()
    )
    assert not StageDefinition.objects.get(pk=stages["sql"].pk).is_retired
    admin_client.post(u(pipeline_ws, "stage_retire", stages["expanded"].pk))
    assert StageDefinition.objects.get(pk=stages["expanded"].pk).is_retired
    assert "expanded" not in order(pipeline_ws)
    admin_client.post(u(pipeline_ws, "stage_restore", stages["expanded"].pk))
    assert order(pipeline_ws)[-1] == "expanded"


def test_restore_refuses_an_active_stage_and_a_taken_name(admin_client, pipeline_ws, stages):
    before = order(pipeline_ws)
    response = admin_client.post(u(pipeline_ws, "stage_restore", stages["lead"].pk), **HTMX)
    assert response.status_code == 400
    assert "Lead is not retired." in response.content.decode()
    assert order(pipeline_ws) == before  # Lead did not jump to the end

    admin_client.post(u(pipeline_ws, "stage_retire", stages["expanded"].pk))
    admin_client.post(
        u(pipeline_ws, "stage_edit", stages["won"].pk),
        {"name": "Expanded", "team": "customer_success", "probability": "100"},
    )
    response = admin_client.post(u(pipeline_ws, "stage_restore", stages["expanded"].pk), **HTMX)
    assert response.status_code == 400
    assert "Another active stage is called Expanded" in response.content.decode()
    assert StageDefinition.objects.get(pk=stages["expanded"].pk).is_retired


# --- rules builder ----------------------------------------------------------------------------


def test_choosing_a_kind_shows_its_parameter_fields(admin_client, pipeline_ws, stages):
    url = u(pipeline_ws, "rule_create", stages["sql"].pk)
    html = admin_client.get(url + "?kind=number_range", **HTMX).content.decode()
    assert 'name="field"' in html and 'name="min"' in html and 'name="max"' in html
    assert "<html" not in html
    html = admin_client.get(url + "?kind=activity_done").content.decode()
    assert 'name="activity_kind"' in html and 'name="within_days"' in html and "<html" in html


def test_add_a_rule_through_the_builder(admin_client, pipeline_ws, stages):
    url = u(pipeline_ws, "rule_create", stages["sql"].pk)
    data = {
        "kind": "activity_done",
        "activity_kind": "meeting",
        "within_days": "30",
        "message": "Meet them first.",
    }
    response = admin_client.post(url, data, **HTMX)
    assert response.status_code == 200
    assert "A meeting activity done in the last 30 days" in response.content.decode()
    rule = QualificationRule.objects.filter(stage=stages["sql"]).order_by("-position").first()
    assert rule.params == {"activity_kind": "meeting", "within_days": 30}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "icp_at_least", "min": "very high"}, "must be a number, not “very high”"),
        ({"kind": "number_range", "field": "industry", "min": "1"}, "Select a valid choice"),
        ({"kind": "number_range", "field": "employee_count"}, "Give a minimum, a maximum or both"),
        ({"kind": "icp_at_least", "min": "1e999999999"}, "at most 15 digits"),
        ({"kind": "flag_set", "flag": "buying_intent", "message": ""}, "This field is required"),
    ],
)
def test_a_rule_that_does_not_fit_its_kind_is_refused(
    admin_client, pipeline_ws, stages, data, message
):
    before = QualificationRule.objects.count()
    data = {"message": "Rep message", **data}
    response = admin_client.post(u(pipeline_ws, "rule_create", stages["sql"].pk), data, **HTMX)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert QualificationRule.objects.count() == before


def test_edit_move_and_remove_a_rule(admin_client, pipeline_ws, stages):
    first, second = QualificationRule.objects.filter(stage=stages["opportunity"]).order_by(
        "position"
    )[:2]
    edit = u(pipeline_ws, "rule_edit", stages["opportunity"].pk, first.pk)
    form = admin_client.get(edit, **HTMX).content.decode()
    assert 'value="Buying intent is not confirmed."' in form
    switched = admin_client.get(edit + "?kind=icp_at_least", **HTMX).content.decode()
    assert 'name="min"' in switched
    response = admin_client.post(
        edit, {"kind": "icp_at_least", "min": "70", "message": "Fit too low."}, **HTMX
    )
    assert response.status_code == 200 and response["HX-Retarget"] == "#rules-builder"
    first.refresh_from_db()
    assert (first.kind, first.params, first.message) == (
        "icp_at_least",
        {"min": 70},
        "Fit too low.",
    )
    bad = admin_client.post(edit, {"kind": "icp_at_least", "min": "x", "message": "m"}, **HTMX)
    assert bad.status_code == 400 and "must be a number" in bad.content.decode()
    admin_client.post(
        u(pipeline_ws, "rule_move", stages["opportunity"].pk, first.pk), {"direction": "down"}
    )
    assert list(
        QualificationRule.objects.filter(stage=stages["opportunity"])
        .order_by("position")
        .values_list("pk", flat=True)[:2]
    ) == [second.pk, first.pk]
    ids = list(
        QualificationRule.objects.filter(stage=stages["opportunity"]).values_list("pk", flat=True)
    )
    response = admin_client.post(
        u(pipeline_ws, "rule_reorder", stages["opportunity"].pk), {"rule": ids[::-1]}, **HTMX
    )
    assert response.status_code == 200
    admin_client.post(u(pipeline_ws, "rule_delete", stages["opportunity"].pk, first.pk))
    assert not QualificationRule.objects.filter(pk=first.pk).exists()
    positions = list(
        QualificationRule.objects.filter(stage=stages["opportunity"])
        .order_by("position")
        .values_list("position", flat=True)
    )
    assert positions == list(range(len(positions)))


def test_stage_edit_page_bounded_queries(
    admin_client, pipeline_ws, stages, django_assert_max_num_queries
):
    url = u(pipeline_ws, "stage_edit", stages["sql"].pk)
    with django_assert_max_num_queries(12):
        assert admin_client.get(url).status_code == 200


def test_lost_reasons_add_rename_and_turn_off(admin_client, pipeline_ws):
    url = u(pipeline_ws, "lost_reasons")
    assert admin_client.post(url, {"label": "Acquired by a customer"}).status_code == 302
    assert admin_client.post(url, {"label": "acquired by a customer"}).status_code == 400
    reason = LostReason.objects.get(workspace=pipeline_ws, label="Acquired by a customer")
    response = admin_client.post(
        u(pipeline_ws, "lost_reason_update", reason.pk), {"label": "Acquired"}
    )
    assert response.status_code == 302
    reason.refresh_from_db()
    assert reason.label == "Acquired" and not reason.is_active
    response = admin_client.post(u(pipeline_ws, "lost_reason_update", reason.pk), {"label": ""})
    assert response.status_code == 400

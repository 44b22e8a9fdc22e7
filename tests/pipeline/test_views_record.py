"""The record's stage panel: where it is, the next stage's checklist, and the move forms."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from pipeline.models import StageTransition
from tests.conftest import login_as
from tests.factories import LostReasonFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def stage_url(ws, record, name="record_stage"):
    return reverse(f"pipeline:{name}", args=[ws.slug, record.pk])


def record_page(ws, record):
    return reverse("records:detail", args=[ws.slug, record.pk])


def test_the_panel_shows_the_next_stages_checklist_met_and_unmet(
    client, pipeline_ws, make_record, team
):
    login_as(client, team["sdr"])
    record = make_record("lead", days_in=40, icp_score=80, owner=team["sdr"].user)
    html = client.get(stage_url(pipeline_ws, record)).content.decode()
    assert "To enter MQL" in html and "(3 of 4 not met)" in html
    assert '<li class="met"><span class="visually-hidden">Met: </span>ICP score at least 50' in html
    assert "The primary contact&#x27;s phone number is not valid." in html
    assert "40 days in stage" in html and "Over SLA (30 days)" in html
    assert "Advance to MQL" in html and "Mark lost" in html


def test_the_panel_tells_a_member_who_may_not_move(client, pipeline_ws, make_record, team):
    login_as(client, team["csm"])
    record = make_record("sql", owner=team["sdr"].user)
    html = client.get(stage_url(pipeline_ws, record)).content.decode()
    assert "you can see this record" in html.lower() and "Advance to" not in html


def test_the_panel_costs_a_bounded_number_of_queries(
    client, pipeline_ws, make_record, team, django_assert_max_num_queries
):
    login_as(client, team["admin"])
    record = make_record("mql", qualified_for="mql")
    with django_assert_max_num_queries(25) as captured:
        client.get(stage_url(pipeline_ws, record))
    baseline = len(captured.captured_queries)
    for _ in range(10):
        make_record("mql", qualified_for="sql")
    with django_assert_max_num_queries(baseline):
        client.get(stage_url(pipeline_ws, record))


def test_advance_without_js_redirects_to_the_record_page(client, pipeline_ws, make_record, team):
    login_as(client, team["admin"])
    record = make_record("lead", qualified_for="mql")
    response = client.post(stage_url(pipeline_ws, record, "record_advance"), {"version": 1})
    assert response.status_code == 302
    assert response["Location"] == record_page(pipeline_ws, record)
    record.refresh_from_db()
    assert record.stage.key == "mql"


def test_advance_with_htmx_sends_the_browser_to_the_record_page(
    client, pipeline_ws, make_record, team
):
    login_as(client, team["admin"])
    record = make_record("lead", qualified_for="mql")
    response = client.post(
        stage_url(pipeline_ws, record, "record_advance"), {"version": 1, "note": "Go"}, **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == record_page(pipeline_ws, record)
    assert StageTransition.objects.get(record=record).note == "Go"


def test_a_refused_advance_is_a_422_with_every_unmet_rule(client, pipeline_ws, make_record, team):
    login_as(client, team["admin"])
    record = make_record("lead")
    for extra in ({}, HTMX):
        response = client.post(
            stage_url(pipeline_ws, record, "record_advance"), {"version": 1}, **extra
        )
        assert response.status_code == 422
        html = response.content.decode()
        assert "cannot enter the stage yet" in html
        assert "The prospect has not acknowledged the problem we solve." in html
        assert ("<html" in html) is (extra == {})


def test_mark_lost_needs_a_listed_reason(client, pipeline_ws, make_record, team):
    login_as(client, team["admin"])
    record = make_record("opportunity")
    reason = LostReasonFactory(workspace=pipeline_ws, label="Went with a competitor")
    url = stage_url(pipeline_ws, record, "record_lost")
    response = client.post(url, {"version": 1, "reason": ""}, **HTMX)
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    response = client.post(url, {"version": 1, "reason": reason.pk, "note": "Price"})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == "lost" and record.lost_reason == "Went with a competitor"
    html = client.get(stage_url(pipeline_ws, record)).content.decode()
    assert "Lost: Went with a competitor" in html and "Reopen in Opportunity" in html
    response = client.post(stage_url(pipeline_ws, record, "record_reopen"), {"version": 2})
    assert response.status_code == 302


def test_nurture_needs_a_reason(client, pipeline_ws, make_record, team):
    login_as(client, team["admin"])
    record = make_record("sql")
    url = stage_url(pipeline_ws, record, "record_nurture")
    assert client.post(url, {"version": 1, "reason": ""}).status_code == 400
    assert client.post(url, {"version": 1, "reason": "Not this year"}).status_code == 302
    record.refresh_from_db()
    assert record.status == "nurture" and record.stage.key == "lead"


def test_move_back_and_a_stale_form(client, pipeline_ws, make_record, team):
    login_as(client, team["admin"])
    record = make_record("sql")
    url = stage_url(pipeline_ws, record, "record_back")
    assert client.post(url, {"version": 1}).status_code == 302
    response = client.post(url, {"version": 1}, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed" in html and 'name="version" value="2"' in html


def test_a_member_who_may_not_move_gets_a_403(client, pipeline_ws, make_record, team):
    login_as(client, team["csm"])
    record = make_record("sql", qualified_for="opportunity", owner=team["sdr"].user)
    response = client.post(stage_url(pipeline_ws, record, "record_advance"), {"version": 1})
    assert response.status_code == 403
    assert "may not move this record" in response.content.decode()


def test_the_stage_panel_tag_renders_for_other_pages(pipeline_ws, make_record, team):
    record = make_record("opportunity", qualified_for="won")
    request = RequestFactory().get("/")
    request.user, request.workspace, request.membership = (
        team["ae"].user,
        pipeline_ws,
        team["ae"],
    )
    html = Template("{% load pipeline_tags %}{% stage_panel record %}").render(
        Context({"record": record, "request": request})
    )
    assert 'id="stage-panel"' in html and "To enter Won" in html
    assert "Advance to Won" in html


def test_the_sla_marker_reads_the_stages_once_per_request(
    pipeline_ws, make_record, team, django_assert_max_num_queries
):
    records = [make_record("mql", days_in=d) for d in (1, 5, 9)]
    request = RequestFactory().get("/")
    template = Template(
        "{% load pipeline_tags %}{% for r in records %}[{% sla_marker r %}]{% endfor %}"
    )
    with django_assert_max_num_queries(1):
        html = template.render(Context({"records": records, "request": request}))
    assert html.count("Over SLA") == 2


def test_the_record_page_carries_the_panel(client, pipeline_ws, make_record, team):
    login_as(client, team["ae"])
    record = make_record("opportunity", qualified_for="opportunity", owner=team["ae"].user)
    html = client.get(record_page(pipeline_ws, record)).content.decode()
    assert 'id="stage-panel"' in html
    assert "To enter Won" in html and "first subscription (plan and MRR)" in html
    # Won asks for the first subscription: the panel links to the Win form (ADR 0302).
    assert "Win the deal…" in html and "/customers/records/" in html


def test_the_records_list_flags_sla_breaches(client, pipeline_ws, make_record, team):
    login_as(client, team["admin"])
    late = make_record("mql", name="Slow Co", days_in=10)
    make_record("mql", name="Fresh Co", days_in=1)
    html = client.get(reverse("records:list", args=[pipeline_ws.slug])).content.decode()
    row = html.split(f'id="record-{late.pk}"')[1].split("</tr>")[0]
    assert "Over SLA" in row
    assert html.count("Over SLA</span>") == 1


def _ids_and_labels(html):
    import re
    from collections import Counter

    ids = Counter(re.findall(r'\bid="([^"]+)"', html))
    labels = re.findall(r'<label[^>]*\bfor="([^"]+)"', html)
    return ids, labels


def test_the_record_page_repeats_no_id_and_every_label_has_its_field(
    client, pipeline_ws, make_record, team
):
    login_as(client, team["admin"])
    record = make_record("sql", qualified_for="sql", owner=team["sdr"].user)
    html = client.get(record_page(pipeline_ws, record)).content.decode()
    ids, labels = _ids_and_labels(html)
    assert [i for i, n in ids.items() if n > 1] == []
    assert {"id_back_note", "id_lost_note", "id_lost_reason", "id_nurture_reason"} <= set(ids)
    assert [label for label in labels if label not in ids] == []


def test_a_refused_move_keeps_its_fields_ids(client, pipeline_ws, make_record, team):
    login_as(client, team["admin"])
    record = make_record("sql", qualified_for="sql")
    response = client.post(
        stage_url(pipeline_ws, record, "record_lost"), {"version": record.version}, **HTMX
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_lost_reason"' in html and 'id="id_reason"' not in html
    ids, _ = _ids_and_labels(html)
    assert [i for i, n in ids.items() if n > 1] == []


def test_the_panels_move_back_names_the_new_owner_and_hands_it_to_exactly_them(
    client, pipeline_ws, make_record, team, stages
):
    login_as(client, team["admin"])
    record = make_record("opportunity", qualified_for="opportunity", owner=team["ae"].user)
    html = client.get(stage_url(pipeline_ws, record)).content.decode()
    sdr = team["sdr"]
    assert f"Moving back hands it to <strong>{sdr.user}</strong>" in html
    assert f'name="owner" value="{sdr.user_id}" id="id_back_owner"' in html
    response = client.post(
        stage_url(pipeline_ws, record, "record_back"),
        {"version": record.version, "owner": sdr.user_id, "note": ""},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.stage == stages["sql"] and record.owner_id == sdr.user_id


def test_a_move_back_within_the_team_names_nobody(client, pipeline_ws, make_record, team):
    login_as(client, team["admin"])
    record = make_record("sql", qualified_for="sql", owner=team["sdr"].user)  # MQL: same team
    assert "hands it to" not in client.get(stage_url(pipeline_ws, record)).content.decode()

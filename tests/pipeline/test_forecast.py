"""A deal's forecast category: set by its owner (or a leader/admin) from the stage panel,
kept in the field history, refused when stale, not yours, or not a deal."""

import pytest
from django.urls import reverse

from pipeline.services.forecast import ForecastNotAllowed, record_set_forecast_category
from pipeline.services.moves import StaleRecord
from records.changes import delta_between, describe
from records.models import Record
from tests.conftest import login_as

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def forecast_url(ws, record):
    return reverse("pipeline:record_forecast", args=[ws.slug, record.pk])


@pytest.fixture
def deal(make_record, team):
    return make_record("opportunity", qualified_for="opportunity", owner=team["ae"].user)


def _set(ws, record, member, category, version=None):
    return record_set_forecast_category(
        workspace=ws,
        record=record,
        category=category,
        actor=member.user,
        membership=member,
        version=record.version if version is None else version,
    )


def test_a_new_deal_starts_in_pipeline(deal):
    assert deal.forecast_category == "pipeline"


def test_the_owner_sets_it_and_the_history_says_who_and_what(pipeline_ws, deal, team):
    before = deal.version
    saved = _set(pipeline_ws, deal, team["ae"], "commit")
    assert (saved.forecast_category, saved.version) == ("commit", before + 1)
    rows = list(Record.history.of(pipeline_ws).filter(id=deal.pk).order_by("-history_id")[:2])
    assert rows[0].history_user_id == team["ae"].user_id
    changes = describe(delta_between(rows[1], rows[0]), user_names={}, definitions={})
    assert [(c.label, c.old, c.new) for c in changes] == [
        ("Forecast category", "Pipeline", "Commit")
    ]


@pytest.mark.parametrize("role", ["leader", "admin"])
def test_leaders_and_admins_may_set_it_too(pipeline_ws, deal, team, role):
    assert _set(pipeline_ws, deal, team[role], "best_case").forecast_category == "best_case"


@pytest.mark.parametrize("role", ["sdr", "csm", "se", "renewals", "marketing"])
def test_nobody_else_may(pipeline_ws, deal, team, role):
    with pytest.raises(ForecastNotAllowed):
        _set(pipeline_ws, deal, team[role], "commit")
    deal.refresh_from_db()
    assert deal.forecast_category == "pipeline"


def test_another_ae_may_not_set_someone_elses_deal(pipeline_ws, deal, member_factory):
    other_ae = member_factory(pipeline_ws, "ae")
    with pytest.raises(ForecastNotAllowed):
        _set(pipeline_ws, deal, other_ae, "commit")


def test_a_stale_form_is_refused_and_the_newer_call_stays(pipeline_ws, deal, team):
    seen = deal.version
    _set(pipeline_ws, deal, team["leader"], "commit")
    with pytest.raises(StaleRecord):
        _set(pipeline_ws, deal, team["ae"], "best_case", version=seen)
    deal.refresh_from_db()
    assert deal.forecast_category == "commit"


def test_only_an_open_deal_has_one(pipeline_ws, make_record, team):
    sql = make_record("sql", owner=team["ae"].user)
    with pytest.raises(Exception, match="Only an open deal"):
        _set(pipeline_ws, sql, team["ae"], "commit")
    lost = make_record("opportunity", owner=team["ae"].user, status="lost")
    with pytest.raises(Exception, match="Only an open deal"):
        _set(pipeline_ws, lost, team["ae"], "commit")


def test_an_unknown_category_is_refused(pipeline_ws, deal, team):
    with pytest.raises(Exception, match="Choose pipeline, best case or commit"):
        _set(pipeline_ws, deal, team["ae"], "closed")


def test_the_panel_offers_the_form_to_the_owner_only(client, pipeline_ws, deal, team):
    page = reverse("records:detail", args=[pipeline_ws.slug, deal.pk])
    html = login_as(client, team["ae"]).get(page).content.decode()
    assert 'aria-label="Forecast category"' in html and "Save forecast category" in html
    html = login_as(client, team["sdr"]).get(page).content.decode()
    assert "Save forecast category" not in html
    assert "Forecast category: <strong>Pipeline</strong>" in html


def test_no_js_post_redirects_to_the_record_page(client, pipeline_ws, deal, team):
    login_as(client, team["ae"])
    response = client.post(
        forecast_url(pipeline_ws, deal), {"forecast_category": "commit", "version": deal.version}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("records:detail", args=[pipeline_ws.slug, deal.pk])
    deal.refresh_from_db()
    assert deal.forecast_category == "commit"


def test_htmx_post_sends_the_browser_to_the_record_page(client, pipeline_ws, deal, team):
    login_as(client, team["ae"])
    response = client.post(
        forecast_url(pipeline_ws, deal),
        {"forecast_category": "best_case", "version": deal.version},
        **HTMX,
    )
    assert response.status_code == 200 and response["HX-Redirect"].endswith(f"/{deal.pk}/")


@pytest.mark.parametrize(
    "who, data, status, says",
    [
        ("sdr", {"forecast_category": "commit", "version": 1}, 403, "Only the deal&#x27;s owner"),
        ("ae", {"forecast_category": "commit", "version": 999}, 409, "Someone else changed"),
        ("ae", {"forecast_category": "maybe", "version": 1}, 400, "Select a valid choice"),
        ("ae", {"forecast_category": "commit", "version": "x"}, 400, "Save forecast category"),
    ],
)
def test_refusals_answer_with_the_panel_and_a_status(
    client, pipeline_ws, deal, team, who, data, status, says
):
    login_as(client, team[who])
    data = {**data, "version": deal.version if data["version"] == 1 else data["version"]}
    response = client.post(forecast_url(pipeline_ws, deal), data, **HTMX)
    assert response.status_code == status
    assert says in response.content.decode()
    deal.refresh_from_db()
    assert deal.forecast_category == "pipeline"


def test_another_workspaces_record_is_404(client, pipeline_ws, team, other_workspace):
    from tests.factories import RecordFactory

    theirs = RecordFactory(workspace=other_workspace)
    login_as(client, team["admin"])
    response = client.post(
        forecast_url(pipeline_ws, theirs), {"forecast_category": "commit", "version": 1}
    )
    assert response.status_code == 404

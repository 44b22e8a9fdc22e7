"""The new-owner dialog of a board move and undoing a move (docs/adr/0302)."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from pipeline import move_dialogs
from pipeline.models import StageTransition
from records.models import Activity, Record
from tests.conftest import login_as

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def move_url(ws, record):
    return reverse("pipeline:record_move", args=[ws.slug, record.pk])


def dialog_url(ws, record, stage):
    return reverse("pipeline:record_move_owner", args=[ws.slug, record.pk]) + (
        f"?to_stage={stage.pk}"
    )


def undo_url(ws, transition):
    return reverse("pipeline:transition_undo", args=[ws.slug, transition.pk])


@pytest.fixture
def deal(make_record, team):
    """An opportunity owned by the AE: moving it back to SQL hands it to inside sales."""
    return make_record("opportunity", qualified_for="opportunity", owner=team["ae"].user)


def test_a_drop_that_would_change_the_owner_opens_the_dialog_and_moves_nothing(
    client, pipeline_ws, deal, team, stages
):
    login_as(client, team["admin"])
    response = client.post(
        move_url(pipeline_ws, deal), {"to_stage": stages["sql"].pk, "version": deal.version}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<dialog class="move-dialog"')
    assert "Hand over" in html and dialog_url(pipeline_ws, deal, stages["sql"]) in html.replace(
        "&amp;", "&"
    )
    deal.refresh_from_db()
    assert deal.stage == stages["opportunity"] and deal.owner == team["ae"].user
    assert not StageTransition.objects.filter(record=deal).exists()


def test_the_dialog_names_the_new_owner_and_the_move_hands_it_to_exactly_them(
    client, pipeline_ws, deal, team, stages
):
    login_as(client, team["admin"])
    html = client.get(dialog_url(pipeline_ws, deal, stages["sql"]), **HTMX).content.decode()
    sdr = team["sdr"]  # the inside-sales member assigned longest ago (never): first by id
    assert f"<strong>{sdr.user}</strong>" in html and f"{team['ae'].user} owns it now" in html
    assert f'name="owner" value="{sdr.user_id}"' in html
    # Meanwhile the rotation moves on; the move still goes to the person the dialog named.
    team["sdr"].last_assigned_at = "2030-01-01T00:00:00Z"
    team["sdr"].save()
    response = client.post(
        dialog_url(pipeline_ws, deal, stages["sql"]),
        {"to_stage": stages["sql"].pk, "version": deal.version, "owner": sdr.user_id},
        **HTMX,
    )
    assert response.status_code == 200 and response["HX-Redirect"].endswith("/pipeline/board/")
    deal.refresh_from_db()
    assert deal.stage == stages["sql"] and deal.owner_id == sdr.user_id
    message = str(next(iter(get_messages(response.wsgi_request))))
    assert f"handed to {sdr.user}" in message and "Undo" in message
    transition = StageTransition.objects.get(record=deal)
    assert undo_url(pipeline_ws, transition) in message


def test_undo_puts_stage_and_owner_back_as_a_new_transition(
    client, pipeline_ws, deal, team, stages
):
    login_as(client, team["admin"])
    client.post(
        dialog_url(pipeline_ws, deal, stages["sql"]),
        {"to_stage": stages["sql"].pk, "version": deal.version, "owner": team["sdr"].user_id},
    )
    moved = StageTransition.objects.get(record=deal)
    assert Activity.objects.filter(dedupe_key=f"handoff:{moved.pk}").exists()
    deal.refresh_from_db()
    response = client.post(undo_url(pipeline_ws, moved), {"version": deal.version})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.stage == stages["opportunity"] and deal.owner == team["ae"].user
    history = list(StageTransition.objects.filter(record=deal).order_by("pk"))
    assert [t.kind for t in history] == ["back", "forward"]  # appended, never rewritten
    assert history[1].to_owner == team["ae"].user
    # The SDR's handoff task went with the undone move; the AE gets no new task.
    assert not Activity.objects.filter(record=deal, kind="task").exists()


def test_undo_is_refused_once_anything_else_changed(client, pipeline_ws, deal, team, stages):
    login_as(client, team["admin"])
    client.post(
        dialog_url(pipeline_ws, deal, stages["sql"]),
        {"to_stage": stages["sql"].pk, "version": deal.version, "owner": team["sdr"].user_id},
    )
    moved = StageTransition.objects.get(record=deal)
    version_after_move = Record.objects.get(pk=deal.pk).version
    Record.objects.filter(pk=deal.pk).update(version=version_after_move + 1)  # an edit
    response = client.post(undo_url(pipeline_ws, moved), {"version": version_after_move})
    assert response.status_code == 302
    message = str(list(get_messages(response.wsgi_request))[-1])
    assert "Someone else changed" in message
    deal.refresh_from_db()
    assert deal.stage == stages["sql"] and deal.owner == team["sdr"].user
    assert StageTransition.objects.filter(record=deal).count() == 1


def test_a_drop_that_keeps_the_owner_moves_at_once(client, pipeline_ws, make_record, team, stages):
    login_as(client, team["admin"])
    record = make_record("mql", qualified_for="sql", owner=team["sdr"].user)  # same team
    response = client.post(
        move_url(pipeline_ws, record),
        {"to_stage": stages["sql"].pk, "version": record.version},
        **HTMX,
    )
    assert response.status_code == 200 and "move-dialog" not in response.content.decode()
    record.refresh_from_db()
    assert record.stage == stages["sql"] and record.owner == team["sdr"].user


def test_a_drop_the_rules_refuse_is_refused_without_a_dialog(
    client, pipeline_ws, make_record, team, stages
):
    login_as(client, team["admin"])
    record = make_record("sql", owner=team["sdr"].user)  # not qualified for Opportunity
    response = client.post(
        move_url(pipeline_ws, record),
        {"to_stage": stages["opportunity"].pk, "version": record.version},
        **HTMX,
    )
    assert response.status_code == 422 and "move-dialog" not in response.content.decode()


def test_the_record_pages_panel_keeps_its_own_advance_form(pipeline_ws, deal, stages):
    assert move_dialogs.dialog_for(deal, stages["sql"]).key == "new-owner"
    assert move_dialogs.dialog_for(deal, stages["sql"], board=False) is None


def test_the_dialog_and_undo_are_404_for_another_workspaces_records(
    client, pipeline_ws, deal, team, stages, other_workspace, member_factory
):
    login_as(client, team["admin"])
    client.post(
        dialog_url(pipeline_ws, deal, stages["sql"]),
        {"to_stage": stages["sql"].pk, "version": deal.version, "owner": team["sdr"].user_id},
    )
    moved = StageTransition.objects.get(record=deal)
    stranger = member_factory(other_workspace)
    login_as(client, stranger)
    other = f"/w/{other_workspace.slug}/pipeline"
    assert (
        client.get(f"{other}/records/{deal.pk}/hand-over/?to_stage={stages['sql'].pk}").status_code
        == 404
    )
    assert client.post(f"{other}/transitions/{moved.pk}/undo/", {"version": 1}).status_code == 404
    # and a foreign stage id in one's own workspace is a 404 too
    login_as(client, team["admin"])
    assert (
        client.get(
            dialog_url(pipeline_ws, deal, stages["sql"]).replace(
                f"to_stage={stages['sql'].pk}", "to_stage=999999"
            )
        ).status_code
        == 404
    )

"""Defect 1 of the trust issue: taking a record over by editing its owner used to bypass the
move and delete permissions (ADR 0203). Changing the owner is itself permissioned: the current
owner, leaders and admins (and the pipeline's handoffs); for everyone else the owner field is
read-only on the form and refused by the service."""

import pytest
from django.urls import reverse

from pipeline import services as pipeline_services
from records import services
from records.models import Record
from tests.conftest import login_as

pytestmark = pytest.mark.django_db


def edit(client, ws, record, **data):
    record.refresh_from_db()
    form = {"name": record.name, "source": record.source, "version": record.version, **data}
    return client.post(reverse("records:edit", args=[ws.slug, record.pk]), form)


def test_the_attack_no_longer_works(client, pipeline_ws, make_record, team):
    """As a CSM: make myself the owner of an SDR's record, then move and delete it."""
    csm = team["csm"]
    record = make_record("sql", qualified_for="opportunity", owner=team["sdr"].user)
    login_as(client, csm)
    response = edit(client, pipeline_ws, record, owner=csm.user.pk)
    record.refresh_from_db()
    assert record.owner_id == team["sdr"].user.pk
    # The other fields of the edit are saved; the owner is not taken from the request.
    assert response.status_code == 302
    advance = client.post(
        reverse("pipeline:record_advance", args=[pipeline_ws.slug, record.pk]),
        {"version": record.version},
    )
    assert advance.status_code == 403
    delete = client.post(reverse("records:delete", args=[pipeline_ws.slug, record.pk]))
    assert delete.status_code == 403
    record.refresh_from_db()
    assert record.deleted_at is None and record.stage.key == "sql"


def test_the_form_shows_the_owner_read_only_to_others(client, pipeline_ws, make_record, team):
    record = make_record("sql", owner=team["sdr"].user)
    login_as(client, team["csm"])
    page = client.get(reverse("records:edit", args=[pipeline_ws.slug, record.pk]))
    field = page.context["form"].fields["owner"]
    assert field.disabled
    html = page.content.decode()
    assert str(team["sdr"].user) in html and "Only the owner, a leader or an admin" in html


def test_the_service_refuses_others(pipeline_ws, make_record, team):
    record = make_record("sql", owner=team["sdr"].user)
    with pytest.raises(services.OwnerChangeNotAllowed):
        services.record_update(
            record=record, actor=team["csm"].user, version=record.version, owner=team["csm"].user
        )
    record.refresh_from_db()
    assert record.owner_id == team["sdr"].user.pk


def test_an_unowned_record_is_not_up_for_grabs(pipeline_ws, make_record, team):
    record = make_record("sql", owner=None)
    with pytest.raises(services.OwnerChangeNotAllowed):
        services.record_update(
            record=record, actor=team["ae"].user, version=record.version, owner=team["ae"].user
        )


@pytest.mark.parametrize("who", ["owner", "leader", "admin"])
def test_owner_leaders_and_admins_hand_it_over(client, pipeline_ws, make_record, team, who):
    record = make_record("sql", owner=team["sdr"].user)
    actor = {"owner": team["sdr"], "leader": team["leader"], "admin": team["admin"]}[who]
    login_as(client, actor)
    page = client.get(reverse("records:edit", args=[pipeline_ws.slug, record.pk]))
    assert not page.context["form"].fields["owner"].disabled
    assert edit(client, pipeline_ws, record, owner=team["ae"].user.pk).status_code == 302
    record.refresh_from_db()
    assert record.owner_id == team["ae"].user.pk


def test_the_handoff_service_still_changes_owners(pipeline_ws, stages, make_record, team):
    record = make_record("sql", qualified_for="opportunity", owner=team["sdr"].user)
    pipeline_services.record_advance(
        workspace=pipeline_ws,
        record=record,
        to_stage=stages["opportunity"],
        actor=team["sdr"].user,
        membership=team["sdr"],
        version=record.version,
    )
    record = Record.objects.get(pk=record.pk)
    assert record.owner_id == team["ae"].user.pk


def test_any_member_creates_a_record_for_another_owner(client, pipeline_ws, team):
    """Creating a record with another owner grants nothing over existing records: allowed."""
    login_as(client, team["csm"])
    response = client.post(
        reverse("records:create", args=[pipeline_ws.slug]),
        {"name": "New Co", "source": "other", "owner": team["ae"].user.pk},
    )
    assert response.status_code == 302
    assert Record.objects.get(name="New Co").owner_id == team["ae"].user.pk

"""Defect 7 of the trust issue: a yes/no custom field accepted any string and erased a stored
"Yes". Every kind now refuses a value it cannot hold, with a message, and keeps what was
stored."""

import pytest

from playbook.models import User
from records.forms import RecordForm
from records.models import Record
from tests.factories import CustomFieldDefinitionFactory, RecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(workspace):
    make = CustomFieldDefinitionFactory
    return {
        "boolean": make(workspace=workspace, key="signed_nda", label="NDA", kind="boolean"),
        "number": make(workspace=workspace, key="seats", label="Seats", kind="number"),
        "date": make(workspace=workspace, key="renewal", label="Renewal", kind="date"),
        "choice": make(
            workspace=workspace, key="tier", label="Tier", kind="choice", choices=["Gold", "Silver"]
        ),
        "text": make(workspace=workspace, key="region", label="Region", kind="text"),
    }


def post_edit(client, workspace, record, **custom):
    record.refresh_from_db()
    data = {"name": record.name, "source": record.source, "version": record.version}
    data.update({f"cf_{key}": value for key, value in custom.items()})
    return client.post(f"/w/{workspace.slug}/records/{record.pk}/edit/", data)


STORED = {
    "signed_nda": True,
    "seats": 12,
    "renewal": "2027-01-31",
    "tier": "Gold",
    "region": "EMEA",
}


@pytest.mark.parametrize(
    ("key", "bad", "message"),
    [
        ("signed_nda", "maybe", "Choose yes or no"),
        ("signed_nda", "unknown", "Choose yes or no"),
        ("signed_nda", "2", "Choose yes or no"),
        ("seats", "twelve", "Enter a number"),
        ("seats", "1e20", "below one quadrillion"),
        ("renewal", "31/31/2027", "valid date"),
        ("tier", "Platinum", "valid choice"),
        ("region", "x" * 501, "at most 500"),
        ("region", "EM\nEA", "one line"),
    ],
)
def test_a_value_the_kind_cannot_hold_is_refused_and_the_stored_one_kept(
    admin_client, workspace, fields, key, bad, message
):
    record = RecordFactory(workspace=workspace, custom_fields=dict(STORED))
    response = post_edit(admin_client, workspace, record, **{key: bad})
    assert response.status_code == 400
    errors = " ".join(response.context["form"].errors[f"cf_{key}"])
    assert message in errors
    assert Record.objects.get(pk=record.pk).custom_fields == STORED


@pytest.mark.parametrize(("posted", "stored"), [("true", True), ("false", False), ("", None)])
def test_yes_no_and_empty_are_understood(admin_client, workspace, fields, posted, stored):
    record = RecordFactory(workspace=workspace, custom_fields={"signed_nda": True})
    assert post_edit(admin_client, workspace, record, signed_nda=posted).status_code == 302
    assert Record.objects.get(pk=record.pk).custom_fields.get("signed_nda") is stored


def test_the_form_shows_the_stored_yes_no(workspace, fields):
    record = RecordFactory(workspace=workspace, custom_fields={"signed_nda": False})
    form = RecordForm(members=User.objects.none(), definitions=[fields["boolean"]], record=record)
    html = str(form["cf_signed_nda"])
    assert '<option value="false" selected>No</option>' in html

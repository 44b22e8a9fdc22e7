import pytest
from django.core.management import call_command

from playbook.demo import seed_workspace
from playbook.models import Workspace
from records import demo as records_demo
from records.contact_data import parse_phone
from records.models import Activity, Contact, CustomFieldDefinition, Record
from tests.factories import RecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    """records.demo alone (seed_demo runs the other apps' seeders after it)."""
    ctx = seed_workspace(slug="acme", name="Acme", records=30)
    records_demo.seed(ctx)
    return ctx.workspace


def test_seed_demo_runs_it(capsys):
    call_command("seed_demo", workspace="acme", records=5)
    capsys.readouterr()
    workspace = Workspace.objects.get(slug="acme")
    assert Record.objects.filter(workspace=workspace).count() == 5


def test_records_have_contacts_activities_history_and_custom_values(demo):
    records = Record.objects.filter(workspace=demo)
    assert records.count() == 30
    assert Record.history.model.objects.filter(workspace_id=demo.pk, history_type="+").count() == 30
    keys = set(CustomFieldDefinition.objects.filter(workspace=demo).values_list("key", flat=True))
    assert keys == {"crm_in_use", "seats", "security_review"}
    assert any(r.custom_fields for r in records)
    for record in records:
        assert record.contacts.filter(is_primary=True).count() == 1
        last = Activity.objects.filter(record=record).order_by("-occurred_at").first()
        assert record.created_at <= last.occurred_at <= record.updated_at


def test_contact_flags_tell_the_truth(demo):
    contacts = Contact.objects.filter(workspace=demo).select_related("record")
    assert contacts.filter(phone_valid=False).exists() or contacts.count() < 20
    for contact in contacts:
        parsed = parse_phone(contact.phone_raw, country=contact.record.country)
        assert parsed.valid == contact.phone_valid, contact.phone_raw
        if contact.phone_valid:
            assert parsed.e164 == contact.phone


def test_open_tasks_are_assigned_and_some_are_overdue_or_upcoming(demo):
    open_tasks = Activity.objects.filter(workspace=demo, kind="task", done=False)
    assert all(t.assignee_id and t.due_at for t in open_tasks)


def test_ids_continue_after_seeding(demo):
    highest = Record.objects.order_by("-id").first().pk
    assert RecordFactory(workspace=demo).pk > highest


def test_insert_objects_sets_ids_in_order_with_defaults(workspace):
    records = [
        Record(workspace=workspace, name=f"Bulk {i}", custom_fields={"seats": i} if i else {})
        for i in range(3)
    ]
    records_demo.insert_objects(Record, records)
    for i, record in enumerate(records):
        stored = Record.objects.of(workspace).get(pk=record.pk)
        assert stored.name == f"Bulk {i}"
        assert stored.custom_fields == ({"seats": i} if i else {})
        assert stored.version == 1 and stored.created_at is not None
    assert not records[0]._state.adding


def test_update_objects_saves_the_fields_of_one_workspace_only(workspace, other_workspace):
    mine = [RecordFactory(workspace=workspace, name=f"Mine {i}") for i in range(3)]
    theirs = RecordFactory(workspace=other_workspace, name="Theirs")
    for i, record in enumerate(mine):
        record.name, record.custom_fields, record.icp_score = f"Renamed {i}", {"n": i}, i
    theirs.name = "Changed"
    records_demo.update_objects(
        Record, workspace.pk, [*mine, theirs], ["name", "custom_fields", "icp_score"]
    )
    stored = {r.pk: r for r in Record.objects.all()}
    for i, record in enumerate(mine):
        assert (stored[record.pk].name, stored[record.pk].custom_fields) == (
            f"Renamed {i}",
            {"n": i},
        )
        assert stored[record.pk].icp_score == i
    assert stored[theirs.pk].name == "Theirs"

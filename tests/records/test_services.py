from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pipeline.models import StageTransition, TransitionKind
from playbook.models import Role
from records import services
from records.models import Activity, ActivityKind, Contact, CustomFieldDefinition, Record
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    CustomFieldDefinitionFactory,
    MembershipFactory,
    RecordFactory,
    StageDefinitionFactory,
)

pytestmark = pytest.mark.django_db


class TestRecordCreate:
    def test_creates_the_record_in_the_first_stage_with_its_first_transition(
        self, workspace, admin
    ):
        StageDefinitionFactory(workspace=workspace, key="mql", name="MQL", position=2)
        lead = StageDefinitionFactory(workspace=workspace, key="lead", name="Lead", position=1)
        record = services.record_create(
            workspace=workspace, actor=admin.user, name="  Acme  ", domain="https://www.Acme.io/x"
        )
        record.refresh_from_db()
        assert (record.name, record.domain, record.stage) == ("Acme", "acme.io", lead)
        assert record.created_by == admin.user and record.version == 1
        transition = StageTransition.objects.get(record=record)
        assert (transition.kind, transition.to_stage, transition.from_stage) == (
            TransitionKind.CREATED,
            lead,
            None,
        )
        assert record.history.get().history_type == "+"

    def test_reports_every_problem_at_once_and_saves_nothing(self, workspace, admin):
        CustomFieldDefinitionFactory(workspace=workspace, key="seats", kind="number")
        with pytest.raises(ValidationError) as exc:
            services.record_create(
                workspace=workspace,
                actor=admin.user,
                name=" ",
                domain="not a domain",
                expected_arr=Decimal("-5"),
                source="carrier-pigeon",
                custom_fields={"seats": "many"},
            )
        assert set(exc.value.message_dict) == {
            "name",
            "domain",
            "expected_arr",
            "source",
            "cf_seats",
        }
        assert not Record.objects.exists()

    def test_owner_must_be_an_active_member_of_the_workspace(self, workspace, admin):
        stranger = MembershipFactory(role=Role.AE).user  # member elsewhere
        with pytest.raises(ValidationError) as exc:
            services.record_create(workspace=workspace, actor=admin.user, name="A", owner=stranger)
        assert "owner" in exc.value.message_dict

    def test_with_a_first_contact_both_are_saved_or_neither(self, workspace, admin):
        record = services.record_create(
            workspace=workspace,
            actor=admin.user,
            name="Acme",
            country="Germany",
            first_contact={"first_name": "Ada", "phone": "030 901820"},
        )
        contact = record.contacts.get()
        assert contact.is_primary and contact.phone == "+4930901820" and contact.phone_valid
        with pytest.raises(ValidationError) as exc:
            services.record_create(
                workspace=workspace,
                actor=admin.user,
                name="Beta",
                first_contact={"first_name": "Bo", "email": "bo@"},
            )
        assert "contact.email" in exc.value.message_dict
        assert not Record.objects.filter(name="Beta").exists()

    def test_refuses_fields_that_are_not_editable(self, workspace, admin):
        with pytest.raises(TypeError):
            services.record_create(workspace=workspace, actor=admin.user, name="A", stage=None)


class TestRecordUpdate:
    def test_saves_changes_bumps_the_version_and_records_who(self, record, admin):
        updated = services.record_update(
            record=record, actor=admin.user, version=1, industry="Fintech", employee_count=40
        )
        assert (updated.industry, updated.employee_count, updated.version) == ("Fintech", 40, 2)
        latest = record.history.latest()
        assert latest.history_user == admin.user and latest.version == 2

    def test_nothing_changed_means_no_new_version(self, record, admin):
        services.record_update(record=record, actor=admin.user, version=1, name=record.name)
        record.refresh_from_db()
        assert record.version == 1

    def test_a_stale_save_is_refused_with_what_changed_since(self, record, admin, rep):
        record._history_user = admin.user
        record.save()  # the history row of version 1, as a form would have read it
        # An admin hands the record to the rep (only the owner, leaders and admins may).
        services.record_update(
            record=record, actor=admin.user, version=1, industry="Retail", owner=rep.user
        )
        with pytest.raises(services.RecordConflict) as exc:
            services.record_update(
                record=record, actor=admin.user, version=1, industry="Energy", country="France"
            )
        record.refresh_from_db()
        assert (record.industry, record.country, record.version) == ("Retail", "Germany", 2)
        changes = {c.label: c for c in exc.value.changes}
        assert set(changes) == {"Industry", "Owner"}
        assert (changes["Industry"].before, changes["Industry"].theirs) == ("Software", "Retail")
        assert changes["Industry"].yours == "Energy"
        assert changes["Owner"].theirs == rep.user.display_name
        assert exc.value.current.version == 2

    def test_without_history_the_conflict_lists_where_the_form_differs(self, record, admin):
        Record.objects.filter(pk=record.pk).update(version=5, industry="Retail")
        with pytest.raises(services.RecordConflict) as exc:
            services.record_update(record=record, actor=admin.user, version=1, industry="Energy")
        (change,) = exc.value.changes
        assert (change.label, change.theirs, change.yours) == ("Industry", "Retail", "Energy")

    def test_a_deleted_record_cannot_be_edited(self, record, admin):
        services.record_delete(record=record, actor=admin.user)
        with pytest.raises(ValidationError, match="deleted"):
            services.record_update(record=record, actor=admin.user, version=2, industry="X")

    def test_custom_values_are_typed_and_merged(self, record, admin, workspace):
        for key, kind in [("seats", "number"), ("renewal", "date"), ("sso", "boolean")]:
            CustomFieldDefinitionFactory(workspace=workspace, key=key, kind=kind)
        CustomFieldDefinitionFactory(
            workspace=workspace, key="crm", kind="choice", choices=["HubSpot", "Salesforce"]
        )
        updated = services.record_update(
            record=record,
            actor=admin.user,
            version=1,
            custom_fields={"seats": "12", "renewal": "2027-01-31", "sso": True, "crm": "HubSpot"},
        )
        assert updated.custom_fields == {
            "seats": 12,
            "renewal": "2027-01-31",
            "sso": True,
            "crm": "HubSpot",
        }
        with pytest.raises(ValidationError) as exc:
            services.record_update(
                record=record,
                actor=admin.user,
                version=2,
                custom_fields={"seats": "x", "renewal": "31/01/2027", "crm": "Excel"},
            )
        assert set(exc.value.message_dict) == {"cf_seats", "cf_renewal", "cf_crm"}
        cleared = services.record_update(
            record=record, actor=admin.user, version=2, custom_fields={"seats": None}
        )
        assert "seats" not in cleared.custom_fields and cleared.custom_fields["sso"] is True

    def test_a_value_no_longer_valid_does_not_block_an_edit_that_leaves_it(
        self, record, admin, workspace
    ):
        crm = CustomFieldDefinitionFactory(
            workspace=workspace, key="crm", kind="choice", choices=["HubSpot", "Pipedrive"]
        )
        record = services.record_update(
            record=record, actor=admin.user, version=1, custom_fields={"crm": "Pipedrive"}
        )
        services.custom_field_update(definition=crm, label=crm.label, choices=["HubSpot"])
        # The form sends the removed choice back unchanged ("Pipedrive (no longer a choice)").
        kept = services.record_update(
            record=record,
            actor=admin.user,
            version=2,
            industry="Retail",
            custom_fields={"crm": "Pipedrive"},
        )
        assert (kept.industry, kept.custom_fields["crm"]) == ("Retail", "Pipedrive")
        with pytest.raises(ValidationError) as exc:
            services.record_update(
                record=record, actor=admin.user, version=3, custom_fields={"crm": "Excel"}
            )
        assert set(exc.value.message_dict) == {"cf_crm"}


class TestDeleteRestore:
    def test_soft_delete_then_restore(self, record, admin):
        deleted = services.record_delete(record=record, actor=admin.user)
        assert deleted.deleted_at is not None and deleted.deleted_by == admin.user
        with pytest.raises(ValidationError):
            services.record_delete(record=record, actor=admin.user)
        restored = services.record_restore(record=record, actor=admin.user)
        assert restored.deleted_at is None and restored.deleted_by is None
        assert restored.version == 3
        reasons = list(record.history.values_list("history_change_reason", flat=True)[:2])
        assert reasons == ["restored", "deleted"]
        with pytest.raises(ValidationError):
            services.record_restore(record=record, actor=admin.user)


class TestContacts:
    def test_phone_is_parsed_with_the_records_country(self, record, admin):
        contact = services.contact_create(
            record=record, actor=admin.user, first_name="Ada", phone="030 901820"
        )
        assert (contact.phone_raw, contact.phone, contact.phone_valid) == (
            "030 901820",
            "+4930901820",
            True,
        )

    @pytest.mark.parametrize(
        ("phone", "country", "message"),
        [
            ("hello", "Germany", "not a phone number"),
            ("030 901820", "", "Start the number with +"),
            ("+49 123 45", "Germany", "not a valid phone number for Germany"),
        ],
    )
    def test_unreadable_or_invalid_phone_is_refused(
        self, workspace, admin, phone, country, message
    ):
        record = RecordFactory(workspace=workspace, country=country)
        with pytest.raises(ValidationError) as exc:
            services.contact_create(record=record, actor=admin.user, first_name="A", phone=phone)
        assert message in exc.value.message_dict["phone"][0]
        assert not Contact.objects.exists()

    def test_email_is_validated_and_its_domain_lowercased(self, record, admin):
        contact = services.contact_create(
            record=record, actor=admin.user, first_name="A", email=" Ada.L@Example.COM "
        )
        assert (contact.email, contact.email_valid) == ("Ada.L@example.com", True)
        with pytest.raises(ValidationError) as exc:
            services.contact_create(record=record, actor=admin.user, first_name="B", email="b@@x")
        assert "email" in exc.value.message_dict

    def test_imports_keep_invalid_data_with_the_flags_off(self, record, admin):
        contact = services.contact_create(
            record=record, actor=admin.user, first_name="A", phone="123", email="x", strict=False
        )
        assert (contact.phone_raw, contact.phone_valid, contact.email_valid) == (
            "123",
            False,
            False,
        )

    def test_an_unchanged_legacy_value_does_not_block_an_edit(self, record, admin):
        legacy = ContactFactory(record=record, phone_raw="123", phone="", phone_valid=False)
        edited = services.contact_update(
            contact=legacy,
            actor=admin.user,
            first_name=legacy.first_name,
            email=legacy.email,
            phone="123",
            job_title="CFO",
            is_primary=legacy.is_primary,
        )
        assert (edited.job_title, edited.phone_valid) == ("CFO", False)
        with pytest.raises(ValidationError):
            services.contact_update(contact=legacy, actor=admin.user, first_name="A", phone="1234")

    def test_first_contact_is_primary_and_a_new_primary_replaces_the_old(self, record, admin):
        first = services.contact_create(record=record, actor=admin.user, first_name="A")
        second = services.contact_create(record=record, actor=admin.user, first_name="B")
        assert first.is_primary and not second.is_primary
        services.contact_update(contact=second, actor=admin.user, first_name="B", is_primary=True)
        primaries = list(Contact.objects.filter(record=record, is_primary=True))
        assert primaries == [second]

    def test_the_primary_cannot_simply_be_unset(self, record, admin):
        only = services.contact_create(record=record, actor=admin.user, first_name="A")
        with pytest.raises(ValidationError) as exc:
            services.contact_update(contact=only, actor=admin.user, first_name="A")
        assert "is_primary" in exc.value.message_dict

    def test_deleting_the_primary_promotes_the_longest_known_contact(self, record, admin):
        first = services.contact_create(record=record, actor=admin.user, first_name="A")
        second = services.contact_create(record=record, actor=admin.user, first_name="B")
        services.contact_create(record=record, actor=admin.user, first_name="C")
        successor = services.contact_delete(contact=first, actor=admin.user)
        assert successor == second
        assert Contact.objects.get(record=record, is_primary=True) == second
        assert services.contact_delete(contact=second, actor=admin.user) is not None

    def test_a_contact_write_marks_the_record_as_recently_active(self, record, admin):
        Record.objects.filter(pk=record.pk).update(updated_at=timezone.now() - timedelta(days=9))
        services.contact_create(record=record, actor=admin.user, first_name="A")
        record.refresh_from_db()
        assert record.updated_at > timezone.now() - timedelta(minutes=1)
        assert record.version == 1  # an open edit form of the record is not made stale


class TestActivities:
    def test_a_task_needs_a_due_date_and_an_active_member(self, record, admin, workspace):
        with pytest.raises(ValidationError) as exc:
            services.activity_log(record=record, actor=admin.user, kind="task", subject="Call")
        assert set(exc.value.message_dict) == {"due_at", "assignee"}
        gone = MembershipFactory(workspace=workspace, is_active=False).user
        with pytest.raises(ValidationError) as exc:
            services.activity_log(
                record=record,
                actor=admin.user,
                kind="task",
                due_at=timezone.now(),
                assignee=gone,
            )
        assert "assignee" in exc.value.message_dict
        assert not Activity.objects.exists()

    def test_a_logged_call_is_done_and_a_future_meeting_is_planned(self, record, admin):
        call = services.activity_log(record=record, actor=admin.user, kind="call")
        assert call.done and call.subject == "Call" and call.done_at == call.occurred_at
        meeting = services.activity_log(
            record=record,
            actor=admin.user,
            kind="meeting",
            occurred_at=timezone.now() + timedelta(days=2),
            assignee=admin.user,
        )
        assert not meeting.done and meeting.assignee is None

    def test_unknown_kind_is_refused(self, record, admin):
        with pytest.raises(ValidationError):
            services.activity_log(record=record, actor=admin.user, kind="fax")

    def test_mark_done_is_idempotent_and_reopen_undoes_it(self, record, admin):
        task = services.activity_log(
            record=record,
            actor=admin.user,
            kind=ActivityKind.TASK,
            due_at=timezone.now(),
            assignee=admin.user,
        )
        done = services.activity_mark_done(activity=task, actor=admin.user)
        first_done_at = done.done_at
        again = services.activity_mark_done(activity=task, actor=admin.user)
        assert again.done and again.done_at == first_done_at
        reopened = services.activity_reopen(activity=task, actor=admin.user)
        assert not reopened.done and reopened.done_at is None

    def test_only_tasks_can_be_reopened(self, record, admin):
        call = ActivityFactory(record=record, kind="call", done=True)
        with pytest.raises(ValidationError):
            services.activity_reopen(activity=call, actor=admin.user)


class TestCustomFieldDefinitions:
    def test_create_derives_a_key_and_places_it_last(self, workspace):
        first = services.custom_field_create(workspace=workspace, label="CRM in use", kind="text")
        second = services.custom_field_create(
            workspace=workspace, label="Plan", kind="choice", choices="Basic\n Pro \n\nBasic"
        )
        assert (first.key, second.key, second.choices) == ("crm_in_use", "plan", ["Basic", "Pro"])
        assert second.position > first.position

    def test_a_choice_field_needs_choices_and_names_are_unique(self, workspace):
        with pytest.raises(ValidationError) as exc:
            services.custom_field_create(workspace=workspace, label="Plan", kind="choice")
        assert "choices" in exc.value.message_dict
        services.custom_field_create(workspace=workspace, label="Seats", kind="number")
        with pytest.raises(ValidationError) as exc:
            services.custom_field_create(workspace=workspace, label="seats", kind="text")
        assert "label" in exc.value.message_dict
        with pytest.raises(ValidationError):
            services.custom_field_create(workspace=workspace, label="X", kind="colour")

    def test_a_deleted_fields_key_is_not_given_to_a_new_field(self, workspace, record):
        seats = services.custom_field_create(workspace=workspace, label="Seats", kind="number")
        Record.objects.filter(pk=record.pk).update(custom_fields={"seats": 5})
        services.custom_field_delete(definition=seats)
        again = services.custom_field_create(workspace=workspace, label="Seats", kind="text")
        assert again.key == "seats_2"
        record.refresh_from_db()
        assert record.custom_fields == {"seats": 5}

    def test_update_keeps_key_and_kind(self, workspace):
        field = services.custom_field_create(workspace=workspace, label="Plan", kind="text")
        services.custom_field_update(definition=field, label="Pricing plan", position=9)
        field.refresh_from_db()
        assert (field.key, field.kind, field.label, field.position) == (
            "plan",
            "text",
            "Pricing plan",
            9,
        )
        assert CustomFieldDefinition.objects.count() == 1

"""The records CSV import: mapping guesses, duplicate policies, refused rows and their reasons,
preview equals result, stage history, scoring, undo."""

import pytest
from django.core.exceptions import ValidationError

from dataio import mapping
from dataio.models import ImportColumnMemory, ImportedRecord, ImportStatus
from dataio.services import run, undo, wizard
from pipeline.models import StageTransition
from playbook.models import AuditEvent, AuditKind
from records.models import Contact, Record
from records.services.icp import icp_profile_install_default
from tests.factories import ContactFactory, CustomFieldDefinitionFactory, RecordFactory

pytestmark = pytest.mark.django_db

HEADER = "Company,Domain,Country,Employees,First name,Last name,Email,Phone\n"


class TestMapping:
    def test_hubspot_headers(self, workspace):
        header = [
            "Company name",
            "Company Domain Name",
            "Number of Employees",
            "Country/Region",
            "Industry",
            "Company owner",
            "Create Date",
        ]
        assert mapping.guess(workspace, header, []) == [
            "record.name",
            "record.domain",
            "record.employee_count",
            "record.country",
            "record.industry",
            "record.owner",
            "",
        ]

    def test_pipedrive_headers(self, workspace):
        header = [
            "Organization - Name",
            "Person - Name",
            "Person - Email - Work",
            "Person - Phone - Mobile",
            "Organization - Website",
            "Deal - Expected close date",
        ]
        assert mapping.guess(workspace, header, []) == [
            "record.name",
            "contact.full_name",
            "contact.email",
            "contact.phone",
            "record.domain",
            "record.expected_close_date",
        ]

    def test_custom_fields_by_label_and_one_column_per_field(self, workspace):
        CustomFieldDefinitionFactory(workspace=workspace, key="seats", label="Seats")
        definitions = list(workspace_definitions(workspace))
        got = mapping.guess(workspace, ["Seats", "Email", "E-mail", "Name"], definitions)
        assert got == ["custom.seats", "contact.email", "", "record.name"]

    def test_the_choice_is_remembered_for_the_next_file(self, workspace, do_import):
        job = do_import(
            "Firma,Web,Notes\nAcme,acme.com,hello\n",
            mapping=["record.name", "record.domain", ""],
        )
        assert job.status == ImportStatus.DONE
        assert mapping.guess(workspace, ["FIRMA", "web", "Notes"], []) == [
            "record.name",
            "record.domain",
            "",
        ]
        assert ImportColumnMemory.objects.filter(workspace=workspace).count() == 3


def workspace_definitions(workspace):
    from records.models import CustomFieldDefinition

    return CustomFieldDefinition.objects.of(workspace).order_by("position", "id")


class TestImport:
    def test_new_records_with_contacts_in_the_stage_imported(
        self, workspace, admin, stage, do_import, django_capture_on_commit_callbacks
    ):
        icp_profile_install_default(workspace=workspace)
        text = (
            HEADER
            + "Acme,https://www.acme.com/,Germany,1200,Jane,Doe,jane@Acme.com,+49 30 901820\n"
        )
        with django_capture_on_commit_callbacks(execute=True):
            job = do_import(text)
        record = Record.objects.get(workspace=workspace, domain="acme.com")
        assert (record.name, record.country, record.employee_count) == ("Acme", "Germany", 1200)
        assert record.stage == stage and record.owner == admin.user
        assert record.icp_score is not None  # scored once the import committed
        contact = Contact.objects.get(record=record)
        assert (contact.first_name, contact.email, contact.phone) == (
            "Jane",
            "jane@acme.com",
            "+4930901820",
        )
        assert contact.is_primary and contact.email_valid and contact.phone_valid
        transition = StageTransition.objects.get(record=record)
        assert transition.note == "imported" and transition.to_stage == stage
        assert (job.created_count, job.updated_count, job.refused) == (1, 0, [])
        event = AuditEvent.objects.get(workspace=workspace, kind=AuditKind.IMPORT)
        assert event.detail["created"] == 1

    def test_bad_values_are_refused_row_by_row_with_reasons(self, workspace, do_import):
        text = (
            "Company,Domain,Employees,Email,Phone,Country,Source,Close date\n"
            "Good,good.com,10,a@good.com,,,webinar,2026-01-31\n"
            "Bad mail,bm.com,10,not-an-email,,,,\n"
            "Bad phone,bp.com,10,,12345,,,\n"
            "Bad number,bn.com,lots,,,,,\n"
            "Bad date,bd.com,,,,,,31/01/2026\n"
            "Bad choice,bc.com,,,,,Billboard,\n"
            "Bad country,bco.com,,,,Atlantis,,\n"
            ",,,,,,,\n"
            "Again,good.com,,,,,,\n"
            "Mail again,ma.com,,a@good.com,,,,\n"
            ",,5,,,,,\n"
            '=HYPERLINK("http://evil"),evil.com,,,,,,\n'
        )
        job = do_import(text)
        reasons = dict(job.refused)
        assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 10, 11, 12]  # row 9 is blank
        assert "Enter a valid e-mail address" in reasons[3]
        assert "phone" in reasons[4].lower()
        assert "“lots” is not a whole number" in reasons[5]
        assert "not a date" in reasons[6]
        assert "“Billboard” is not a source" in reasons[7]
        assert "Atlantis" in reasons[8]
        assert reasons[10] == "Repeats row 2 (the same domain)."
        assert reasons[11] == "Repeats row 2 (the same contact e-mail)."
        assert "no company name or domain" in reasons[12]
        names = set(Record.objects.filter(workspace=workspace).values_list("name", flat=True))
        assert names == {"Good", '=HYPERLINK("http://evil")'}  # text, neutralised on export
        assert job.created_count == 2 and job.total_rows == 11

    def test_rows_of_one_company_add_their_contacts_to_its_record(self, workspace, do_import):
        text = HEADER + "Acme,acme.com,,,Jane,,jane@acme.com,\nAcme,acme.com,,,Joe,,joe@acme.com,\n"
        job = do_import(text)
        record = Record.objects.get(workspace=workspace)
        assert sorted(
            Contact.objects.filter(record=record).values_list("first_name", "is_primary")
        ) == [
            ("Jane", True),
            ("Joe", False),
        ]
        assert (job.created_count, job.updated_count) == (1, 1)


@pytest.fixture
def existing(workspace):
    record = RecordFactory(
        workspace=workspace, name="Acme Old", domain="acme.com", industry="", country="France"
    )
    ContactFactory(record=record, first_name="Jane", email="jane@acme.com", job_title="")
    return record


class TestDuplicates:
    TEXT = (
        "Company,Domain,Industry,Country,Email,Job title\n"
        "Acme New,www.acme.com,Software,Germany,jane@acme.com,CTO\n"
    )

    def test_skip_changes_nothing(self, workspace, existing, do_import):
        job = do_import(self.TEXT, duplicates="skip")
        existing.refresh_from_db()
        assert (existing.name, existing.industry, existing.country) == ("Acme Old", "", "France")
        assert (job.skipped_count, job.created_count) == (1, 0)
        assert Record.objects.filter(workspace=workspace).count() == 1

    def test_update_empty_fills_only_the_empty_fields(self, workspace, existing, do_import):
        job = do_import(self.TEXT, duplicates="update_empty")
        existing.refresh_from_db()
        assert (existing.name, existing.industry, existing.country) == (
            "Acme Old",
            "Software",
            "France",
        )
        assert Contact.objects.get(record=existing).job_title == "CTO"
        assert existing.version == 2 and job.updated_count == 1

    def test_overwrite_takes_the_files_values(self, workspace, existing, do_import):
        do_import(self.TEXT, duplicates="overwrite")
        existing.refresh_from_db()
        assert (existing.name, existing.industry, existing.country) == (
            "Acme New",
            "Software",
            "Germany",
        )

    def test_a_contact_email_finds_the_record_without_a_domain(
        self, workspace, existing, do_import
    ):
        do_import(
            "Company,Email,Industry\nWhatever,JANE@acme.com,Retail\n", duplicates="update_empty"
        )
        existing.refresh_from_db()
        assert existing.industry == "Retail"
        assert Record.objects.filter(workspace=workspace).count() == 1


class TestPreviewAndUndo:
    TEXT = (
        "Company,Domain,Industry,Country,Email,Job title,Employees\n"
        "Acme New,acme.com,Software,Germany,jane@acme.com,CTO,50\n"
        "Beta,beta.io,,,bob@beta.io,,\n"
        "Gamma,gamma.io,,,,,many\n"
        "Acme New,acme.com,,,new@acme.com,,\n"
    )

    def test_preview_equals_result(self, workspace, existing, do_import):
        preview = do_import(self.TEXT, duplicates="overwrite", preview_only=True)
        assert preview.status == ImportStatus.PREVIEWED
        assert not Record.objects.filter(workspace=workspace, domain="beta.io").exists()
        planned = (
            preview.created_count,
            preview.updated_count,
            preview.skipped_count,
            preview.refused,
        )
        assert [r["action"] for r in preview.preview] == ["update", "create", "update"]
        assert preview.preview[1]["name"] == "Beta" and preview.preview[1]["stage"] == "Lead"
        wizard.import_start(workspace=workspace, record_import=preview)
        run.import_run(workspace=workspace, import_id=preview.pk)
        preview.refresh_from_db()
        assert (
            preview.created_count,
            preview.updated_count,
            preview.skipped_count,
            preview.refused,
        ) == planned
        assert preview.status == ImportStatus.DONE

    def test_undo_restores_exactly(self, workspace, existing, admin, do_import):
        other = RecordFactory(workspace=workspace, name="Untouched")
        before = _snapshot(workspace)
        job = do_import(self.TEXT, duplicates="overwrite")
        assert _snapshot(workspace) != before
        result = undo.import_undo(workspace=workspace, record_import=job, actor=admin.user)
        assert result == {"deleted": 1, "restored": 1, "contacts removed": 1}
        after = _snapshot(workspace)
        assert after == before
        beta = Record.objects.get(workspace=workspace, domain="beta.io")
        assert beta.deleted_at is not None and beta.deleted_by == admin.user
        other.refresh_from_db()
        assert other.deleted_at is None
        with pytest.raises(ValidationError):
            undo.import_undo(workspace=workspace, record_import=job, actor=admin.user)

    def test_undo_keeps_a_later_edit(self, workspace, existing, admin, do_import):
        job = do_import(self.TEXT, duplicates="overwrite")
        Record.objects.filter(pk=existing.pk).update(industry="Edited by hand")
        undo.import_undo(workspace=workspace, record_import=job, actor=admin.user)
        existing.refresh_from_db()
        assert existing.industry == "Edited by hand" and existing.name == "Acme Old"

    def test_a_redelivered_task_imports_once(self, workspace, do_import):
        job = do_import("Company,Domain\nAcme,acme.com\n")
        run.import_run(workspace=workspace, import_id=job.pk)
        assert Record.objects.filter(workspace=workspace).count() == 1
        assert ImportedRecord.objects.filter(record_import=job).count() == 1


def _snapshot(workspace):
    """Every live record's fields and every contact, as comparable values."""
    records = {
        r.pk: (
            r.name,
            r.domain,
            r.industry,
            r.country,
            r.employee_count,
            r.owner_id,
            r.custom_fields,
        )
        for r in Record.objects.filter(workspace=workspace, deleted_at__isnull=True)
    }
    contacts = sorted(
        Contact.objects.filter(
            record__workspace=workspace, record__deleted_at__isnull=True
        ).values_list("record_id", "first_name", "email", "job_title", "is_primary")
    )
    return records, contacts


def test_upload_refuses_what_it_cannot_read(workspace, admin):
    with pytest.raises(ValidationError, match="no rows"):
        wizard.import_upload(
            workspace=workspace, actor=admin.user, file_name="a.csv", data=b"Company\n"
        )
    with pytest.raises(ValidationError, match="50 MB"):
        wizard.import_upload(
            workspace=workspace,
            actor=admin.user,
            file_name="a.csv",
            data=b"x" * (50 * 1024 * 1024 + 1),
        )


def test_configure_checks_the_choices(workspace, admin, stage):
    job = wizard.import_upload(
        workspace=workspace, actor=admin.user, file_name="a.csv", data=b"Company,Notes\nA,b\n"
    )
    for mapping_, message in (
        (["record.name"], "each column"),
        (["record.nope", ""], "each column"),
        (["record.name", "record.name"], "one column"),
        (["", "contact.job_title"], "at least"),
    ):
        with pytest.raises(ValidationError, match=message):
            wizard.import_configure(
                workspace=workspace,
                record_import=job,
                mapping=mapping_,
                stage_id=stage.pk,
                owner_rule="me",
                duplicates="skip",
            )

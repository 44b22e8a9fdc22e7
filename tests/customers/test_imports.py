"""Importing billing history: all or nothing, every bad row listed, re-import adds nothing,
customers matched or created in Won, the command and the upload page with its progress."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from customers import services
from customers.models import ClassifiedMovement, Customer, ImportJob, MrrMovement, Subscription
from pipeline.models import StageTransition
from tests.conftest import login_as
from tests.factories import RecordFactory

TODAY = date(2026, 6, 30)
HEADER = "customer,domain,subscription,plan,term_months,date,mrr\n"
GOOD = HEADER + (
    "Acme,acme.com,sub_1,Pro,12,2026-01-03,100\n"
    "Acme,acme.com,sub_1,Pro,12,2026-03-03,0\n"
    "Acme,acme.com,sub_1,Pro,12,2026-03-25,120\n"
    "Newco,,sub_2,,,2026-02-01,50\n"
    "Newco,,sub_2,,,2026-01-15,40\n"  # out of order: applied by date
)


def _import(workspace, text):
    return services.subscriptions_import(workspace=workspace, text=text, today=TODAY)


def test_an_import_writes_the_ledger_and_kinds_in_date_order(pipeline_ws, stages):
    acme = RecordFactory(workspace=pipeline_ws, name="ACME Inc.", domain="www.acme.com")
    result = _import(pipeline_ws, GOOD)
    assert (result.added, result.new_subscriptions, result.new_records) == (5, 2, 1)
    kinds = list(
        ClassifiedMovement.objects.filter(record=acme)
        .order_by("effective_on", "id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["new", "churn", "reactivation"]  # churn on the 3rd, back on the 25th
    sub1 = Subscription.objects.get(external_id="sub_1")
    assert sub1.record == acme and sub1.mrr == Decimal("120") and sub1.is_active
    newco = Subscription.objects.get(external_id="sub_2")
    assert newco.mrr == Decimal("50") and newco.started_on == date(2026, 1, 15)
    assert newco.record.stage.key == "won"
    entry = StageTransition.objects.get(record=newco.record)
    assert entry.note == "imported" and entry.at.date() == date(2026, 1, 15)
    assert Customer.objects.get(record=acme).mrr == Decimal("120")


def test_importing_the_same_file_again_adds_nothing(pipeline_ws, stages):
    _import(pipeline_ws, GOOD)
    again = _import(pipeline_ws, GOOD + "Acme,acme.com,sub_1,Pro,12,2026-05-01,150\n")
    assert (again.added, again.skipped, again.new_records) == (1, 5, 0)
    assert MrrMovement.objects.count() == 6


def test_one_bad_row_saves_nothing_and_every_bad_row_is_listed(pipeline_ws, stages):
    _import(pipeline_ws, HEADER + "Acme,acme.com,sub_1,,,2026-01-03,100\n")
    bad = HEADER + (
        "Acme,acme.com,sub_1,,,2026-01-03,90\n"  # contradicts the ledger
        "Beta,,sub_9,,,2025-02-30,10\n"
        "Beta,,sub_9,,,2026-01-01,-5\n"
        "Gamma,,sub_7,,,2026-01-01,0\n"  # an unknown subscription cannot start cancelled
        "Delta,,sub_8,,0,2026-01-01,10\n"
        "Epsilon,,sub_6,,,2099-01-01,10\n"
        "Zeta,,,,,2026-01-01,10\n"
        "Fine Co,,sub_5,,,2026-01-01,10\n"
    )
    with pytest.raises(ValidationError) as refused:
        _import(pipeline_ws, bad)
    assert refused.value.messages == [
        "Row 2, mrr: the ledger says 100.00 for subscription sub_1 from 2026-01-03; "
        "this row says 90.",
        "Row 3, date: “2025-02-30” is not a date (YYYY-MM-DD).",
        "Row 4, mrr: “-5” is not an amount of 0 or more.",
        "Row 5, subscription: unknown subscription sub_7: its first row cannot cancel it (MRR 0).",
        "Row 6, term_months: “0” is not a whole number from 1 to 120.",
        "Row 7, date: cannot be in the future.",
        "Row 8, subscription: is empty.",
    ]
    assert MrrMovement.objects.count() == 1 and Subscription.objects.count() == 1
    with pytest.raises(ValidationError, match="no column mrr"):
        _import(pipeline_ws, "customer,subscription,date\n")


def test_billing_files_are_read_like_every_import(pipeline_ws, stages):
    """The shared reader (playbook.csvio): a semicolon-separated export imports; a row wider
    than the header, and a header that is data, are refused with the reason."""
    result = _import(pipeline_ws, GOOD.replace(",", ";"))
    assert result.added == 5
    with pytest.raises(ValidationError) as refused:
        _import(pipeline_ws, HEADER + "Acme,acme.com,sub_1,Pro,12,2026-01-03,100,9\n")
    assert refused.value.messages == ["Row 2, row: has 8 cells; the header names 7 columns."]
    with pytest.raises(ValidationError, match="must name the columns"):
        _import(pipeline_ws, "Acme,acme.com,sub_1,12,2026-01-03,100\n")


def test_the_upload_refuses_a_workbook_with_what_to_do(client, pipeline_ws, member_factory):
    login_as(client, member_factory(pipeline_ws, "admin"))
    url = reverse("customers:import", args=[pipeline_ws.slug])
    workbook = SimpleUploadedFile("billing.xlsx", b"PK\x03\x04" + b"\x00" * 40)
    answer = client.post(url, {"file": workbook})
    assert answer.status_code == 400
    assert "Save it as “CSV UTF-8”" in answer.content.decode()
    assert not ImportJob.objects.exists()


def test_the_command(pipeline_ws, stages, tmp_path, capsys):
    path = tmp_path / "billing.csv"
    path.write_text(GOOD.replace("2026-", "2025-"))
    call_command("import_subscriptions", "--workspace", pipeline_ws.slug, str(path))
    assert "5 ledger rows added" in capsys.readouterr().out
    path.write_text(HEADER + "X,,s,,,2025-02-30,1\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_subscriptions", "--workspace", pipeline_ws.slug, str(path))
    assert "2025-02-30" in capsys.readouterr().err


def test_the_upload_page_runs_a_job_and_shows_its_progress(
    client, pipeline_ws, stages, member_factory, django_capture_on_commit_callbacks, sent_tasks
):
    admin = member_factory(pipeline_ws, "admin")
    login_as(client, admin)
    url = reverse("customers:import", args=[pipeline_ws.slug])
    upload = SimpleUploadedFile("billing.csv", GOOD.replace("2026-", "2025-").encode())
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(url, {"file": upload})
    job = ImportJob.objects.get()
    assert answer.status_code == 302
    assert sent_tasks == [("customers.tasks.import_run", (pipeline_ws.pk, job.pk))]
    page = client.get(answer["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "Waiting" in page and "every 1s" in page
    services.import_job_run(workspace=pipeline_ws, job_id=job.pk)  # what the worker does
    page = client.get(answer["Location"]).content.decode()
    assert "Imported" in page and "5 ledger rows added" in page and "every 1s" not in page
    bad = SimpleUploadedFile("bad.csv", (HEADER + "X,,s,,,2025-02-30,1\n").encode())
    client.post(url, {"file": bad})
    failed = ImportJob.objects.latest("id")
    services.import_job_run(workspace=pipeline_ws, job_id=failed.pk)
    page = client.get(reverse("customers:import_job", args=[pipeline_ws.slug, failed.pk]))
    assert (
        "Nothing was imported" in page.content.decode() and "Row 2, date" in page.content.decode()
    )
    login_as(client, member_factory(pipeline_ws, "csm"))
    assert client.get(url).status_code == 403


def test_another_workspaces_import_is_404(client, pipeline_ws, member_factory, other_workspace):
    job = ImportJob.objects.create(workspace=other_workspace, file_name="x.csv", content="")
    login_as(client, member_factory(pipeline_ws, "admin"))
    url = reverse("customers:import_job", args=[pipeline_ws.slug, job.pk])
    assert client.get(url).status_code == 404


def test_an_import_is_audited_once_and_rescores_its_records_after_commit(
    pipeline_ws, stages, django_capture_on_commit_callbacks
):
    from playbook.models import AuditEvent, AuditKind
    from records.models import IcpProfile, Record

    IcpProfile.objects.update_or_create(
        workspace=pipeline_ws,
        defaults={
            "criteria": [
                {
                    "kind": "field_in",
                    "params": {"field": "source", "values": ["other"]},
                    "weight": 40,
                },
                {"kind": "flag_set", "params": {"flag": "problem_acknowledged"}, "weight": 60},
            ]
        },
    )
    RecordFactory(workspace=pipeline_ws, name="ACME Inc.", domain="acme.com", source="other")
    RecordFactory(workspace=pipeline_ws, name="Bystander", source="other")
    with django_capture_on_commit_callbacks(execute=True):
        _import(pipeline_ws, GOOD)
    scored = dict(Record.objects.of(pipeline_ws).values_list("name", "icp_score"))
    assert scored == {"ACME Inc.": 40, "Newco": 40, "Bystander": None}  # only touched records
    event = AuditEvent.objects.of(pipeline_ws).get()
    assert event.kind == AuditKind.IMPORT and event.target_label == "Billing history"
    assert event.detail["rows"] == 5 and event.detail["ledger rows added"] == 5
    assert event.detail["new records"] == 1
    with django_capture_on_commit_callbacks(execute=True) as again:
        _import(pipeline_ws, GOOD)
    assert again == []  # nothing added: nothing to rescore
    assert AuditEvent.objects.of(pipeline_ws).count() == 2  # but the import is still recorded
    assert AuditEvent.objects.of(pipeline_ws).latest("id").detail["already there"] == 5
    with pytest.raises(ValidationError):
        _import(pipeline_ws, HEADER + "X,,s,,,2025-02-30,1\n")
    assert AuditEvent.objects.of(pipeline_ws).count() == 2  # a refused file leaves no event


@pytest.mark.parametrize("subscriptions", [2, 40])
def test_an_import_sends_as_many_statements_for_forty_subscriptions_as_for_two(
    pipeline_ws, stages, subscriptions, django_assert_max_num_queries
):
    RecordFactory(workspace=pipeline_ws, name="Matched", domain="c0.example.com")
    text = HEADER + "".join(
        f"Customer {i},c{i}.example.com,bill_{i},Pro,12,2026-0{1 + i % 5}-1{i % 9},{100 + i}\n"
        f"Customer {i},c{i}.example.com,bill_{i},Pro,12,2026-06-2{i % 9},{50 + i}\n"
        for i in range(subscriptions)
    )
    with django_assert_max_num_queries(25):
        result = _import(pipeline_ws, text)
    assert result.added == 2 * subscriptions and result.new_records == subscriptions - 1
    again = _import(pipeline_ws, text)  # and again: everything recognised
    assert (again.added, again.skipped) == (0, 2 * subscriptions)

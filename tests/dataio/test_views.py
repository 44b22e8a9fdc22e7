"""The import wizard over HTTP: upload, columns, preview, progress, result, refused rows, undo;
who may; bad files."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dataio import tasks
from dataio.models import RecordImport
from playbook.csvio import BOM
from playbook.models import Role
from records.models import Record
from tests.conftest import login_as

pytestmark = pytest.mark.django_db

CSV = (
    "Company name,Website,Email,Phone,Notes\n"
    "Acme,acme.com,jane@acme.com,,x\n"
    "Beta,beta.io,not-an-email,,y\n"
)


@pytest.fixture
def queued(monkeypatch):
    """The tasks the views queue, kept to be run by the test as the worker would."""
    sent = []
    by_name = {task.name: task for task in (tasks.import_preview, tasks.import_run)}

    def send(name, args, task_id):
        sent.append((by_name[name], tuple(args or ())))

    # What the jobs outbox hands to the broker after commit (jobs.services.job_enqueue).
    monkeypatch.setattr("jobs.services.hand_over", send)
    return sent


def _work(queued):
    while queued:
        task, args = queued.pop(0)
        task(*args)


def test_the_whole_wizard(
    admin_client,
    workspace,
    stage,
    queued,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
):
    url = reverse("dataio:import", args=[workspace.slug])
    assert "Import CSV" in admin_client.get(reverse("records:list", args=[workspace.slug])).text
    upload = SimpleUploadedFile("leads.csv", CSV.encode())
    answer = admin_client.post(url, {"file": upload})
    assert answer.status_code == 302
    job_url = answer["Location"]
    page = admin_client.get(job_url).text
    # The guesses are selected: Company name -> company, Website -> domain, Notes ignored.
    assert '<option value="record.name" selected>' in page
    assert '<option value="record.domain" selected>' in page
    data = {
        "col_0": "record.name",
        "col_1": "record.domain",
        "col_2": "contact.email",
        "col_3": "contact.phone",
        "col_4": "",
        "stage": stage.pk,
        "owner_rule": "me",
        "duplicates": "skip",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(job_url, data).status_code == 302
    with django_assert_max_num_queries(6):
        waiting = admin_client.get(job_url, HTTP_HX_REQUEST="true").text
    assert "every 1s" in waiting and "<html" not in waiting and "Checking every row" in waiting
    _work(queued)
    preview = admin_client.get(job_url).text
    assert (
        "<strong>1</strong> will be created" in preview
        and "<strong>1</strong> will be refused" in preview
    )
    assert "Enter a valid e-mail address" in preview and "Acme" in preview
    refused = admin_client.get(job_url + "refused.csv")
    rows = list(
        csv.reader(io.StringIO(b"".join(refused.streaming_content).decode().removeprefix(BOM)))
    )
    assert rows[0][-1] == "Reason" and rows[1][:2] == ["Beta", "beta.io"]
    assert "e-mail" in rows[1][-1]
    assert not Record.objects.filter(workspace=workspace).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.post(job_url + "start/").status_code == 302
    assert "Waiting for a worker" in admin_client.get(job_url).text
    _work(queued)
    result = admin_client.get(job_url).text
    assert "<strong>1</strong> created" in result and "Undo this import" in result
    assert Record.objects.filter(workspace=workspace, deleted_at__isnull=True).count() == 1
    answer = admin_client.post(job_url + "undo/", follow=True)
    assert "Import undone: 1 records deleted" in answer.text
    assert not Record.objects.filter(workspace=workspace, deleted_at__isnull=True).exists()
    assert "leads.csv" in admin_client.get(url).text


def test_bad_choices_come_back_with_the_reason(admin_client, workspace, stage, queued):
    answer = admin_client.post(
        reverse("dataio:import", args=[workspace.slug]),
        {"file": SimpleUploadedFile("a.csv", b"Notes,Other\nx,y\n")},
    )
    page = admin_client.post(
        answer["Location"],
        {"col_0": "", "col_1": "", "stage": stage.pk, "owner_rule": "me", "duplicates": "skip"},
    )
    assert page.status_code == 400 and "Map at least the company name" in page.text
    assert RecordImport.objects.get().status == "draft" and not queued


@pytest.mark.parametrize(
    "data, message",
    [
        (b"PK\x03\x04xlsx", "not a CSV file"),
        (b"", "empty"),
        ("Company\nCafé\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_why(admin_client, workspace, data, message):
    answer = admin_client.post(
        reverse("dataio:import", args=[workspace.slug]),
        {"file": SimpleUploadedFile("a.csv", data)},
    )
    assert answer.status_code == 400 and message in answer.text
    assert not RecordImport.objects.exists()


def test_only_admins_leaders_and_marketing_import(client, workspace, member_factory):
    url = reverse("dataio:import", args=[workspace.slug])
    for role, status in (
        (Role.MARKETING, 200),
        (Role.LEADER, 200),
        (Role.AE, 403),
        (Role.SDR, 403),
    ):
        login_as(client, member_factory(workspace, role))
        assert client.get(url).status_code == status
    assert "Import CSV" not in client.get(reverse("records:list", args=[workspace.slug])).text


def test_another_workspaces_import_is_404(admin_client, workspace, other_workspace, admin):
    theirs = RecordImport.objects.create(
        workspace=other_workspace, file_name="x.csv", content="A\nb\n", header=["A"],
        refused=[[2, "x"]], status="done",
    )  # fmt: skip
    base = reverse("dataio:import_job", args=[workspace.slug, theirs.pk])
    assert admin_client.get(base).status_code == 404
    assert admin_client.get(base + "refused.csv").status_code == 404
    assert admin_client.post(base + "undo/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "done"

import pytest

from dataio.models import RecordImport
from dataio.services import preview, run, wizard
from tests.factories import StageDefinitionFactory


@pytest.fixture
def stage(workspace):
    return StageDefinitionFactory(workspace=workspace, key="lead", name="Lead", position=0)


@pytest.fixture
def do_import(workspace, admin, stage):
    """do_import(csv_text, duplicates="skip", mapping=None, ...) -> the RecordImport, run
    through every step as the wizard and the worker do (preview, then import)."""

    def make(text, *, duplicates="skip", mapping=None, owner_rule="me", preview_only=False):
        job = wizard.import_upload(
            workspace=workspace, actor=admin.user, file_name="t.csv", data=text.encode()
        )
        wizard.import_configure(
            workspace=workspace,
            record_import=job,
            mapping=mapping if mapping is not None else job.mapping,
            stage_id=stage.pk,
            owner_rule=owner_rule,
            duplicates=duplicates,
        )
        preview.import_preview_run(workspace=workspace, import_id=job.pk)
        if preview_only:
            return RecordImport.objects.get(pk=job.pk)
        wizard.import_start(workspace=workspace, record_import=job)
        run.import_run(workspace=workspace, import_id=job.pk)
        return RecordImport.objects.get(pk=job.pk)

    return make


@pytest.fixture
def webform(workspace, admin, stage):
    """A live web form of `workspace` asking name, company, domain and phone (e-mail always)."""
    from dataio.services.webforms import webform_create

    return webform_create(
        workspace=workspace,
        actor=admin.user,
        name="Whitepaper",
        fields=[
            {"name": "first_name", "required": True},
            {"name": "last_name", "required": False},
            {"name": "company", "required": False},
            {"name": "domain", "required": False},
            {"name": "phone", "required": False},
            {"name": "message", "required": False},
        ],
        source="content_download",
        activity_kind="content",
        owner_rule="round_robin",
        owner=None,
        redirect_url="",
        thank_you="Thanks, the paper is on its way.",
    )


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # The web forms' counters live in the cache (Redis when REDIS_URL is set) and outlive a
    # test; each test starts with none counted.
    from django.core.cache import cache

    cache.clear()

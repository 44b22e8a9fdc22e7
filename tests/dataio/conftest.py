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

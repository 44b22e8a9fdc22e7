"""The records CSV import in a real browser: upload a file, check the guessed columns, change
one, preview (refused rows listed), import, see the result; under the strict CSP."""

import pytest

from playbook.celery import app
from playbook.models import Role
from records.models import Record
from tests.browser.conftest import assert_no_browser_problems, log_in
from tests.factories import MembershipFactory, StageDefinitionFactory

pytestmark = pytest.mark.browser

CSV = (
    "Organization - Name,Organization - Website,Person - Email - Work,Notes\n"
    "Northwind Traders,northwind.com,ann@northwind.com,first\n"
    "Contoso,contoso.com,not-an-email,second\n"
    "Fabrikam,fabrikam.com,,third\n"
)


@pytest.fixture
def eager():
    # The live server runs the queued tasks in place (the worker itself is tested in
    # tests/dataio/test_worker.py).
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def test_upload_map_preview_import_and_see_the_result(page, workspace, eager):
    member = MembershipFactory(workspace=workspace, role=Role.MARKETING)
    StageDefinitionFactory(workspace=workspace, name="Lead", position=0)
    log_in(page, member.user.email)
    page.goto(f"/w/{workspace.slug}/records/")
    page.get_by_role("button", name="Import CSV").click()
    page.locator("#id_file").set_input_files(
        files=[{"name": "leads.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    page.get_by_role("button", name="Upload and choose the columns").click()
    page.wait_for_selector(".import-mapping")
    # Pipedrive's headers are recognised.
    assert page.get_by_label("Organization - Name").input_value() == "record.name"
    assert page.get_by_label("Organization - Website").input_value() == "record.domain"
    assert page.get_by_label("Person - Email - Work").input_value() == "contact.email"
    page.get_by_label("Notes").select_option("record.industry")
    page.get_by_label("Overwrite its fields with the file's values").check()
    page.get_by_role("button", name="Check the file (preview)").click()
    plan = page.locator("#import-plan")
    plan.wait_for()
    assert "2 will be created" in plan.inner_text() and "1 will be refused" in plan.inner_text()
    assert "Enter a valid e-mail address" in page.locator("#import-refused").inner_text()
    assert "Northwind Traders" in page.locator("#import-preview").inner_text()
    assert not Record.objects.filter(workspace=workspace).exists()
    page.get_by_role("button", name="Import 2 rows").click()
    result = page.locator("#import-result")
    result.wait_for()
    assert "2 created" in result.inner_text() and "1 refused" in result.inner_text()
    saved = set(Record.objects.filter(workspace=workspace).values_list("name", "industry"))
    assert saved == {("Northwind Traders", "first"), ("Fabrikam", "third")}
    assert_no_browser_problems(page)

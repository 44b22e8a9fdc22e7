"""Work surfaces in a real browser: errors shown in place with DEBUG on, the record edit form's
checkboxes, the narrow layout, the board's owner-change dialog."""

import pytest

from playbook.models import Role
from records.models import Contact
from tests.browser.conftest import log_in
from tests.factories import MembershipFactory, RecordFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def member(workspace):
    return MembershipFactory(workspace=workspace, role=Role.ADMIN)


def test_a_form_error_shows_in_place_with_debug_on(page, workspace, member, settings):
    # django-htmx's DEBUG handler used to replace the whole document with the 400 fragment.
    settings.DEBUG = True
    record = RecordFactory(workspace=workspace, name="Acme", country="Germany")
    log_in(page, member.user.email)
    page.goto(f"/w/{workspace.slug}/records/{record.pk}/")
    page.get_by_text("Add a contact").click()
    form = page.locator("#contacts form")
    form.get_by_label("First name").fill("Ada")
    form.get_by_label("Phone").fill("+49 123 45")
    form.get_by_role("button", name="Add contact").click()
    page.wait_for_selector("#id_phone_errors")
    assert "not a valid phone number" in page.locator("#id_phone_errors").inner_text()
    # The page around the form is still there, styled: the navigation and the record's heading.
    assert page.locator("nav").first.is_visible()
    assert page.get_by_role("heading", name="Acme").is_visible()
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"
    assert not Contact.objects.exists()
    assert [p for p in page.problems if "status of 400" not in p] == []

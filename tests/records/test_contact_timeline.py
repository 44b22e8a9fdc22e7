"""Contact edits on the record's timeline: added, edited (field, old -> new), removed, and an
erased contact's data never left behind in it (ADR 0109)."""

import pytest
from django.urls import reverse

from playbook.models import Role
from records import selectors
from records.models import ContactChange
from records.services import contacts as contact_services
from tests.conftest import login_as
from tests.factories import ContactFactory, RecordFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def record(workspace):
    return RecordFactory(workspace=workspace, name="Acme", country="Germany")


def contact_entries(workspace, record):
    page = selectors.record_timeline(workspace, record, size=50)
    return [e.contact_change for e in page.items if e.kind == "contact"]


def test_adding_editing_and_removing_a_contact_each_leave_a_line(workspace, record, admin):
    contact = contact_services.contact_create(
        record=record, actor=admin.user, first_name="Ada", last_name="Lovelace",
        email="ada@acme.example", phone="+49 30 901820", seniority="vp",
    )  # fmt: skip
    contact_services.contact_update(
        contact=contact, actor=admin.user, is_primary=True, first_name="Ada",
        last_name="Lovelace", email="ada.l@acme.example", phone="+49 30 901820",
        job_title="CTO", seniority="c_level",
    )  # fmt: skip
    contact_services.contact_delete(contact=contact, actor=admin.user)
    removed, edited, added = contact_entries(workspace, record)
    assert added.kind == "added" and added.name == "Ada Lovelace" and added.actor == admin.user
    assert ["E-mail", "", "ada@acme.example"] in added.changes
    assert ["Seniority", "", "VP"] in added.changes
    assert edited.kind == "edited" and edited.changes == [
        ["E-mail", "ada@acme.example", "ada.l@acme.example"],
        ["Job title", "", "CTO"],
        ["Seniority", "VP", "C-level"],
    ]
    assert removed.kind == "removed" and removed.name == "Ada Lovelace" and removed.changes == []


def test_an_edit_that_changes_nothing_shown_leaves_no_line(workspace, record, admin):
    contact = ContactFactory(record=record, first_name="Bo", last_name="", job_title="")
    contact_services.contact_update(
        contact=contact, actor=admin.user, is_primary=contact.is_primary, first_name="Bo",
        email=contact.email, phone=contact.phone_raw, seniority=contact.seniority,
    )  # fmt: skip
    assert not ContactChange.objects.exists()


def test_erasing_blanks_the_persons_data_in_earlier_lines(workspace, record, admin):
    contact = contact_services.contact_create(
        record=record, actor=admin.user, first_name="Jane", last_name="Roe",
        email="jane.roe@acme.example", phone="+49 30 901820",
    )  # fmt: skip
    contact_services.contact_update(
        contact=contact, actor=admin.user, is_primary=True, first_name="Jane", last_name="Roe",
        email="jane@acme.example", phone="+49 30 901820", job_title="VP Sales",
    )  # fmt: skip
    contact_services.contact_erase(contact=contact, actor=admin.user)
    stored = repr(list(ContactChange.objects.values("name", "changes")))
    for personal in ("Jane", "Roe", "jane", "901820", "VP Sales"):
        assert personal not in stored
    erased, edited, added = contact_entries(workspace, record)
    assert erased.kind == "erased" and erased.changes == [] and erased.name == "Erased contact"
    assert ["E-mail", "(erased)", "(erased)"] in edited.changes
    assert ["Job title", "", "(erased)"] in edited.changes
    assert added.name == "Erased contact"


def test_the_timeline_shows_contact_lines_and_pages_through_them(client, workspace, record, admin):
    for i in range(5):
        contact_services.contact_create(
            record=record, actor=admin.user, first_name=f"Person{i}", email=f"p{i}@acme.example"
        )
    login_as(client, admin)
    url = reverse("records:detail", args=[workspace.slug, record.pk])
    html = client.get(url).content.decode()
    assert "Added a contact" in html and "Person4" in html
    assert "p4@acme.example" in html
    # Every line, across "load more" pages of 2 (no line twice, none skipped).
    seen, cursor = [], None
    while True:
        page = selectors.record_timeline(workspace, record, cursor=cursor, size=2)
        seen += [e.contact_change.name for e in page.items if e.kind == "contact"]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == [f"Person{i}" for i in range(4, -1, -1)]


def test_the_timeline_redraws_when_a_contact_changes_in_place(client, workspace, record, admin):
    login_as(client, admin)
    html = client.get(reverse("records:detail", args=[workspace.slug, record.pk])).content.decode()
    timeline_url = reverse("records:timeline", args=[workspace.slug, record.pk])
    assert f'hx-get="{timeline_url}" hx-trigger="record-changed from:body"' in html
    response = client.post(
        reverse("records:contact_create", args=[workspace.slug, record.pk]),
        {"first_name": "Cy", "email": "cy@acme.example"},
        **HTMX,
    )
    assert response["HX-Trigger"] == "record-changed"
    entries = client.get(timeline_url, **HTMX).content.decode()
    assert "Added a contact" in entries and "cy@acme.example" in entries


def test_a_non_admin_sees_contact_lines_too(client, workspace, record, member_factory):
    rep = member_factory(workspace, Role.SDR)
    contact_services.contact_create(record=record, actor=rep.user, first_name="Dee")
    html = (
        login_as(client, rep)
        .get(reverse("records:detail", args=[workspace.slug, record.pk]))
        .content.decode()
    )
    assert "Dee" in html and "Added a contact" in html

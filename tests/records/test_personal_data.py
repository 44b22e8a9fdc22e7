"""Personal data: an admin erases a contact's data on request (kept: the fact, in the audit
log; the record's stage history), and a contact marked "do not contact" is shown so and left
out of every outreach."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from playbook.models import AuditEvent, AuditKind, Role
from records import selectors, services
from records.models import Contact
from tests.conftest import login_as
from tests.factories import ContactFactory, RecordFactory, StageTransitionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(workspace):
    record = RecordFactory(workspace=workspace, name="Acme")
    return ContactFactory(
        record=record,
        first_name="Jane",
        last_name="Roe",
        email="jane.roe@acme.example",
        email_valid=True,
        phone_raw="+1 415 555 0101",
        phone="+14155550101",
        phone_valid=True,
        job_title="VP Sales",
        is_primary=True,
    )


def erase_url(workspace, contact):
    return reverse("records:contact_erase", args=[workspace.slug, contact.record_id, contact.pk])


class TestErasure:
    def test_admin_erases_the_persons_data_and_the_fact_is_audited(
        self, admin_client, workspace, admin, person
    ):
        transition = StageTransitionFactory(record=person.record)
        response = admin_client.post(erase_url(workspace, person), REMOTE_ADDR="192.0.2.9")
        assert response.status_code == 302
        contact = Contact.objects.of(workspace).get(pk=person.pk)
        assert (contact.first_name, contact.last_name) == ("Erased contact", "")
        assert (contact.email, contact.phone, contact.phone_raw, contact.job_title) == (
            "",
            "",
            "",
            "",
        )
        assert contact.is_erased and contact.do_not_contact and contact.is_primary
        (event,) = AuditEvent.objects.of(workspace).filter(kind=AuditKind.CONTACT_ERASED)
        assert event.actor == admin.user and event.ip_address == "192.0.2.9"
        assert event.target_label == f"Contact #{person.pk} of Acme"
        everything = f"{event.target_label} {event.detail}"
        assert "Jane" not in everything and "jane.roe" not in everything
        # Stage history keeps its rows (it never held the person's data).
        assert person.record.transitions.filter(pk=transition.pk).exists()
        page = admin_client.get(reverse("records:detail", args=[workspace.slug, person.record_id]))
        html = page.content.decode()
        assert "jane.roe@acme.example" not in html and "Jane" not in html
        assert "data erased" in html

    @pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
    def test_only_admins_erase(self, client, workspace, member_factory, person, role):
        login_as(client, member_factory(workspace, role))
        assert client.post(erase_url(workspace, person)).status_code == 403
        assert Contact.objects.of(workspace).get(pk=person.pk).first_name == "Jane"

    def test_an_erased_contact_cannot_be_edited_or_erased_again(self, workspace, admin, person):
        services.contact_erase(contact=person, actor=admin.user)
        with pytest.raises(ValidationError, match="erased"):
            services.contact_update(contact=person, actor=admin.user, first_name="Jane")
        with pytest.raises(ValidationError, match="already erased"):
            services.contact_erase(contact=person, actor=admin.user)
        assert AuditEvent.objects.of(workspace).filter(kind=AuditKind.CONTACT_ERASED).count() == 1

    def test_htmx_gets_the_contacts_section(self, admin_client, workspace, person):
        response = admin_client.post(erase_url(workspace, person), HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert response.status_code == 200 and 'id="contacts"' in html and "<html" not in html


class TestDoNotContact:
    def test_marking_shows_it_and_removes_the_links(self, admin_client, workspace, person):
        edit = reverse("records:contact_edit", args=[workspace.slug, person.record_id, person.pk])
        data = {
            "first_name": "Jane",
            "last_name": "Roe",
            "email": "jane.roe@acme.example",
            "phone": "+1 415 555 0101",
            "is_primary": "on",
            "do_not_contact": "on",
        }
        assert admin_client.post(edit, data).status_code == 302
        html = admin_client.get(
            reverse("records:detail", args=[workspace.slug, person.record_id])
        ).content.decode()
        assert "do not contact" in html
        assert "mailto:jane.roe@acme.example" not in html and "tel:+14155550101" not in html
        assert "jane.roe@acme.example" in html  # still readable for reference
        (event,) = AuditEvent.objects.of(workspace).filter(kind=AuditKind.DO_NOT_CONTACT)
        assert event.detail == {"do not contact": "yes"}

    def test_a_contact_that_may_be_contacted_keeps_its_links(self, admin_client, workspace, person):
        html = admin_client.get(
            reverse("records:detail", args=[workspace.slug, person.record_id])
        ).content.decode()
        assert "mailto:jane.roe@acme.example" in html and "do not contact" not in html

    def test_outreach_leaves_them_out(self, workspace, admin, person):
        other = ContactFactory(record=person.record, first_name="Sam")
        erased = ContactFactory(record=person.record, first_name="Gone")
        services.contact_erase(contact=erased, actor=admin.user)
        assert set(selectors.contacts_for_outreach(workspace)) == {person, other}
        services.contact_update(
            contact=person,
            actor=admin.user,
            first_name="Jane",
            do_not_contact=True,
            is_primary=True,
        )
        assert set(selectors.contacts_for_outreach(workspace)) == {other}

"""One e-mail limit and the single-line rule, everywhere (defects 3 and 4 of the trust issue),
and e-mail sent only after the action's transaction commits."""

import importlib
import inspect
import pkgutil
import smtplib
from unittest import mock

import pytest
from django import forms
from django.core import mail
from django.core.exceptions import ValidationError

from playbook import services
from playbook.forms import SingleLineFieldsMixin
from playbook.models import Invitation, Workspace
from playbook.validation import EMAIL_MAX_LENGTH, validate_single_line
from tests.factories import RecordFactory, UserFactory

pytestmark = pytest.mark.django_db

APPS = ("playbook", "records", "pipeline", "customers", "targets")
TOO_LONG_EMAIL = "a" * (EMAIL_MAX_LENGTH - len("@example.com") + 1) + "@example.com"


def _project_form_classes():
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            module = importlib.import_module(info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ == module.__name__ and issubclass(cls, forms.BaseForm):
                    yield cls


def test_every_project_form_refuses_control_characters_in_single_line_fields():
    """A new form must derive from playbook.forms.BaseForm (or use SingleLineFieldsMixin)."""
    found = list(_project_form_classes())
    assert len(found) > 15  # the walk really finds the forms
    missing = [
        f"{c.__module__}.{c.__qualname__}"
        for c in found
        if not issubclass(c, SingleLineFieldsMixin)
    ]
    assert missing == [], (
        "Derive these forms from playbook.forms.BaseForm (single-line fields then refuse control "
        "characters, ADR 0012): " + ", ".join(missing)
    )


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\tb", "a\x00b", "a\u2028b", "a\x85b"])
def test_control_characters_are_refused(value):
    with pytest.raises(ValidationError, match="one line"):
        validate_single_line(value)


def test_ordinary_text_passes():
    validate_single_line("Zoë’s Café — “Ünïcode” 😀 & co.")


def test_workspace_name_with_a_line_break_is_refused_everywhere(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/workspaces/", {"workspace_name": "Acme\nBcc: x@evil.example"})
    assert response.status_code == 400
    assert "one line" in " ".join(response.context["form"].errors["workspace_name"])
    with pytest.raises(ValidationError):
        services.workspace_create(name="Acme\r\nInc", slug="acme", owner=user)
    assert not Workspace.objects.exists()


def test_record_form_and_custom_text_fields_refuse_control_characters(admin_client, workspace):
    record = RecordFactory(workspace=workspace)
    response = admin_client.post(
        f"/w/{workspace.slug}/records/{record.pk}/edit/",
        {"name": "Acme\nCorp", "source": "other", "version": record.version},
    )
    assert response.status_code == 400
    assert "one line" in " ".join(response.context["form"].errors["name"])


def test_overlong_email_is_refused_by_the_invitation_form(admin_client, workspace):
    response = admin_client.post(
        f"/w/{workspace.slug}/members/invite/", {"email": TOO_LONG_EMAIL, "role": "sdr"}
    )
    assert response.status_code == 400
    assert "at most 254" in " ".join(response.context["invite_form"].errors["email"])
    assert not Invitation.objects.exists()


def test_overlong_email_is_refused_by_the_invitation_service(workspace, admin):
    with pytest.raises(ValidationError, match="254"):
        services.invitation_create(
            workspace=workspace,
            email=TOO_LONG_EMAIL,
            role="sdr",
            invited_by=admin.user,
            accept_url_builder=lambda token: token,
        )


def test_invitation_email_goes_out_only_after_commit(workspace, admin):
    with mock.patch("django.db.transaction.on_commit") as on_commit:
        services.invitation_create(
            workspace=workspace,
            email="later@example.com",
            role="sdr",
            invited_by=admin.user,
            accept_url_builder=lambda token: token,
        )
    assert on_commit.call_count == 1
    assert mail.outbox == []


def test_a_mail_server_failure_leaves_the_invitation_whole_and_answers(
    admin_client, workspace, django_capture_on_commit_callbacks
):
    with (
        mock.patch("django.core.mail.EmailMessage.send", side_effect=smtplib.SMTPException("down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = admin_client.post(
            f"/w/{workspace.slug}/members/invite/", {"email": "s@example.com", "role": "sdr"}
        )
    assert response.status_code == 302
    assert Invitation.objects.filter(email="s@example.com").count() == 1


def test_a_legacy_name_that_cannot_be_a_header_saves_nothing(workspace, admin):
    # Stored before the rule (a migration cleans such names; this checks the last line of defence).
    Workspace.objects.filter(pk=workspace.pk).update(name="Acme\nInc")
    workspace.refresh_from_db()
    with pytest.raises(ValidationError, match="cannot be sent"):
        services.invitation_create(
            workspace=workspace,
            email="h@example.com",
            role="sdr",
            invited_by=admin.user,
            accept_url_builder=lambda token: token,
        )
    assert not Invitation.objects.exists()

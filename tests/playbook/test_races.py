"""Check-then-insert races (defect 5 of the trust issue): two requests at the same moment both
pass the Python check; the unique constraint refuses the second, and the person reads the same
message a sequential duplicate gets. Each race is forced by letting the duplicate slip past the
check (patched) so the database is what refuses it."""

from unittest import mock

import pytest
from django.core import signing
from django.core.exceptions import ValidationError

from pipeline import services as pipeline_services
from pipeline.models import LostReason, StageDefinition
from playbook import services
from playbook.models import Invitation, User, Workspace
from tests.factories import (
    InvitationFactory,
    LostReasonFactory,
    StageDefinitionFactory,
    UserFactory,
    WorkspaceFactory,
)

pytestmark = pytest.mark.django_db
GOOD = "a-Sturdy-passphrase-42"


def messages_of(exc_info, field=None):
    exc = exc_info.value
    return " ".join(exc.message_dict[field] if field else exc.messages)


def test_signup_link_opened_twice_at_once(client):
    token = signing.dumps(
        {"email": "twice@example.com", "full_name": "T", "workspace_name": "T", "slug": "t"},
        salt=services.SIGNUP_SALT,
        compress=True,
    )
    UserFactory(email="Twice@example.com")  # the other request's account, committed first
    with pytest.raises(ValidationError) as sequential:
        services.workspace_signup(token=token, password=GOOD, workspace_name="T")
    with (
        mock.patch.object(
            services,
            "signup_details",
            side_effect=lambda token: signing.loads(token, salt=services.SIGNUP_SALT),
        ),
        pytest.raises(ValidationError) as race,
    ):
        services.workspace_signup(token=token, password=GOOD, workspace_name="T")
    assert messages_of(race) == messages_of(sequential) == services.SIGNUP_LINK_USED
    assert User.objects.count() == 1 and not Workspace.objects.exists()


def test_same_workspace_address_at_once(client):
    owner = UserFactory()
    WorkspaceFactory(slug="acme")
    with pytest.raises(ValidationError) as sequential:
        services.workspace_create(name="Acme", slug="acme", owner=owner)
    with (
        mock.patch.object(services, "_check_slug", side_effect=lambda slug: slug),
        pytest.raises(ValidationError) as race,
    ):
        services.workspace_create(name="Acme", slug="acme", owner=owner)
    assert messages_of(race, "workspace_slug") == messages_of(sequential, "workspace_slug")
    assert Workspace.objects.filter(slug="acme").count() == 1


def test_same_lost_reason_at_once(workspace):
    LostReasonFactory(workspace=workspace, label="Too expensive")
    with pytest.raises(ValidationError) as sequential:
        pipeline_services.lost_reason_create(workspace=workspace, label="too EXPENSIVE")
    with (
        mock.patch(
            "pipeline.services.configuration._clean_label", side_effect=lambda ws, label: label
        ),
        pytest.raises(ValidationError) as race,
    ):
        pipeline_services.lost_reason_create(workspace=workspace, label="too EXPENSIVE")
    assert "already on the list" in messages_of(race, "label")
    assert messages_of(race, "label") == messages_of(sequential, "label")
    assert LostReason.objects.of(workspace).count() == 1


def test_same_stage_name_at_once(workspace):
    StageDefinitionFactory(workspace=workspace, name="Demo booked")
    fields = {"name": "demo BOOKED", "team": "sales", "probability": "10"}
    with pytest.raises(ValidationError) as sequential:
        pipeline_services.stage_create(workspace=workspace, **fields)
    real = pipeline_services.configuration._clean_stage_fields
    with (
        mock.patch(
            "pipeline.services.configuration._clean_stage_fields",
            side_effect=lambda ws, f, exclude_pk=None: (
                real(ws, {**f, "name": "Unique"}) | {"name": f["name"]}
            ),
        ),
        pytest.raises(ValidationError) as race,
    ):
        pipeline_services.stage_create(workspace=workspace, **fields)
    assert messages_of(race, "name") == messages_of(sequential, "name")
    assert StageDefinition.objects.of(workspace).filter(name__iexact="demo booked").count() == 1


def test_a_retired_stage_name_may_be_reused(workspace):
    StageDefinitionFactory(workspace=workspace, name="Old", is_retired=True)
    StageDefinitionFactory(workspace=workspace, name="Keep")
    pipeline_services.stage_create(workspace=workspace, name="old", team="sales", probability=5)
    assert StageDefinition.objects.of(workspace).filter(name__iexact="old").count() == 2


def test_two_invitations_for_one_address_at_once(workspace, admin):
    InvitationFactory(workspace=workspace, email="Pat@example.com")  # the other one, committed
    with mock.patch.object(services, "_revoke_pending") as revoke:
        # The first attempt does not see the other invitation (it was not committed yet);
        # the retry revokes it, as a later invitation would.
        calls = []

        def revoke_second_time(ws, email):
            calls.append(email)
            if len(calls) > 1:
                Invitation.objects.filter(workspace=ws, email__iexact=email).update(
                    revoked_at="2026-01-01T00:00:00Z"
                )

        revoke.side_effect = revoke_second_time
        invitation = services.invitation_create(
            workspace=workspace,
            email="pat@example.com",
            role="ae",
            invited_by=admin.user,
            accept_url_builder=lambda token: token,
        )
    assert len(calls) == 2
    pending = Invitation.objects.filter(
        workspace=workspace, accepted_at__isnull=True, revoked_at__isnull=True
    )
    assert list(pending) == [invitation]


def test_database_refuses_a_second_pending_invitation(workspace):
    from django.db import IntegrityError, transaction

    InvitationFactory(workspace=workspace, email="one@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        InvitationFactory(workspace=workspace, email="ONE@example.com")
    # Revoked or accepted ones do not count.
    InvitationFactory(workspace=workspace, email="one@example.com", revoked_at="2026-01-01T00:00Z")

"""The audit log: append-only, written by the services of every security-relevant action, and
shown to admins on /w/<slug>/settings/audit/ with who, when and from which address."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from playbook import selectors, services
from playbook.audit import audit_record, security_record
from playbook.models import (
    AppendOnlyError,
    AuditEvent,
    AuditKind,
    Membership,
    Role,
    SecurityEvent,
    SecurityEventKind,
)
from records import services as record_services
from tests.conftest import login_as
from tests.factories import (
    PASSWORD,
    InvitationFactory,
    MembershipFactory,
    RecordFactory,
    StageDefinitionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
ADDRESS = "198.51.100.23"


def audit_url(workspace, query=""):
    return reverse("audit_log", args=[workspace.slug]) + query


def events(workspace, kind=None):
    qs = AuditEvent.objects.of(workspace).order_by("id")
    return list(qs.filter(kind=kind) if kind else qs)


class TestAppendOnly:
    def test_an_event_cannot_be_changed_or_removed_through_the_model(self, workspace, admin):
        event = audit_record(workspace=workspace, actor=admin.user, kind=AuditKind.EXPORT)
        event.target_label = "rewritten"
        with pytest.raises(AppendOnlyError):
            event.save()
        with pytest.raises(AppendOnlyError):
            event.delete()

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
    def test_the_database_refuses_an_update(self, workspace, admin):
        event = audit_record(workspace=workspace, actor=admin.user, kind=AuditKind.EXPORT)
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditEvent.objects.of(workspace).filter(pk=event.pk).update(kind=AuditKind.IMPORT)
        login = security_record(user=admin.user, kind=SecurityEventKind.LOGIN)
        with pytest.raises(IntegrityError), transaction.atomic():
            SecurityEvent.objects.filter(pk=login.pk).update(kind=SecurityEventKind.LOCKOUT)

    def test_deleting_the_actor_keeps_the_event(self, workspace):
        actor = UserFactory()
        event = audit_record(workspace=workspace, actor=actor, kind=AuditKind.EXPORT)
        actor.delete()
        kept = AuditEvent.objects.of(workspace).get(pk=event.pk)
        assert kept.actor is None and kept.kind == AuditKind.EXPORT

    def test_an_unknown_kind_is_a_programming_error(self, workspace):
        with pytest.raises(ValueError, match="AuditKind"):
            audit_record(workspace=workspace, kind="exported_everything")

    def test_an_action_that_rolls_back_leaves_no_event(self, workspace, admin):
        with pytest.raises(RuntimeError), transaction.atomic():
            audit_record(workspace=workspace, actor=admin.user, kind=AuditKind.EXPORT)
            raise RuntimeError
        assert events(workspace) == []


class TestWhatIsRecorded:
    def test_members_and_invitations(self, admin_client, workspace, admin):
        member = MembershipFactory(workspace=workspace, role=Role.SDR)
        base = f"/w/{workspace.slug}/members"
        admin_client.post(f"{base}/invite/", {"email": "new@example.com", "role": "ae"})
        invitation = InvitationFactory(workspace=workspace, email="other@example.com")
        admin_client.post(f"/w/{workspace.slug}/invitations/{invitation.pk}/revoke/")
        admin_client.post(f"{base}/{member.pk}/role/", {"role": "csm"}, REMOTE_ADDR=ADDRESS)
        admin_client.post(f"{base}/{member.pk}/active/", {"is_active": "0"})
        admin_client.post(f"{base}/{member.pk}/active/", {"is_active": "1"})
        kinds = [e.kind for e in events(workspace)]
        assert kinds == [
            AuditKind.INVITATION_SENT,
            AuditKind.INVITATION_REVOKED,
            AuditKind.ROLE_CHANGED,
            AuditKind.MEMBER_DEACTIVATED,
            AuditKind.MEMBER_REACTIVATED,
        ]
        role = events(workspace, AuditKind.ROLE_CHANGED)[0]
        assert role.actor == admin.user and role.ip_address == ADDRESS
        assert role.detail == {"from": "SDR", "to": "Customer success manager"}
        assert events(workspace, AuditKind.INVITATION_SENT)[0].target_label == "new@example.com"

    def test_accepting_an_invitation(self, client, workspace):
        InvitationFactory(workspace=workspace, email="joe@example.com", token="tok-joe")
        client.post(
            "/invite/tok-joe/",
            {"full_name": "Joe", "password1": PASSWORD, "password2": PASSWORD},
        )
        (event,) = events(workspace, AuditKind.INVITATION_ACCEPTED)
        assert event.actor.email == "joe@example.com"

    def test_stage_and_rule_changes(self, admin_client, workspace, admin):
        from pipeline import services as pipeline_services

        stage = StageDefinitionFactory(workspace=workspace, name="Lead")
        admin_client.post(
            reverse("pipeline:stage_create", args=[workspace.slug]),
            {"name": "Demo", "team": "sales", "probability": "20"},
        )
        rule = pipeline_services.rule_create(
            stage=stage, kind="has_contact", params={}, message="Add a contact."
        )
        pipeline_services.rule_delete(rule=rule)
        stage_events = events(workspace, AuditKind.STAGE_CHANGED)
        assert stage_events[0].detail == {"change": "added"}
        assert stage_events[0].actor == admin.user
        changes = [e.detail["change"] for e in events(workspace, AuditKind.RULE_CHANGED)]
        assert changes == ["added", "removed"]

    def test_record_deletion_and_restore(self, admin_client, workspace, admin):
        record = RecordFactory(workspace=workspace, name="Acme")
        admin_client.post(reverse("records:delete", args=[workspace.slug, record.pk]))
        admin_client.post(reverse("records:restore", args=[workspace.slug, record.pk]))
        kinds = [(e.kind, e.target_label, e.actor) for e in events(workspace)]
        assert kinds == [
            (AuditKind.RECORD_DELETED, "Acme", admin.user),
            (AuditKind.RECORD_RESTORED, "Acme", admin.user),
        ]

    def test_a_service_called_without_a_request_has_no_address(self, workspace, admin):
        record = RecordFactory(workspace=workspace)
        record_services.record_delete(record=record, actor=None)
        (event,) = events(workspace)
        assert event.actor is None and event.ip_address is None


class TestLogins:
    def login(self, client, email, password, ip=ADDRESS):
        return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)

    def test_logins_failures_and_lockouts_are_account_events(self, client, workspace):
        member = MembershipFactory(workspace=workspace, role=Role.AE)
        self.login(client, member.user.email, "wrong")
        self.login(client, member.user.email, PASSWORD)
        client.post("/logout/")
        for n in range(settings.AXES_FAILURE_LIMIT):
            self.login(client, member.user.email.upper(), f"guess-{n}")
        kinds = [e.kind for e in SecurityEvent.objects.filter(user=member.user).order_by("id")]
        assert kinds[:2] == [SecurityEventKind.LOGIN_FAILED, SecurityEventKind.LOGIN]
        assert SecurityEventKind.LOCKOUT in kinds
        assert {e.ip_address for e in SecurityEvent.objects.all()} == {ADDRESS}

    def test_unknown_addresses_leave_no_account_event(self, client):
        self.login(client, "nobody@example.com", "guess")
        assert not SecurityEvent.objects.exists()

    def test_a_password_change_is_recorded(self, client, workspace):
        member = MembershipFactory(workspace=workspace)
        login_as(client, member)
        new = "a-Brand-new-passphrase-77"
        client.post(
            "/account/password/",
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )
        kinds = list(SecurityEvent.objects.filter(user=member.user).values_list("kind", flat=True))
        assert SecurityEventKind.PASSWORD_CHANGED in kinds


class TestAuditPage:
    def test_admins_see_who_when_what_and_from_where(self, admin_client, workspace, admin):
        member = MembershipFactory(workspace=workspace, role=Role.SDR)
        services.membership_change_role(membership=member, role=Role.AE, actor=admin.user)
        SecurityEvent.objects.create(
            user=member.user, kind=SecurityEventKind.LOGIN_FAILED, ip_address="203.0.113.5"
        )
        response = admin_client.get(audit_url(workspace))
        assert response.status_code == 200
        html = response.content.decode()
        assert "Role changed" in html and "from: SDR" in html and admin.user.email in html
        assert "Failed log-in" in html and "203.0.113.5" in html and member.user.email in html

    @pytest.mark.parametrize("role", [r for r in Role.values if r != Role.ADMIN])
    def test_only_admins(self, client, workspace, member_factory, role):
        login_as(client, member_factory(workspace, role))
        assert client.get(audit_url(workspace)).status_code == 403

    def test_another_workspace_and_outsiders_stay_out(self, admin_client, workspace):
        elsewhere = MembershipFactory(role=Role.ADMIN)
        audit_record(workspace=elsewhere.workspace, actor=elsewhere.user, kind=AuditKind.EXPORT)
        SecurityEvent.objects.create(user=elsewhere.user, kind=SecurityEventKind.LOGIN)
        entries, _ = selectors.audit_page(workspace)
        assert entries  # the admin's own log-in, at least
        assert all(e.actor != elsewhere.user for e in entries)
        html = admin_client.get(audit_url(workspace)).content.decode()
        assert "<td>Data exported</td>" not in html and elsewhere.user.email not in html

    def test_a_members_events_before_joining_are_not_shown(self, workspace):
        member = MembershipFactory(workspace=workspace)
        SecurityEvent.objects.create(
            user=member.user,
            kind=SecurityEventKind.LOGIN,
            at=member.joined_at - timedelta(days=1),
        )
        SecurityEvent.objects.create(user=member.user, kind=SecurityEventKind.LOGIN)
        entries, _ = selectors.audit_page(workspace)
        assert len(entries) == 1

    def test_filter_by_kind(self, admin_client, workspace, admin):
        audit_record(workspace=workspace, actor=admin.user, kind=AuditKind.EXPORT)
        audit_record(workspace=workspace, actor=admin.user, kind=AuditKind.IMPORT)
        SecurityEvent.objects.create(user=admin.user, kind=SecurityEventKind.LOGIN)
        html = admin_client.get(audit_url(workspace, "?kind=export")).content.decode()
        assert "<td>Data exported</td>" in html
        assert "<td>Data imported</td>" not in html and "<td>Logged in</td>" not in html
        html = admin_client.get(audit_url(workspace, "?kind=login")).content.decode()
        assert "<td>Logged in</td>" in html and "<td>Data exported</td>" not in html
        assert admin_client.get(audit_url(workspace, "?kind=nonsense")).status_code == 400

    def test_pages_are_keyset_and_merge_both_sources_in_time_order(self, workspace, admin):
        now = timezone.now()
        size = selectors.AUDIT_PAGE_SIZE
        Membership.objects.of(workspace).filter(pk=admin.pk).update(
            joined_at=now - timedelta(days=1)
        )
        for n in range(size):
            AuditEvent.objects.create(
                workspace=workspace, kind=AuditKind.EXPORT, at=now - timedelta(minutes=2 * n)
            )
            SecurityEvent.objects.create(
                user=admin.user, kind=SecurityEventKind.LOGIN, at=now - timedelta(minutes=2 * n + 1)
            )
        seen, cursor, pages = [], None, 0
        while True:
            entries, cursor = selectors.audit_page(workspace, cursor=cursor)
            seen += entries
            pages += 1
            if cursor is None:
                break
        # Every event once, newest first, across the two tables.
        assert len(seen) == 2 * size and pages == 2
        assert [e.at for e in seen] == sorted((e.at for e in seen), reverse=True)
        assert len({(e.source, e.id) for e in seen}) == 2 * size

    def test_a_tampered_cursor_is_refused(self, admin_client, workspace):
        response = admin_client.get(audit_url(workspace, "?cursor=abc"))
        assert response.status_code == 400
        assert "broken or out of date" in response.content.decode()

    def test_bounded_queries(self, admin_client, workspace, admin, django_assert_max_num_queries):
        for _ in range(30):
            audit_record(workspace=workspace, actor=UserFactory(), kind=AuditKind.EXPORT)
            SecurityEvent.objects.create(user=admin.user, kind=SecurityEventKind.LOGIN)
        with django_assert_max_num_queries(12):
            assert admin_client.get(audit_url(workspace)).status_code == 200

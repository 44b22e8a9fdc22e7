"""The audit log (ADR 0014) and the accounts' security events (ADR 0015).

playbook_auditevent is a tenant table: row-level security right after its creation. Both tables
are append-only in the database too (as stage history, ADR 0205): on PostgreSQL a trigger
refuses any UPDATE except setting actor_id to NULL (what deleting a user does). DELETE stays
possible: rows go only with their workspace or account.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from playbook.rls import TenantRowLevelSecurity

FORWARD = """
CREATE FUNCTION playbook_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF (NEW.id, NEW.workspace_id, NEW.at, NEW.kind, NEW.target_type, NEW.target_id,
        NEW.target_label, NEW.detail::text, NEW.ip_address)
       IS DISTINCT FROM
       (OLD.id, OLD.workspace_id, OLD.at, OLD.kind, OLD.target_type, OLD.target_id,
        OLD.target_label, OLD.detail::text, OLD.ip_address)
       OR (NEW.actor_id IS NOT NULL AND NEW.actor_id IS DISTINCT FROM OLD.actor_id)
    THEN
        RAISE EXCEPTION 'The audit log is append-only: event % cannot be changed.', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER playbook_auditevent_append_only
    BEFORE UPDATE ON playbook_auditevent
    FOR EACH ROW EXECUTE FUNCTION playbook_auditevent_append_only();

CREATE FUNCTION playbook_securityevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Security events are append-only: event % cannot be changed.', OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER playbook_securityevent_append_only
    BEFORE UPDATE ON playbook_securityevent
    FOR EACH ROW EXECUTE FUNCTION playbook_securityevent_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS playbook_auditevent_append_only ON playbook_auditevent;
DROP FUNCTION IF EXISTS playbook_auditevent_append_only();
DROP TRIGGER IF EXISTS playbook_securityevent_append_only ON playbook_securityevent;
DROP FUNCTION IF EXISTS playbook_securityevent_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('playbook', '0004_unique_names'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('kind', models.CharField(choices=[('invitation_sent', 'Invitation sent'), ('invitation_revoked', 'Invitation withdrawn'), ('invitation_accepted', 'Invitation accepted'), ('role_changed', 'Role changed'), ('member_deactivated', 'Member deactivated'), ('member_reactivated', 'Member reactivated'), ('stage_changed', 'Stage changed'), ('rule_changed', 'Entry rule changed'), ('record_deleted', 'Record deleted'), ('record_restored', 'Record restored'), ('contact_erased', "Contact's personal data erased"), ('do_not_contact', 'Do not contact changed'), ('export', 'Data exported'), ('import', 'Data imported')], max_length=30)),
                ('target_type', models.CharField(blank=True, max_length=40)),
                ('target_id', models.BigIntegerField(blank=True, null=True)),
                ('target_label', models.CharField(blank=True, max_length=200)),
                ('detail', models.JSONField(blank=True, default=dict)),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('actor', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('workspace', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='playbook.workspace')),
            ],
            options={
                'indexes': [models.Index(fields=['workspace', '-at', '-id'], name='audit_ws_at'), models.Index(fields=['workspace', 'kind', '-at', '-id'], name='audit_ws_kind_at')],
            },
        ),
        TenantRowLevelSecurity("playbook_auditevent"),
        migrations.CreateModel(
            name='SecurityEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('kind', models.CharField(choices=[('login', 'Logged in'), ('login_failed', 'Failed log-in'), ('lockout', 'Locked out'), ('password_changed', 'Password changed')], max_length=20)),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('user', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'indexes': [models.Index(fields=['user', '-at', '-id'], name='securityevent_user_at')],
            },
        ),
        migrations.RunPython(_on_postgresql(FORWARD), _on_postgresql(BACKWARD)),
    ]

"""Row-level security on the tenancy app's tables (ADR 0006).

A member is found before any workspace is in scope: Membership rows of the user named in
`app.user_id` are readable too. An invitee is not a member yet: the invitation whose token hash
is in `app.invitation_token_hash` is readable too. Writes stay bound to `app.workspace_id`.
"""

from django.db import migrations

from playbook.rls import CURRENT_INVITATION, CURRENT_USER, TenantRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("playbook", "0001_initial")]

    operations = [
        TenantRowLevelSecurity("playbook_membership", also_readable=f"user_id = {CURRENT_USER}"),
        TenantRowLevelSecurity(
            "playbook_invitation", also_readable=f"token_hash = {CURRENT_INVITATION}"
        ),
    ]

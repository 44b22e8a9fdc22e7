"""Row-level security on the records app's tables, the field history included (ADR 0006)."""

from django.db import migrations

from playbook.rls import TenantRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("records", "0006_icp_profile_and_last_activity")]

    operations = [
        TenantRowLevelSecurity("records_record"),
        TenantRowLevelSecurity("records_historicalrecord"),
        TenantRowLevelSecurity("records_contact"),
        TenantRowLevelSecurity("records_activity"),
        TenantRowLevelSecurity("records_customfielddefinition"),
    ]

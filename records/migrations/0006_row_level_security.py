"""Row-level security on the records app's tables, the field history included (ADR 0006)."""

from django.db import migrations

from playbook.rls import TenantRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("records", "0005_leaner_write_indexes")]

    operations = [
        TenantRowLevelSecurity("records_record"),
        TenantRowLevelSecurity("records_historicalrecord"),
        TenantRowLevelSecurity("records_contact"),
        TenantRowLevelSecurity("records_activity"),
        TenantRowLevelSecurity("records_customfielddefinition"),
    ]

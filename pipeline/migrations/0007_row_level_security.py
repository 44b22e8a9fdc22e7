"""Row-level security on the pipeline app's tables (ADR 0006)."""

from django.db import migrations

from playbook.rls import TenantRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0006_stagetransition_append_only")]

    operations = [
        TenantRowLevelSecurity("pipeline_stagedefinition"),
        TenantRowLevelSecurity("pipeline_qualificationrule"),
        TenantRowLevelSecurity("pipeline_stagetransition"),
        TenantRowLevelSecurity("pipeline_lostreason"),
    ]

"""Row-level security on the pipeline app's tables (ADR 0006)."""

from django.db import migrations

from playbook.rls import TenantRowLevelSecurity


class Migration(migrations.Migration):
    dependencies = [("pipeline", "0007_rule_kinds_from_the_condition_language")]

    operations = [
        TenantRowLevelSecurity("pipeline_stagedefinition"),
        TenantRowLevelSecurity("pipeline_qualificationrule"),
        TenantRowLevelSecurity("pipeline_stagetransition"),
        TenantRowLevelSecurity("pipeline_lostreason"),
    ]

"""The Customer row (renewal owner, who won it, the handoff) and the Won/Expanded rules.

Existing workspaces get what new ones get from pipeline.defaults (docs/adr/0201, 0301): Won's
interim rules (contract signed, expected ARR entered) are replaced by "has an active
subscription", and Expanded gets "has an expansion since Won". Rules an admin changed or added
are kept; only the interim defaults, unchanged, are removed.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from playbook.rls import TenantRowLevelSecurity

INTERIM_WON = [
    ("flag_set", {"flag": "contract_signed"}),
    ("field_present", {"field": "expected_arr"}),
]
WON_RULE = ("has_subscription", "Record the customer's first subscription (plan and MRR).")
EXPANDED_RULE = ("has_expansion", "No upsell, cross-sell or higher renewal since the win yet.")


def replace_rules(apps, schema_editor):
    Stage = apps.get_model("pipeline", "StageDefinition")
    Rule = apps.get_model("pipeline", "QualificationRule")
    for key, (kind, message), interim in (
        ("won", WON_RULE, INTERIM_WON),
        ("expanded", EXPANDED_RULE, []),
    ):
        for stage in Stage.objects.filter(key=key):
            rules = Rule.objects.filter(workspace_id=stage.workspace_id, stage=stage)
            for rule in rules:
                if (rule.kind, rule.params) in interim:
                    rule.delete()
            if not rules.filter(kind=kind).exists():
                Rule.objects.create(
                    workspace_id=stage.workspace_id,
                    stage=stage,
                    kind=kind,
                    params={},
                    message=message,
                    position=0,
                )


def restore_rules(apps, schema_editor):
    Rule = apps.get_model("pipeline", "QualificationRule")
    Rule.objects.filter(kind__in=[WON_RULE[0], EXPANDED_RULE[0]], params={}).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('pipeline', '0009_rule_kinds_for_subscriptions'),
        ('customers', '0001_ledger'),
        ('playbook', '0001_initial'),
        ('records', '0005_leaner_write_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Customer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('won_at', models.DateTimeField(blank=True, null=True)),
                ('goals', models.TextField(blank=True, verbose_name="customer's goals")),
                ('stakeholders', models.TextField(blank=True)),
                ('risks', models.TextField(blank=True)),
                ('promises', models.TextField(blank=True, verbose_name='promises made')),
                ('mrr', models.DecimalField(decimal_places=2, default=0, max_digits=14, verbose_name='MRR')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('record', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='customer', to='records.record')),
                ('renewal_owner', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('won_by', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('workspace', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='playbook.workspace')),
            ],
            options={
                'indexes': [models.Index(fields=['workspace', '-mrr', 'id'], name='customer_ws_mrr'), models.Index(fields=['workspace', 'renewal_owner'], name='customer_ws_renewal_owner')],
            },
        ),
        TenantRowLevelSecurity("customers_customer"),
        migrations.RunPython(replace_rules, restore_rules),
    ]

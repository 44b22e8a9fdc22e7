"""Renewal alerts, survey responses, expansion opportunities, import jobs, the workspace's
customer settings and the health score on Customer; each new tenant table gets row-level
security right after it is created."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from playbook.rls import TenantRowLevelSecurity


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0002_customer'),
        ('playbook', '0003_workspace_time_zone'),
        ('records', '0007_row_level_security'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CustomerSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('renewal_grace_days', models.PositiveSmallIntegerField(default=14)),
                ('engagement_days', models.PositiveSmallIntegerField(default=30)),
                ('health_weights', models.JSONField(blank=True, default=dict)),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='ExpansionOpportunity',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('upsell', 'Upsell'), ('cross_sell', 'Cross-sell')], max_length=10)),
                ('plan', models.CharField(blank=True, max_length=120)),
                ('expected_mrr', models.DecimalField(decimal_places=2, max_digits=14)),
                ('close_date', models.DateField()),
                ('status', models.CharField(choices=[('open', 'Open'), ('won', 'Won'), ('lost', 'Lost')], default='open', max_length=5)),
                ('note', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name='ImportJob',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(default='subscriptions', max_length=16)),
                ('file_name', models.CharField(max_length=200)),
                ('content', models.TextField()),
                ('status', models.CharField(choices=[('pending', 'Waiting'), ('running', 'Importing'), ('done', 'Imported'), ('failed', 'Refused')], default='pending', max_length=8)),
                ('total_rows', models.PositiveIntegerField(default=0)),
                ('done_rows', models.PositiveIntegerField(default=0)),
                ('errors', models.JSONField(blank=True, default=list)),
                ('summary', models.CharField(blank=True, max_length=300)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name='RenewalAlert',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('term_end', models.DateField()),
                ('window', models.PositiveSmallIntegerField()),
                ('status', models.CharField(choices=[('open', 'Open'), ('snoozed', 'Snoozed'), ('dismissed', 'Dismissed')], default='open', max_length=10)),
                ('snoozed_until', models.DateField(blank=True, null=True)),
                ('status_reason', models.CharField(blank=True, max_length=200)),
                ('notified_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.CreateModel(
            name='SurveyResponse',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('nps', 'NPS'), ('csat', 'CSAT')], max_length=4)),
                ('score', models.PositiveSmallIntegerField()),
                ('comment', models.TextField(blank=True)),
                ('responded_on', models.DateField()),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
        ),
        migrations.AddField(
            model_name='customer',
            name='health_computed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='customer',
            name='health_explanation',
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name='customer',
            name='health_score',
            field=models.PositiveSmallIntegerField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name='customer',
            index=models.Index(fields=['workspace', 'health_score', 'id'], name='customer_ws_health'),
        ),
        migrations.AddField(
            model_name='customersettings',
            name='workspace',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='playbook.workspace'),
        ),
        migrations.AddField(
            model_name='expansionopportunity',
            name='owner',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='expansionopportunity',
            name='record',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='records.record'),
        ),
        migrations.AddField(
            model_name='expansionopportunity',
            name='subscription',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='customers.subscription'),
        ),
        migrations.AddField(
            model_name='expansionopportunity',
            name='workspace',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='playbook.workspace'),
        ),
        migrations.AddField(
            model_name='importjob',
            name='created_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='importjob',
            name='workspace',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='playbook.workspace'),
        ),
        migrations.AddField(
            model_name='renewalalert',
            name='owner',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='renewalalert',
            name='record',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='records.record'),
        ),
        migrations.AddField(
            model_name='renewalalert',
            name='subscription',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='customers.subscription'),
        ),
        migrations.AddField(
            model_name='renewalalert',
            name='task',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='records.activity'),
        ),
        migrations.AddField(
            model_name='renewalalert',
            name='workspace',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='playbook.workspace'),
        ),
        migrations.AddField(
            model_name='surveyresponse',
            name='contact',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='records.contact'),
        ),
        migrations.AddField(
            model_name='surveyresponse',
            name='logged_by',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='surveyresponse',
            name='record',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='records.record'),
        ),
        migrations.AddField(
            model_name='surveyresponse',
            name='workspace',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='playbook.workspace'),
        ),
        migrations.AddIndex(
            model_name='expansionopportunity',
            index=models.Index(fields=['workspace', 'record', 'status'], name='opportunity_ws_record'),
        ),
        migrations.AddIndex(
            model_name='expansionopportunity',
            index=models.Index(fields=['workspace', 'status', 'close_date'], name='opportunity_ws_open'),
        ),
        migrations.AddConstraint(
            model_name='expansionopportunity',
            constraint=models.CheckConstraint(condition=models.Q(('expected_mrr__gt', 0)), name='opportunity_mrr_positive'),
        ),
        migrations.AddIndex(
            model_name='importjob',
            index=models.Index(fields=['workspace', '-created_at'], name='import_ws_created'),
        ),
        migrations.AddIndex(
            model_name='renewalalert',
            index=models.Index(fields=['workspace', 'term_end', 'id'], name='alert_ws_term_end'),
        ),
        migrations.AddConstraint(
            model_name='renewalalert',
            constraint=models.UniqueConstraint(fields=('workspace', 'subscription', 'term_end', 'window'), name='renewal_alert_once_per_window'),
        ),
        migrations.AddIndex(
            model_name='surveyresponse',
            index=models.Index(fields=['workspace', 'responded_on'], name='survey_ws_date'),
        ),
        migrations.AddIndex(
            model_name='surveyresponse',
            index=models.Index(fields=['workspace', 'record', '-responded_on', '-id'], name='survey_ws_record'),
        ),
        migrations.AddConstraint(
            model_name='surveyresponse',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'nps'), ('score__lte', 10)), models.Q(('kind', 'csat'), ('score__gte', 1), ('score__lte', 5)), _connector='OR'), name='survey_score_in_range'),
        ),
        # Each new table's policy, once its workspace column exists (added above).
        TenantRowLevelSecurity("customers_expansionopportunity"),
        TenantRowLevelSecurity("customers_importjob"),
        TenantRowLevelSecurity("customers_renewalalert"),
        TenantRowLevelSecurity("customers_surveyresponse"),
        TenantRowLevelSecurity("customers_customersettings"),
    ]

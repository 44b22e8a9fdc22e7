"""The SQL that derives each MRR ledger row's movement kind (docs/adr/0300, docs/customers.md).

It is a database view so that rollups aggregate it in the database and a backdated row changes
every later kind at once. Event by event, in effective-date order (ties in recorded order, `id`):

1. `previous_mrr`: the subscription's MRR before the row (LAG over the subscription's rows);
   `delta` = mrr - previous_mrr.
2. `customer_mrr_after`: running SUM of deltas over the customer's rows, i.e. the customer's
   total MRR just after the row; `customer_mrr_before` = after - delta.
3. `kind`: 0 -> x new (no earlier increase) or reactivation (an earlier increase: paid before);
   x -> 0 churn; up expansion; down but above 0 contraction; no change NULL.

Every window partitions by workspace_id and record_id first (the subscription belongs to one
record), so a filter on workspace, or on workspace and record, is pushed below the windows by
PostgreSQL: a customer's page reads its own rows only. ROUND(.., 2) keeps SQLite's floating point
sums exact to the cent; on PostgreSQL's numeric it changes nothing.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from playbook.rls import TenantRowLevelSecurity


VIEW = "customers_classified_movement"

SELECT = """
WITH steps AS (
    SELECT m.id, m.workspace_id, m.record_id, m.subscription_id, m.effective_on, m.action, m.mrr,
           COALESCE(LAG(m.mrr) OVER (
               PARTITION BY m.workspace_id, m.record_id, m.subscription_id
               ORDER BY m.effective_on, m.id
           ), 0) AS previous_mrr
    FROM customers_mrrmovement m
),
totals AS (
    SELECT s.*,
           ROUND(s.mrr - s.previous_mrr, 2) AS delta,
           ROUND(SUM(s.mrr - s.previous_mrr) OVER (
               PARTITION BY s.workspace_id, s.record_id
               ORDER BY s.effective_on, s.id ROWS UNBOUNDED PRECEDING
           ), 2) AS customer_mrr_after,
           COALESCE(SUM(CASE WHEN s.mrr > s.previous_mrr THEN 1 ELSE 0 END) OVER (
               PARTITION BY s.workspace_id, s.record_id
               ORDER BY s.effective_on, s.id
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
           ), 0) AS increases_before
    FROM steps s
)
SELECT id, workspace_id, record_id, subscription_id, effective_on, action, mrr, previous_mrr,
       delta,
       ROUND(customer_mrr_after - delta, 2) AS customer_mrr_before,
       customer_mrr_after,
       CASE
           WHEN delta = 0 THEN NULL
           WHEN ROUND(customer_mrr_after - delta, 2) = 0 THEN
               CASE WHEN increases_before > 0 THEN 'reactivation' ELSE 'new' END
           WHEN customer_mrr_after = 0 THEN 'churn'
           WHEN delta > 0 THEN 'expansion'
           ELSE 'contraction'
       END AS kind
FROM totals
"""


def create_view_sql(vendor: str) -> str:
    # security_invoker (PostgreSQL 15+): the view reads the ledger as the querying role, so the
    # ledger's row-level security applies through it (a view otherwise runs as its owner).
    options = " WITH (security_invoker = true)" if vendor == "postgresql" else ""
    return f"CREATE VIEW {VIEW}{options} AS {SELECT}"


DROP_VIEW = f"DROP VIEW IF EXISTS {VIEW}"

# Append-only on PostgreSQL (as stage history, ADR 0205): any UPDATE is refused, except setting
# actor to NULL, which deleting a user does (on_delete=SET_NULL). DELETE happens only with the
# subscription's record or workspace, taking its history along.
TRIGGER = """
CREATE FUNCTION customers_mrrmovement_append_only() RETURNS trigger AS $$
BEGIN
    IF (NEW.id, NEW.workspace_id, NEW.subscription_id, NEW.record_id, NEW.effective_on, NEW.mrr,
        NEW.action, NEW.reason, NEW.note, NEW.recorded_at)
       IS DISTINCT FROM
       (OLD.id, OLD.workspace_id, OLD.subscription_id, OLD.record_id, OLD.effective_on, OLD.mrr,
        OLD.action, OLD.reason, OLD.note, OLD.recorded_at)
       OR (NEW.actor_id IS NOT NULL AND NEW.actor_id IS DISTINCT FROM OLD.actor_id)
    THEN
        RAISE EXCEPTION 'The MRR ledger is append-only: row % cannot be changed.', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER customers_mrrmovement_append_only
    BEFORE UPDATE ON customers_mrrmovement
    FOR EACH ROW EXECUTE FUNCTION customers_mrrmovement_append_only();
"""

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS customers_mrrmovement_append_only ON customers_mrrmovement;
DROP FUNCTION IF EXISTS customers_mrrmovement_append_only();
"""


def _run(forward_sql_of_vendor):
    def run(apps, schema_editor):
        sql = forward_sql_of_vendor(schema_editor.connection.vendor)
        if sql:
            schema_editor.execute(sql, params=None)

    return run


def _trigger(vendor):
    return TRIGGER if vendor == "postgresql" else ""


def _drop_trigger(vendor):
    return DROP_TRIGGER if vendor == "postgresql" else ""



class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('playbook', '0001_initial'),
        ('records', '0005_leaner_write_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ClassifiedMovement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('effective_on', models.DateField()),
                ('action', models.CharField(choices=[('start', 'Started'), ('cross_sell', 'Cross-sell'), ('upsell', 'Upsell'), ('downgrade', 'Downgrade'), ('renew', 'Renewed'), ('auto_renew', 'Renewed automatically'), ('cancel', 'Cancelled'), ('lapse', 'Not renewed (churned at term end)'), ('reactivate', 'Reactivated'), ('import', 'Imported')], max_length=12)),
                ('mrr', models.DecimalField(decimal_places=2, max_digits=14)),
                ('previous_mrr', models.DecimalField(decimal_places=2, max_digits=14)),
                ('delta', models.DecimalField(decimal_places=2, max_digits=14)),
                ('customer_mrr_before', models.DecimalField(decimal_places=2, max_digits=14)),
                ('customer_mrr_after', models.DecimalField(decimal_places=2, max_digits=14)),
                ('kind', models.CharField(choices=[('new', 'New'), ('expansion', 'Expansion'), ('contraction', 'Contraction'), ('churn', 'Churn'), ('reactivation', 'Reactivation')], max_length=12, null=True)),
            ],
            options={
                'db_table': 'customers_classified_movement',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='Subscription',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('external_id', models.CharField(blank=True, max_length=100, verbose_name='billing id')),
                ('plan', models.CharField(blank=True, max_length=120)),
                ('mrr', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='MRR')),
                ('status', models.CharField(choices=[('active', 'Active'), ('cancelled', 'Cancelled')], default='active', max_length=10)),
                ('started_on', models.DateField()),
                ('term_months', models.PositiveSmallIntegerField(default=12)),
                ('term_end', models.DateField()),
                ('auto_renew', models.BooleanField(default=False)),
                ('cancelled_on', models.DateField(blank=True, null=True)),
                ('cancel_reason', models.CharField(blank=True, max_length=200)),
                ('version', models.PositiveIntegerField(default=1)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('record', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='subscriptions', to='records.record')),
                ('workspace', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='playbook.workspace')),
            ],
        ),
        TenantRowLevelSecurity("customers_subscription"),
        migrations.CreateModel(
            name='MrrMovement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('effective_on', models.DateField()),
                ('mrr', models.DecimalField(decimal_places=2, max_digits=14, verbose_name='MRR from that date')),
                ('action', models.CharField(choices=[('start', 'Started'), ('cross_sell', 'Cross-sell'), ('upsell', 'Upsell'), ('downgrade', 'Downgrade'), ('renew', 'Renewed'), ('auto_renew', 'Renewed automatically'), ('cancel', 'Cancelled'), ('lapse', 'Not renewed (churned at term end)'), ('reactivate', 'Reactivated'), ('import', 'Imported')], max_length=12)),
                ('reason', models.CharField(blank=True, max_length=200)),
                ('note', models.TextField(blank=True)),
                ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('actor', models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('record', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='records.record')),
                ('workspace', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='playbook.workspace')),
                ('subscription', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='movements', to='customers.subscription')),
            ],
        ),
        TenantRowLevelSecurity("customers_mrrmovement"),
        migrations.AddIndex(
            model_name='subscription',
            index=models.Index(fields=['workspace', 'record'], name='subscription_ws_record'),
        ),
        migrations.AddIndex(
            model_name='subscription',
            index=models.Index(condition=models.Q(('status', 'active')), fields=['workspace', 'term_end'], name='subscription_ws_active_end'),
        ),
        migrations.AddConstraint(
            model_name='subscription',
            constraint=models.UniqueConstraint(condition=models.Q(('external_id', ''), _negated=True), fields=('workspace', 'external_id'), name='subscription_unique_billing_id'),
        ),
        migrations.AddConstraint(
            model_name='subscription',
            constraint=models.CheckConstraint(condition=models.Q(('mrr__gte', 0)), name='subscription_mrr_not_negative'),
        ),
        migrations.AddConstraint(
            model_name='subscription',
            constraint=models.CheckConstraint(condition=models.Q(('term_end__gt', models.F('started_on'))), name='subscription_term_after_start'),
        ),
        migrations.AddIndex(
            model_name='mrrmovement',
            index=models.Index(fields=['workspace', 'record', 'effective_on', 'id'], name='movement_ws_record'),
        ),
        migrations.AddIndex(
            model_name='mrrmovement',
            index=models.Index(fields=['workspace', 'subscription', 'effective_on', 'id'], name='movement_ws_subscription'),
        ),
        migrations.AddIndex(
            model_name='mrrmovement',
            index=models.Index(fields=['workspace', 'effective_on'], name='movement_ws_date'),
        ),
        migrations.AddConstraint(
            model_name='mrrmovement',
            constraint=models.CheckConstraint(condition=models.Q(('mrr__gte', 0)), name='movement_mrr_not_negative'),
        ),
        migrations.RunPython(_run(_trigger), _run(_drop_trigger)),
        migrations.RunPython(_run(create_view_sql), _run(lambda vendor: DROP_VIEW)),
    ]

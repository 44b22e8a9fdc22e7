"""Post-sale: subscriptions and the append-only MRR ledger that is the only source of MRR.

A ledger row says "from this date, this subscription's MRR is X". Its movement kind (new,
expansion, contraction, churn, reactivation) is never stored: it depends on every other row of the
customer in effective-date order, so a backdated row would leave a stored kind stale. The view
behind `ClassifiedMovement` derives it (docs/customers.md, docs/adr/0300).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from playbook.models import TenantModel


class Customer(TenantModel):
    """The post-sale side of a Record, created when it is won (or first billed): who renews it,
    who won it, the handoff to Customer Success, and figures the customer list filters on.

    Records never import customers (imports point down), so what only customers need lives here,
    one row per record (docs/adr/0301). The CSM is the record's owner."""

    record = models.OneToOneField(
        "records.Record", on_delete=models.CASCADE, related_name="customer"
    )
    renewal_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # The win is credited to the AE who moved the record to Won (the transition's previous
    # owner), never to the CSM who owns it afterwards.
    won_at = models.DateTimeField(null=True, blank=True)
    won_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    goals = models.TextField("customer's goals", blank=True)
    stakeholders = models.TextField(blank=True)
    risks = models.TextField(blank=True)
    promises = models.TextField("promises made", blank=True)
    # Sum of the active subscriptions' MRR, kept by customers.services with each ledger row
    # (under the subscription's lock) so the customer list filters and sorts on an index.
    mrr = models.DecimalField("MRR", max_digits=14, decimal_places=2, default=0)
    # Health (customers.health): 0-100 and the points that add up to it, recomputed nightly and
    # after each change that feeds it.
    health_score = models.PositiveSmallIntegerField(null=True, blank=True)
    health_explanation = models.JSONField(default=list, blank=True)
    health_computed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # The list: largest MRR first, id the keyset tie-breaker in the same direction.
            models.Index(fields=["workspace", "-mrr", "-id"], name="customer_ws_mrr_desc"),
            models.Index(fields=["workspace", "health_score", "id"], name="customer_ws_health"),
            models.Index(fields=["workspace", "renewal_owner"], name="customer_ws_renewal_owner"),
            # The at-risk ARR (customers.selectors.customers.at_risk_arr: paying customers under
            # health 70, per band) read from the index alone: the rows are wide (the health
            # explanation), so a scan of the table read 36 times the pages (docs/PERFORMANCE.md).
            models.Index(
                fields=["workspace", "health_score"],
                include=["mrr", "record"],
                condition=Q(mrr__gt=0),
                name="customer_ws_paying_health",
            ),
            # The scores' ARR weights (customers.selectors.surveys): each response's customer
            # found by (workspace, record) with its MRR, from the index alone; and a CSM's
            # customers (joined from their records) counted and summed per health band.
            models.Index(
                fields=["workspace", "record"],
                include=["mrr", "health_score"],
                name="customer_ws_record",
            ),
        ]

    def __str__(self):
        return f"Customer {self.record_id}"

    @property
    def arr(self):
        return self.mrr * 12


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CANCELLED = "cancelled", "Cancelled"


class Subscription(TenantModel):
    """One billed subscription of a customer (a Record). `mrr` and `status` mirror the
    subscription's latest ledger row; only customers.services writes them, in the same
    transaction as the row, while holding this row's lock."""

    record = models.ForeignKey(
        "records.Record", on_delete=models.CASCADE, related_name="subscriptions"
    )
    # The subscription's id in the billing system (imports match on it); unique per workspace.
    external_id = models.CharField("billing id", max_length=100, blank=True)
    plan = models.CharField(max_length=120, blank=True)
    mrr = models.DecimalField("MRR", max_digits=14, decimal_places=2)
    status = models.CharField(
        max_length=10, choices=SubscriptionStatus.choices, default=SubscriptionStatus.ACTIVE
    )
    started_on = models.DateField()
    term_months = models.PositiveSmallIntegerField(default=12)
    # The end of the current term (exclusive of renewal): renewals extend it by a term.
    term_end = models.DateField()
    auto_renew = models.BooleanField(default=False)
    cancelled_on = models.DateField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    # Optimistic concurrency: an action carries the version it was shown; a stale one is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "external_id"],
                condition=~Q(external_id=""),
                name="subscription_unique_billing_id",
            ),
            models.CheckConstraint(condition=Q(mrr__gte=0), name="subscription_mrr_not_negative"),
            models.CheckConstraint(
                condition=Q(term_end__gt=models.F("started_on")),
                name="subscription_term_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "record"], name="subscription_ws_record"),
            # The renewal job and the renewals page walk active subscriptions by term end.
            models.Index(
                fields=["workspace", "term_end"],
                name="subscription_ws_active_end",
                condition=Q(status="active"),
            ),
        ]

    def __str__(self):
        return self.plan or self.external_id or f"Subscription {self.pk}"

    @property
    def arr(self):
        return self.mrr * 12

    @property
    def is_active(self) -> bool:
        return self.status == SubscriptionStatus.ACTIVE


class MovementAction(models.TextChoices):
    """What a person or job did to write a ledger row. Not the movement kind (derived)."""

    START = "start", "Started"
    CROSS_SELL = "cross_sell", "Cross-sell"
    UPSELL = "upsell", "Upsell"
    DOWNGRADE = "downgrade", "Downgrade"
    RENEW = "renew", "Renewed"
    AUTO_RENEW = "auto_renew", "Renewed automatically"
    CANCEL = "cancel", "Cancelled"
    LAPSE = "lapse", "Not renewed (churned at term end)"
    REACTIVATE = "reactivate", "Reactivated"
    IMPORT = "import", "Imported"


class MovementKind(models.TextChoices):
    NEW = "new", "New"
    EXPANSION = "expansion", "Expansion"
    CONTRACTION = "contraction", "Contraction"
    CHURN = "churn", "Churn"
    REACTIVATION = "reactivation", "Reactivation"


class ChurnReason(models.TextChoices):
    PRICE = "price", "Too expensive"
    BUDGET = "budget", "Budget cut"
    COMPETITOR = "competitor", "Moved to a competitor"
    PRODUCT_FIT = "product_fit", "Product does not fit their needs"
    ADOPTION = "adoption", "Low adoption"
    SUPPORT = "support", "Unhappy with support"
    CLOSED = "closed", "Went out of business"
    ACQUIRED = "acquired", "Acquired or merged"
    NOT_RENEWED = "not_renewed", "Did not renew by the end of the term"
    OTHER = "other", "Other"


class AppendOnlyError(Exception):
    pass


class MrrMovement(TenantModel):
    """One ledger row: from `effective_on`, `subscription`'s MRR is `mrr` (0 = cancelled).

    Append-only (docs/adr/0300): the model refuses save() of an existing row and delete(); on
    PostgreSQL a trigger refuses UPDATE. Rows on one date are ordered by `id` (recorded order).
    `record` repeats the subscription's record so the derivation can partition by customer."""

    # Looked up through the indexes below, which lead with workspace.
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="movements", db_index=False
    )
    record = models.ForeignKey(
        "records.Record", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    effective_on = models.DateField()
    mrr = models.DecimalField("MRR from that date", max_digits=14, decimal_places=2)
    action = models.CharField(max_length=12, choices=MovementAction.choices)
    reason = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(mrr__gte=0), name="movement_mrr_not_negative"),
            # The renewal job churns a subscription at a term end once: a person's row dated
            # after the term end (an upsell in the grace period) must not make it churn again
            # every day (customers.services.renewals).
            models.UniqueConstraint(
                fields=["workspace", "subscription", "effective_on"],
                condition=Q(action="lapse"),
                name="movement_one_lapse_per_term_end",
            ),
        ]
        indexes = [
            # The derivation's order within a customer; a customer's MRR on a date.
            models.Index(
                fields=["workspace", "record", "effective_on", "id"], name="movement_ws_record"
            ),
            models.Index(
                fields=["workspace", "subscription", "effective_on", "id"],
                name="movement_ws_subscription",
            ),
            # Monthly rollups filter by date.
            models.Index(fields=["workspace", "effective_on"], name="movement_ws_date"),
        ]

    def __str__(self):
        return f"{self.subscription_id} {self.effective_on}: {self.mrr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("The MRR ledger is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The MRR ledger is append-only.")


class ClassifiedMovement(TenantModel):
    """Read-only: every ledger row with its derived kind and the customer's total MRR just
    before and after it (the database view `customers_classified_movement`, migration 0002).

    `kind` is NULL for a row that does not change the subscription's MRR (a renewal at the same
    price). Filter by workspace (and record) first: the view partitions by them, so PostgreSQL
    pushes those filters below the window functions."""

    # DO_NOTHING everywhere: a view is never deleted from; deleting a workspace, record or
    # subscription deletes the ledger rows the view reads.
    workspace = models.ForeignKey(
        "playbook.Workspace", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    subscription = models.ForeignKey(
        Subscription, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    record = models.ForeignKey(
        "records.Record", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    effective_on = models.DateField()
    action = models.CharField(max_length=12, choices=MovementAction.choices)
    mrr = models.DecimalField(max_digits=14, decimal_places=2)
    previous_mrr = models.DecimalField(max_digits=14, decimal_places=2)
    delta = models.DecimalField(max_digits=14, decimal_places=2)
    customer_mrr_before = models.DecimalField(max_digits=14, decimal_places=2)
    customer_mrr_after = models.DecimalField(max_digits=14, decimal_places=2)
    kind = models.CharField(max_length=12, choices=MovementKind.choices, null=True)

    class Meta:
        managed = False
        db_table = "customers_classified_movement"

    def save(self, *args, **kwargs):
        raise AppendOnlyError("Classified movements are derived; write MrrMovement rows.")

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Classified movements are derived; write MrrMovement rows.")


class CustomerSettings(TenantModel):
    """A workspace's customer-success settings (admins edit them)."""

    workspace = models.OneToOneField(
        "playbook.Workspace", on_delete=models.CASCADE, related_name="+"
    )
    # A subscription that does not renew automatically and was not renewed churns this many
    # days after its term end (the churn row is dated the term end).
    renewal_grace_days = models.PositiveSmallIntegerField(default=14)
    # "Engagements due": customers with no engagement in this many days.
    engagement_days = models.PositiveSmallIntegerField(default=30)
    # Health signal weights by key (customers.health.SIGNALS); missing keys use the defaults.
    health_weights = models.JSONField(default=dict, blank=True)

    def __str__(self):
        return f"Customer settings of {self.workspace_id}"


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    SNOOZED = "snoozed", "Snoozed"
    DISMISSED = "dismissed", "Dismissed"


RENEWAL_WINDOWS = (120, 90, 60, 30)


class RenewalAlert(TenantModel):
    """An upcoming renewal, created by the daily job at 120/90/60/30 days before the term end,
    exactly once per (subscription, term end, window): the unique constraint, not a check."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="alerts", db_index=False
    )
    record = models.ForeignKey(
        "records.Record", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    term_end = models.DateField()
    window = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=AlertStatus.choices, default="open")
    snoozed_until = models.DateField(null=True, blank=True)
    status_reason = models.CharField(max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    # The renewal owner's task and e-mail: set by the job once done, so a run killed half-way
    # finishes them next time without doing either twice.
    task = models.ForeignKey(
        "records.Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "subscription", "term_end", "window"],
                name="renewal_alert_once_per_window",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "term_end", "id"], name="alert_ws_term_end"),
        ]

    def __str__(self):
        return f"Renewal of {self.subscription_id} on {self.term_end} ({self.window} days)"


class SurveyKind(models.TextChoices):
    NPS = "nps", "NPS"
    CSAT = "csat", "CSAT"


class SurveyResponse(TenantModel):
    """One NPS (0-10) or CSAT (1-5) answer of a customer's contact."""

    record = models.ForeignKey(
        "records.Record", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    contact = models.ForeignKey(
        "records.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=4, choices=SurveyKind.choices)
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    responded_on = models.DateField()
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The record's customer (its MRR weighs the response in the ARR-weighted NPS), joined on
    # (workspace, record) directly: reached through `record__customer` the join went through
    # every row of records_record (260 ms of the leader's health panel at 100k records). No
    # column: the join uses workspace_id and record_id; a record without a customer joins none.
    customer = models.ForeignObject(
        "customers.Customer",
        on_delete=models.DO_NOTHING,
        from_fields=["workspace", "record"],
        to_fields=["workspace", "record"],
        null=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="nps") & Q(score__lte=10))
                | (Q(kind="csat") & Q(score__gte=1) & Q(score__lte=5)),
                name="survey_score_in_range",
            ),
        ]
        indexes = [
            # The scores of the last 90 days (customers.selectors.surveys) from the index alone.
            models.Index(
                fields=["workspace", "responded_on"],
                include=["kind", "score", "record", "id"],
                name="survey_ws_date",
            ),
            models.Index(
                fields=["workspace", "record", "-responded_on", "-id"], name="survey_ws_record"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.score} ({self.responded_on})"


class SurveyDay(TenantModel):
    """The answers of one day, kind and score, counted, with the current MRR of each answer's
    customer summed: the workspace's NPS, CSAT and ARR-weighted NPS over 90 days read about a
    thousand of these rows instead of every answer joined to its customer (440 ms at 1M
    records, docs/PERFORMANCE.md).

    Written only by PostgreSQL triggers (the `survey_days` migration), so every writer of
    answers or of a customer's MRR keeps it exact: the services, the set-based renewal job, the
    imports' bulk updates, merges moving answers, deletes. An answer adds (1, its customer's
    MRR); a change of a customer's MRR adds the difference once per answer of that customer.
    The figures are customers.selectors.surveys.scores; other databases compute them live."""

    # No database constraint: deleting a workspace deletes its answers, whose triggers may
    # write a row here after this table's rows of the workspace were deleted.
    workspace = models.ForeignKey(
        "playbook.Workspace",
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    day = models.DateField()
    kind = models.CharField(max_length=4, choices=SurveyKind.choices)
    score = models.PositiveSmallIntegerField()
    responses = models.IntegerField(default=0)
    mrr = models.DecimalField(max_digits=20, decimal_places=2, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "day", "kind", "score"], name="surveyday_unique"
            ),
        ]

    def __str__(self):
        return f"{self.day} {self.kind} {self.score}: {self.responses}"


class OpportunityKind(models.TextChoices):
    UPSELL = "upsell", "Upsell"
    CROSS_SELL = "cross_sell", "Cross-sell"


class OpportunityStatus(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class ExpansionOpportunity(TenantModel):
    """An upsell or cross-sell in the works, on the customer's own record (never a second
    record). Winning it performs the upsell (of `subscription`) or the cross-sell (a new one)."""

    record = models.ForeignKey(
        "records.Record", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    kind = models.CharField(max_length=10, choices=OpportunityKind.choices)
    subscription = models.ForeignKey(
        Subscription, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    plan = models.CharField(max_length=120, blank=True)
    expected_mrr = models.DecimalField(max_digits=14, decimal_places=2)
    close_date = models.DateField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    status = models.CharField(max_length=5, choices=OpportunityStatus.choices, default="open")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_mrr__gt=0), name="opportunity_mrr_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "record", "status"], name="opportunity_ws_record"),
            models.Index(fields=["workspace", "status", "close_date"], name="opportunity_ws_open"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.record_id}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    RUNNING = "running", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Refused"


class ImportJob(TenantModel):
    """An uploaded billing-history (or survey) CSV and its progress. All or nothing: `errors`
    lists every bad row, and then nothing of the file is saved."""

    kind = models.CharField(max_length=16, default="subscriptions")
    file_name = models.CharField(max_length=200)
    content = models.TextField()
    status = models.CharField(max_length=8, choices=ImportStatus.choices, default="pending")
    total_rows = models.PositiveIntegerField(default=0)
    done_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-created_at"], name="import_ws_created")]

    def __str__(self):
        return self.file_name

"""Customer success at a glance (the CSM home): customers by health (worst first), engagements
due and handoffs not yet called. Each is a reading of the customer list's filters or of My
tasks, so a number and the list behind it agree. `csm_id` None means every CSM (what a leader
or an admin sees). NPS and CSAT are customers.selectors.surveys.scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Sum

from customers.models import Customer
from customers.selectors.customers import BAND_ORDER, HEALTH_BANDS, CustomerFilters, customers
from customers.services.won import HANDOFF_CALL_SUBJECT
from records.selectors.tasks import open_tasks

ZERO = Decimal("0")
LIST_SIZE = 5


@dataclass(frozen=True)
class Band:
    key: str
    label: str
    count: int
    arr: Decimal


@dataclass
class Health:
    bands: list[Band]
    worst: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(b.count for b in self.bands)


def customers_by_health(workspace, *, csm_id, today) -> Health:
    """The customers per health band, worst band first, with their ARR; and the lowest
    scores. Two queries."""
    rows = customers(workspace, CustomerFilters(csm_id=csm_id), today=today)
    sums = {}
    # Counted by record, not id: the index (workspace, record) carries MRR and health score, so
    # the CSM's book is read from it alone (docs/PERFORMANCE.md, "Panels that read every deal,
    # task or customer").
    for key, _label in BAND_ORDER:
        sums[f"{key}_n"] = Count("record", filter=HEALTH_BANDS[key])
        sums[f"{key}_mrr"] = Sum("mrr", filter=HEALTH_BANDS[key])
    got = rows.aggregate(**sums)
    bands = [
        Band(key, label, got[f"{key}_n"], (got[f"{key}_mrr"] or ZERO) * 12)
        for key, label in BAND_ORDER
    ]
    worst = (
        rows.filter(health_score__isnull=False)
        .select_related("record")
        .order_by("health_score", "id")[:LIST_SIZE]
    )
    return Health(bands=bands, worst=list(worst))


@dataclass
class Due:
    count: int
    arr: Decimal
    customers: list


def engagements_due(workspace, *, csm_id, today, engagement_days) -> Due:
    """Paying customers with no engagement in `engagement_days`: the customer list's "Engagement
    due" filter, counted, and the quietest few. Three queries.

    Both readings touch only indexed columns (the records' owner index carries the last
    activity, the customers' (workspace, record) index the MRR), and the few customers listed
    are then read whole: sorting the wide customer rows of a whole book to keep five spilled
    to disk (350 ms for a CSM's 475 due customers at 100k records)."""
    rows = customers(
        workspace,
        CustomerFilters(csm_id=csm_id, engagement_due=True),
        today=today,
        engagement_days=engagement_days,
    )
    got = rows.aggregate(n=Count("record"), mrr=Sum("mrr"))
    quietest = list(
        rows.order_by(F("record__last_activity_at").asc(nulls_first=True), "record_id").values_list(
            "record_id", flat=True
        )[:LIST_SIZE]
    )
    listed = {
        c.record_id: c
        for c in Customer.objects.of(workspace)
        .filter(record_id__in=quietest)
        .select_related("record")
    }
    return Due(got["n"], (got["mrr"] or ZERO) * 12, [listed[r] for r in quietest if r in listed])


@dataclass
class Handoffs:
    count: int
    tasks: list


def handoffs_not_called(workspace, *, csm_id) -> Handoffs:
    """Open "Handoff call" tasks (left for the CSM when a deal is won), oldest due first: the
    My tasks list filtered by that subject. Two queries."""
    rows = open_tasks(workspace, assignee_id=csm_id, subject=HANDOFF_CALL_SUBJECT)
    listed = rows.select_related("record", "assignee").order_by(
        F("due_at").asc(nulls_last=True), "id"
    )[:LIST_SIZE]
    return Handoffs(rows.count(), list(listed))

"""The health score of a customer: 0-100 from weighted signals, explained point by point with
the same function as the ICP score (records.scoring.explain), so the page and the stored score
cannot disagree. Recomputed nightly for every customer and after each change that feeds it
(a survey, a subscription action); set-based per chunk of customers: a constant number of
queries per chunk, and only changed rows are written."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from customers.models import (
    ClassifiedMovement,
    Customer,
    MovementKind,
    Subscription,
    SurveyResponse,
)
from playbook.sql import AnyOf
from records import scoring
from records.models import Activity, ActivityKind, Record

CHUNK = 1000


@dataclass(frozen=True)
class Signal:
    key: str
    label: str  # {days}: the workspace's engagement days
    weight: int


SIGNALS = (
    Signal("nps", "Latest NPS is a promoter's (9-10)", 25),
    Signal("csat", "Latest CSAT is satisfied (4-5)", 15),
    Signal("engagement", "An engagement in the last {days} days", 20),
    Signal("tasks", "No overdue tasks", 15),
    Signal("mrr_trend", "No contraction or churn in the last 90 days", 15),
    Signal("renewal", "No renewal within 60 days without renewal activity", 10),
)


def weights_of(settings) -> dict[str, int]:
    custom = settings.health_weights or {}
    return {s.key: int(custom.get(s.key, s.weight)) for s in SIGNALS}


def _of_records(ids: list[int], field: str = "record_id") -> Q:
    """A filter for the records `ids`: a range when they are dense (a chunk of the nightly run,
    in record order; the caller keeps only its own ids), else the list. A list of 1,000 ids in
    every fact query cost more to send and plan than the facts themselves; a range on record_id
    also reaches below the ledger view's windows (they partition by record)."""
    low, high = min(ids), max(ids)
    if high - low < 4 * len(ids):
        return Q(**{f"{field}__gte": low, f"{field}__lte": high})
    return Q(**{f"{field}__in": ids})


def _latest_scores(workspace, ids, kind) -> dict[int, int]:
    latest = {}
    rows = (
        SurveyResponse.objects.of(workspace)
        .filter(_of_records(ids), kind=kind)
        .order_by("record_id", "-responded_on", "-id")
        .values_list("record_id", "score")
    )
    for record_id, score in rows:
        latest.setdefault(record_id, score)
    return latest


def facts_of(workspace, ids: list[int], *, today: date, engagement_days: int) -> dict[int, dict]:
    """Every signal for each record of `ids`: seven queries however many records."""
    now = timezone.now()
    nps = _latest_scores(workspace, ids, "nps")
    csat = _latest_scores(workspace, ids, "csat")
    last_activity = dict(
        Record.objects.of(workspace)
        .filter(_of_records(ids, "pk"))
        .values_list("pk", "last_activity_at")
    )
    # Always the range of ids (kept to `ids` here): with a list, PostgreSQL read the open-tasks
    # index by due date only and filtered the record ids, every overdue task of the workspace
    # per chunk (with a heap fetch each before a VACUUM): at 1M records 0.9-1.7 s per chunk of
    # 1,000 customers, most of seed_demo's customers step. The range is an index condition.
    wanted = set(ids)
    overdue = {
        record_id
        for record_id in Activity.objects.of(workspace)
        .filter(
            record_id__gte=min(ids),
            record_id__lte=max(ids),
            kind=ActivityKind.TASK,
            done=False,
            due_at__lt=now,
        )
        .values_list("record_id", flat=True)
        if record_id in wanted
    }
    shrank = set(
        ClassifiedMovement.objects.of(workspace)
        .filter(
            _of_records(ids),
            kind__in=[MovementKind.CONTRACTION, MovementKind.CHURN],
            effective_on__gte=today - timedelta(days=90),
        )
        .values_list("record_id", flat=True)
    )
    renewing = {}
    for record_id, term_end in (
        Subscription.objects.of(workspace)
        .filter(_of_records(ids), status="active", term_end__lte=today + timedelta(days=60))
        .values_list("record_id", "term_end")
    ):
        renewing[record_id] = min(term_end, renewing.get(record_id, term_end))
    since = now - timedelta(days=engagement_days)
    facts = {}
    for pk in ids:
        last = last_activity.get(pk)
        renewal_end = renewing.get(pk)
        facts[pk] = {
            "nps": nps.get(pk) is not None and nps[pk] >= 9,
            "csat": csat.get(pk) is not None and csat[pk] >= 4,
            "engagement": last is not None and last >= since,
            "tasks": pk not in overdue,
            "mrr_trend": pk not in shrank,
            # Renewal activity: something done on the record since the 60-day window opened.
            "renewal": renewal_end is None
            or (last is not None and last.date() >= renewal_end - timedelta(days=60)),
        }
    return facts


def explain(facts: dict, weights: dict[str, int], engagement_days: int):
    """(score, lines) for one customer's facts."""
    return scoring.explain(
        [(s.label.format(days=engagement_days), weights[s.key], facts[s.key]) for s in SIGNALS]
    )


def _outcomes(weights: dict[str, int], engagement_days: int):
    """(score, explanation) for the signals met, computed once per combination: six signals make
    at most 64 outcomes however many customers, so a nightly run explains a handful of
    combinations instead of every customer."""
    cache = {}

    def outcome(facts: dict) -> tuple[tuple, int, list[dict]]:
        """(the combination, score, explanation)."""
        key = tuple(facts[s.key] for s in SIGNALS)
        if key not in cache:
            score, lines = explain(facts, weights, engagement_days)
            cache[key] = (
                key,
                score,
                [
                    {"label": li.label, "weight": li.weight, "met": li.met, "points": li.points}
                    for li in lines
                ],
            )
        return cache[key]

    return outcome


def health_recompute(*, workspace, record_ids=None, today: date | None = None) -> int:
    """Recompute the health of `record_ids` (default: every customer of the workspace).
    Returns how many scores changed.

    Chunks of CHUNK customers in record order, each its own short transaction (the shape of the
    ICP recompute, docs/adr/0110): the signals read set-based (seven queries per chunk), the
    outcome looked up per combination of signals, and only the customers whose score or
    explanation changed written, one UPDATE per outcome that changed (a rerun over unchanged
    data writes nothing). Idempotent; a run killed half-way leaves whole chunks done and the
    next run finds them unchanged."""
    from customers.services.renewals import settings_of

    settings = settings_of(workspace)
    outcome = _outcomes(weights_of(settings), settings.engagement_days)
    today = today or workspace.today()
    customers = Customer.objects.of(workspace).order_by("record_id")
    if record_ids is not None:
        customers = customers.filter(AnyOf(F("record_id"), list(record_ids)))
    changed, last = 0, 0
    while True:
        chunk = list(
            customers.filter(record_id__gt=last).values_list(
                "pk", "record_id", "health_score", "health_explanation"
            )[:CHUNK]
        )
        if not chunk:
            return changed
        last = chunk[-1][1]
        facts = facts_of(
            workspace,
            [record_id for _, record_id, _, _ in chunk],
            today=today,
            engagement_days=settings.engagement_days,
        )
        dirty, outcomes = defaultdict(list), {}  # combination -> the customers it is new for
        for pk, record_id, score, explanation in chunk:
            key, new_score, new_explanation = outcome(facts[record_id])
            if score != new_score or explanation != new_explanation:
                dirty[key].append(pk)
                outcomes[key] = (new_score, new_explanation)
        now = timezone.now()
        with transaction.atomic():
            for key, ids in dirty.items():
                score, explanation = outcomes[key]
                Customer.objects.of(workspace).filter(AnyOf(F("pk"), ids)).update(
                    health_score=score, health_explanation=explanation, health_computed_at=now
                )
        changed += sum(len(ids) for ids in dirty.values())


class _PendingHealth:
    """The customers whose health a transaction changed, recomputed together once it commits:
    a job that renews 300 subscriptions in one transaction recomputes 300 customers in one
    set-based pass (seven queries per thousand), not 300 passes."""

    def __init__(self, workspace):
        self.workspace, self.record_ids = workspace, set()

    def __call__(self):
        health_recompute(workspace=self.workspace, record_ids=sorted(self.record_ids))


def health_recompute_after_commit(*, workspace, record_ids) -> None:
    pending = transaction.get_connection().run_on_commit
    for _, callback, *_ in pending:
        if isinstance(callback, _PendingHealth) and callback.workspace.pk == workspace.pk:
            callback.record_ids.update(record_ids)
            return
    callback = _PendingHealth(workspace)
    callback.record_ids.update(record_ids)
    transaction.on_commit(callback)

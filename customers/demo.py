"""Demo data for customers: every open record in a won stage gets the subscriptions and MRR
history a real customer would have since its win (up to two years): the first subscription on
the win date, upsells and downgrades, renewals at each term end, some cross-sells (a few of them
cancelled later), a churn and a return within weeks for a few, and for Expanded records the
expansion that moved them there. Written in bulk; the ledger stays consistent (mrr and status
of each subscription = its latest row; Customer.mrr = the sum of its active subscriptions).
Then their NPS/CSAT answers and CS engagements (customers.demo_voice) and their health scores.
seed_demo rescores ICP after this (the engagements count as recent activity)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F
from django.utils import timezone

from customers.demo_voice import seed_voice
from customers.models import ChurnReason, Customer, MovementAction, MrrMovement, Subscription
from customers.services.health import health_recompute
from customers.terms import add_months
from pipeline.models import StageTransition
from playbook.demo import DemoContext
from playbook.models import Role
from playbook.sql import AnyOf
from records.demo import insert_objects
from records.models import Record, RecordStatus

CENT = Decimal("0.01")
# Customers walked and written per batch.
CHUNK = 5000
PLANS = [(Decimal("300"), "Starter"), (Decimal("1500"), "Pro"), (Decimal("6000"), "Business")]
GOALS = [
    "Shorten onboarding of new reps to two weeks.",
    "One pipeline view for sales and CS.",
    "Forecast accuracy within 10 %.",
    "Replace spreadsheets for renewals.",
]


def _plan(mrr: Decimal) -> str:
    return next((name for limit, name in PLANS if mrr <= limit), "Enterprise")


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class _History:
    """One customer's subscriptions and ledger rows, built in date order in memory."""

    def __init__(self, ctx, record_id, today):
        self.ctx, self.record_id, self.today = ctx, record_id, today
        self.subs: list[dict] = []

    def start(self, *, on, mrr, action, term=12):
        sub = {
            "plan": _plan(mrr),
            "started_on": on,
            "term_months": term,
            "term_end": add_months(on, term),
            "auto_renew": self.ctx.rng.random() < 0.6,
            "rows": [],
            "cancel": None,
        }
        self.subs.append(sub)
        self.row(sub, on, mrr, action)
        return sub

    def row(self, sub, on, mrr, action, reason=""):
        sub["rows"].append((on, _money(mrr), action, reason))

    def mrr(self, sub) -> Decimal:
        return sub["rows"][-1][1]


def _walk(ctx: DemoContext, history: _History, won_on: date, base: Decimal, expanded_on):
    rng, today = ctx.rng, history.today
    first = history.start(on=won_on, mrr=base, action=MovementAction.START)
    day = add_months(won_on, 1)
    churned_once = False
    while day <= today:
        for sub in list(history.subs):
            if sub["cancel"] is not None:
                continue
            if sub["term_end"] <= day:  # a term ended this month: renewed (maybe at more)
                price = history.mrr(sub)
                if rng.random() < 0.25:
                    price = price * Decimal(rng.choice(["1.05", "1.1", "1.2"]))
                action = MovementAction.AUTO_RENEW if sub["auto_renew"] else MovementAction.RENEW
                history.row(sub, sub["term_end"], price, action)
                sub["term_end"] = add_months(sub["term_end"], sub["term_months"])
        roll = rng.random()
        live = [s for s in history.subs if s["cancel"] is None]
        sub = rng.choice(live)
        if roll < 0.04:
            history.row(sub, day, history.mrr(sub) * Decimal(rng.choice(["1.2", "1.5"])), "upsell")
        elif roll < 0.06:
            history.row(sub, day, history.mrr(sub) * Decimal("0.8"), MovementAction.DOWNGRADE)
        elif roll < 0.075 and len(history.subs) < 3:
            history.start(on=day, mrr=base * Decimal("0.3"), action=MovementAction.CROSS_SELL)
        elif roll < 0.085 and len(live) > 1 and sub is not first:
            sub["cancel"] = day
            history.row(sub, day, 0, MovementAction.CANCEL, rng.choice(ChurnReason.values))
        elif roll < 0.092 and not churned_once and expanded_on is None and len(live) == 1:
            back = day + timedelta(days=rng.randint(10, 40))
            if back < today:  # churns, and comes back within weeks
                churned_once = True
                history.row(sub, day, 0, MovementAction.CANCEL, ChurnReason.BUDGET)
                history.row(sub, back, history.mrr_before_cancel(sub), MovementAction.REACTIVATE)
        day = add_months(day, 1)
    if expanded_on is not None:  # what moved it to Expanded: an upsell or a cross-sell
        when = max(expanded_on, won_on)
        live = [s for s in history.subs if s["cancel"] is None]
        if rng.random() < 0.5:
            history.row(live[0], when, history.mrr(live[0]) * Decimal("1.3"), "upsell")
        else:
            history.start(on=when, mrr=base * Decimal("0.4"), action=MovementAction.CROSS_SELL)
        for sub in history.subs:  # rows stay in date order within a subscription
            sub["rows"].sort(key=lambda r: r[0])


def _mrr_before_cancel(self, sub):
    return next(mrr for _, mrr, _, _ in reversed(sub["rows"]) if mrr > 0)


_History.mrr_before_cancel = _mrr_before_cancel


def seed(ctx: DemoContext) -> None:
    ws, rng = ctx.workspace, ctx.rng
    today = ws.today()
    customers = list(
        Record.objects.of(ws)
        .filter(status=RecordStatus.OPEN, stage__is_won=True)
        .values_list("pk", "expected_arr", "stage__key")
        .order_by("pk")
    )
    if not customers:
        return
    ids = [pk for pk, _, _ in customers]
    entries = {}
    for record_id, key, at, from_owner in (
        StageTransition.objects.of(ws)
        .filter(AnyOf(F("record_id"), ids), to_stage__is_won=True, kind="forward")
        .values_list("record_id", "to_stage__key", "at", "from_owner_id")
        .order_by("at")
    ):
        entries.setdefault(record_id, {}).setdefault(key, (at, from_owner))
    renewal_reps = ctx.members.get(Role.RENEWALS, []) or [None]
    subs, rows_of, customer_rows, voices = [], [], [], []
    for n, (record_id, arr, key) in enumerate(customers):
        if len(customer_rows) == CHUNK:  # written as they come: memory stays bounded at 1M
            _write(ws, subs, rows_of, customer_rows)
            subs, rows_of, customer_rows = [], [], []
        won_at, won_by = entries.get(record_id, {}).get("won", (timezone.now(), None))
        won_on = min(timezone.localtime(won_at, ws.tzinfo).date(), today)
        expanded = entries.get(record_id, {}).get("expanded")
        expanded_on = (
            min(timezone.localtime(expanded[0], ws.tzinfo).date(), today)
            if key != "won" and expanded
            else (today if key != "won" else None)
        )
        base = _money((arr or Decimal(rng.randrange(6, 120) * 1000)) / 12)
        history = _History(ctx, record_id, today)
        _walk(ctx, history, won_on, base, expanded_on)
        troubled = any(
            action in (MovementAction.DOWNGRADE, MovementAction.CANCEL)
            for sub in history.subs
            for _, _, action, _ in sub["rows"]
        )
        voices.append((record_id, won_on, troubled))
        total = Decimal("0")
        for sub in history.subs:
            last = sub["rows"][-1]
            active = last[1] > 0
            total += last[1] if active else 0
            cancelled = None if active else last[0]
            subs.append(
                Subscription(
                    workspace=ws,
                    record_id=record_id,
                    plan=sub["plan"],
                    mrr=last[1],
                    status="active" if active else "cancelled",
                    started_on=sub["started_on"],
                    term_months=sub["term_months"],
                    term_end=sub["term_end"],
                    auto_renew=sub["auto_renew"],
                    cancelled_on=cancelled,
                    cancel_reason=last[3] if not active else "",
                )
            )
            rows_of.append(sub["rows"])
        customer_rows.append(
            Customer(
                workspace=ws,
                record_id=record_id,
                renewal_owner=renewal_reps[n % len(renewal_reps)],
                won_at=won_at,
                won_by_id=won_by,
                goals=rng.choice(GOALS),
                mrr=total,
            )
        )
    _write(ws, subs, rows_of, customer_rows)
    seed_voice(ctx, voices, today)
    health_recompute(workspace=ws, today=today)


def _write(ws, subs: list, rows_of: list, customer_rows: list) -> None:
    """Write a chunk of customers with their subscriptions and ledger rows. insert_objects:
    bulk_create without its per-value preparation in Python (ids set alike)."""
    insert_objects(Subscription, subs)
    insert_objects(
        MrrMovement,
        [
            MrrMovement(
                workspace=ws,
                subscription=sub,
                record_id=sub.record_id,
                effective_on=on,
                mrr=mrr,
                action=action,
                reason=reason,
            )
            for sub, rows in zip(subs, rows_of, strict=True)
            for on, mrr, action, reason in rows
        ],
    )
    insert_objects(Customer, customer_rows)

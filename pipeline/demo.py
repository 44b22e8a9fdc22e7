"""Demo pipeline history: every demo record walks the funnel from its first touch (its creation,
some time in the last 24 months) as far as its ICP fit and luck take it, with a StageTransition
per step; some are lost on the way, some go back to marketing for nurturing. Owners follow the
stages' teams, and the qualification flags match the stage reached, so the checklists tell the
truth.

records/demo.py writes the records without stages; this gives them their stage, stage entry
time, status, owner and history, in bulk (COPY on PostgreSQL, one UPDATE ... FROM unnest per
batch, the transitions' indexes built afterwards), because benchmarks run it on 100k records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from pipeline import selectors
from pipeline.defaults import MQL_ICP_THRESHOLD
from pipeline.models import StageTransition, TransitionKind
from playbook.bulkload import secondary_indexes_dropped
from playbook.demo import DemoContext
from playbook.models import Role, Team
from playbook.sql import AnyOf
from records.demo import foreign_keys_checked_once, insert_rows
from records.demo.bulk import rows_updated_at_once
from records.demo.draws import Weighted
from records.models import Activity, ActivityKind, Contact, Record, RecordStatus

CHUNK = 5000

# Where records end up today, by ICP fit (companies below the MQL threshold never qualify).
# (stage key, status): weight. Shaped like a B2B SaaS funnel: most companies stop early.
OUTCOMES = {
    ("lead", "open"): 8,
    ("mql", "open"): 9,
    ("mql", "lost"): 5,
    ("mql", "nurture"): 6,
    ("sql", "open"): 9,
    ("sql", "lost"): 8,
    ("sql", "nurture"): 5,
    ("opportunity", "open"): 14,
    ("opportunity", "lost"): 14,
    ("won", "open"): 16,
    ("expanded", "open"): 6,
}
OUTCOMES_OUTSIDE_ICP = {("lead", "open"): 40, ("lead", "nurture"): 30, ("lead", "lost"): 30}
# Mean days spent in each stage before moving on (or being lost, or recycled).
MEAN_DAYS = {"lead": 20, "mql": 3, "sql": 10, "opportunity": 35, "won": 200, "expanded": 200}
STALE_LEAD_DAYS = 45
NURTURE_NOTES = ["Not ready this year", "Wrong phone number", "No reply after five attempts"]
TEAM_ROLES = {
    Team.MARKETING: Role.MARKETING,
    Team.INSIDE_SALES: Role.SDR,
    Team.SALES: Role.AE,
    Team.CUSTOMER_SUCCESS: Role.CSM,
    Team.RENEWALS: Role.RENEWALS,
}
TRANSITION_COLUMNS = [
    "workspace_id",
    "record_id",
    "kind",
    "from_stage_id",
    "to_stage_id",
    "actor_id",
    "from_owner_id",
    "to_owner_id",
    "at",
    "note",
    "seconds_in_previous",
]
DEMO_ACTIVITY_COLUMNS = [
    "workspace_id",
    "record_id",
    "kind",
    "subject",
    "body",
    "occurred_at",
    "done",
    "done_at",
    "actor_id",
    "created_at",
]
# The record columns this seeder sets (UPDATE ... FROM VALUES), in this order after the id.
UPDATED = [
    "stage",
    "stage_entered_at",
    "status",
    "lost_reason",
    "owner",
    "expected_arr",
    "expected_close_date",
    "problem_acknowledged",
    "details_verified",
    "buying_intent",
    "decision_maker_identified",
    "contract_signed",
    "forecast_category",
]
# An open deal's forecast category, by record id (not the random stream, so adding it changed
# nothing else of the demo): a third each, commit only for deals closing within 45 days.
DEMO_CATEGORIES = ("pipeline", "best_case", "commit")


@dataclass
class _Record:
    pk: int
    icp: int | None
    created: datetime
    expected_arr: Decimal | None
    problem_acknowledged: bool


class _Journey:
    """Records' walks through the stages, as transition rows and final states."""

    def __init__(self, ctx, stages, owners, reasons, now):
        self.ctx, self.rng, self.stages, self.owners, self.now = ctx, ctx.rng, stages, owners, now
        self.reasons = reasons
        self.index = {s.key: i for i, s in enumerate(stages)}
        # Companies outside the ICP are lost for that reason when there is one on the list.
        self.outside_icp = next((r for r in reasons if "profile" in r.label.lower()), None)
        self.outcomes = Weighted(OUTCOMES.items())
        self.outcomes_outside_icp = Weighted(OUTCOMES_OUTSIDE_ICP.items())

    def owner_for(self, stage):
        return self.rng.choice(self.owners.get(stage.receiving_team) or self.owners[None])

    def _outcome(self, icp):
        table = self.outcomes if (icp or 0) >= MQL_ICP_THRESHOLD else self.outcomes_outside_icp
        key, status = table.pick(self.rng)
        if key not in self.index or (status == "lost" and not self.reasons):
            return 0, RecordStatus.OPEN
        return self.index[key], status

    def _stays(self, path, status, span: float) -> list[float]:
        """Days in each stage of `path` (the last: until today, or until lost/recycled), fitted
        between the record's creation and today."""
        stays = [max(0.05, self.rng.expovariate(1 / MEAN_DAYS.get(s.key, 10))) for s in path]
        total = sum(stays)
        if total > span:  # a young record moved fast
            return [d * span / total for d in stays]
        if status == RecordStatus.OPEN:
            stays[0] += span - total  # an old record waited in the first stage until it moved
        return stays

    def walk(self, record: _Record, rows: list):
        """Append the record's transition rows to `rows`; return its state today."""
        rng, stages, ws_id = self.rng, self.stages, self.ctx.workspace.pk
        target, status = self._outcome(record.icp)
        path = stages[: target + 1]
        span = max(0.01, (self.now - record.created).total_seconds() / 86400)
        if target == 0 and status == RecordStatus.OPEN and span > STALE_LEAD_DAYS:
            status = RecordStatus.NURTURE  # marketing nurtures old leads that never moved
        stays = self._stays(path, status, span)
        at, owner = record.created, self.owner_for(path[0])

        def add(kind, from_stage, to_stage, from_owner, to_owner, when, note=""):
            seconds = int((when - at).total_seconds()) if from_stage is not None else None
            actor = to_owner if kind == TransitionKind.FORWARD else (from_owner or to_owner)
            rows.append(
                (
                    ws_id,
                    record.pk,
                    kind,
                    getattr(from_stage, "pk", None),
                    to_stage.pk,
                    actor.pk,
                    getattr(from_owner, "pk", None),
                    to_owner.pk,
                    when,
                    note,
                    seconds,
                )
            )

        add(TransitionKind.CREATED, None, path[0], None, owner, at)
        entries = [at]  # when the record entered each stage of its path
        for previous, stage, stay in zip(path, path[1:], stays, strict=False):
            decided = at + timedelta(days=stay)
            new_owner = owner if stage.receiving_team == previous.receiving_team else None
            new_owner = new_owner or self.owner_for(stage)
            add(TransitionKind.FORWARD, previous, stage, owner, new_owner, decided)
            owner, at = new_owner, decided
            entries.append(at)
        entered, stage, lost_reason = at, path[-1], ""
        if status != RecordStatus.OPEN:
            decided = min(self.now, at + timedelta(days=stays[-1]))
            if status == RecordStatus.NURTURE:
                first = stages[0]
                new_owner = owner if first.receiving_team == stage.receiving_team else None
                new_owner = new_owner or self.owner_for(first)
                add(
                    TransitionKind.NURTURE,
                    stage,
                    first,
                    owner,
                    new_owner,
                    decided,
                    rng.choice(NURTURE_NOTES),
                )
                owner, stage, entered = new_owner, first, decided
            else:
                reason = rng.choice(self.reasons)
                if (record.icp or 0) < MQL_ICP_THRESHOLD and self.outside_icp is not None:
                    reason = self.outside_icp
                add(TransitionKind.LOST, stage, stage, owner, owner, decided, reason.label)
                lost_reason = reason.label
        return {
            "stage": stage,
            "entered": entered,
            "status": status,
            "lost_reason": lost_reason,
            "owner": owner,
            "reached": target,
            "entries": entries,
        }


def seed(ctx: DemoContext) -> None:
    ws, now = ctx.workspace, timezone.now()
    stages = selectors.stages(ws)
    if not stages:
        return
    owners = {team: ctx.members.get(role, []) for team, role in TEAM_ROLES.items()}
    owners[None] = ctx.members[Role.ADMIN]
    journey = _Journey(ctx, stages, owners, selectors.lost_reasons(ws), now)
    # Every record gets ~3 transitions: their table's 9 indexes are built once afterwards, and
    # its foreign keys checked by one join each instead of row by row.
    with (
        secondary_indexes_dropped([StageTransition]),
        foreign_keys_checked_once([StageTransition]),
        rows_updated_at_once(Record, ws.pk, UPDATED) as update,
    ):
        _walk_all(ctx, journey, now, update)


def _walk_all(ctx: DemoContext, journey: _Journey, now, update) -> None:
    ws, rng, index = ctx.workspace, ctx.rng, journey.index
    unstaged = Record.objects.of(ws).filter(stage__isnull=True).order_by("pk")
    last_pk = 0
    while True:
        chunk = [
            _Record(*row)
            for row in unstaged.filter(pk__gt=last_pk).values_list(
                "pk", "icp_score", "created_at", "expected_arr", "problem_acknowledged"
            )[:CHUNK]
        ]
        if not chunk:
            break
        last_pk = chunk[-1].pk
        transitions, updates, demos, qualified = [], [], [], []
        for record in chunk:
            state = journey.walk(record, transitions)
            updates.append(_state_row(record, state, index, rng, now))
            if state["reached"] >= index.get("mql", 99):
                qualified.append(record.pk)
            if state["reached"] >= index.get("sql", 99):
                sql_at = state["entries"][index["sql"]]
                demos.append(
                    (
                        ws.pk,
                        record.pk,
                        ActivityKind.DEMO,
                        "Product demo",
                        "",
                        sql_at - timedelta(hours=rng.randint(2, 72)),
                        True,
                        sql_at,
                        state["owner"].pk,
                        sql_at,
                    )
                )
        update(updates)
        insert_rows(StageTransition, TRANSITION_COLUMNS, transitions)
        insert_rows(Activity, DEMO_ACTIVITY_COLUMNS, demos)
        # A record marketing qualified has a reachable primary contact (the MQL rules say so).
        primary = Contact.objects.of(ws).filter(AnyOf(F("record_id"), qualified), is_primary=True)
        primary.filter(phone_valid=False).update(
            phone_valid=True, phone="+14155550100", phone_raw="+1 415 555 0100"
        )
        primary.filter(email_valid=False).update(email_valid=True)


def _state_row(record: _Record, state, index, rng, now) -> tuple:
    """The record's columns after its journey (UPDATED order): stage, owner, status and the
    facts the stages it passed required."""
    reached = state["reached"]
    in_deal = reached >= index.get("opportunity", 99)
    arr, close, category = None, None, "pipeline"
    if in_deal:
        arr = record.expected_arr or Decimal(rng.randrange(6, 120) * 1000)
        if state["status"] == RecordStatus.OPEN and state["stage"].key == "opportunity":
            close = (now + timedelta(days=rng.randint(-10, 120))).date()
            category = DEMO_CATEGORIES[record.pk % 3]
            if category == "commit" and close > (now + timedelta(days=45)).date():
                category = "best_case"
        else:
            close = state["entered"].date()
    return (
        record.pk,
        state["stage"].pk,
        state["entered"],
        state["status"],
        state["lost_reason"],
        state["owner"].pk,
        arr,
        close,
        reached >= index.get("mql", 99) or (record.problem_acknowledged and reached == 0),
        reached >= index.get("sql", 99),
        in_deal,
        in_deal,
        reached >= index.get("won", 99),
        category,
    )

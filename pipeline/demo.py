"""Demo pipeline history: every demo record walks the funnel from its first touch (some time in
the last 24 months) as far as its ICP fit and luck take it, with a StageTransition per step;
some are lost on the way, some go back to marketing for nurturing. Owners follow the stages'
teams, and the qualification flags match the stage reached, so the checklists tell the truth.

Bulk inserts and updates in chunks: records/demo.py writes the records without stages; this
gives them their stage, stage entry time, status, owner and history.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from pipeline import selectors
from pipeline.defaults import MQL_ICP_THRESHOLD
from pipeline.models import StageTransition, TransitionKind
from playbook.demo import DemoContext
from playbook.models import Role, Team
from records.models import Activity, ActivityKind, Contact, Record, RecordStatus

CHUNK = 2000
HISTORY_DAYS = 730

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
# Mean days spent in each stage (customers stay for good).
MEAN_DAYS = {"lead": 20, "mql": 3, "sql": 10, "opportunity": 35, "won": 200, "expanded": 200}
NURTURE_NOTES = ["Not ready this year", "Wrong phone number", "No reply after five attempts"]
TEAM_ROLES = {
    Team.MARKETING: Role.MARKETING,
    Team.INSIDE_SALES: Role.SDR,
    Team.SALES: Role.AE,
    Team.CUSTOMER_SUCCESS: Role.CSM,
    Team.RENEWALS: Role.RENEWALS,
}
FLAG_FIELDS = [
    "problem_acknowledged",
    "details_verified",
    "buying_intent",
    "decision_maker_identified",
    "contract_signed",
]


class _Journey:
    """One record's walk through the stages, as transitions and a final state."""

    def __init__(self, ctx, stages, owners, reasons, now):
        self.ctx, self.stages, self.owners, self.now = ctx, stages, owners, now
        self.reasons = reasons
        self.index = {s.key: i for i, s in enumerate(stages)}
        # Companies outside the ICP are lost for that reason when there is one on the list.
        self.outside_icp = next((r for r in reasons if "profile" in r.label.lower()), None)

    def owner_for(self, stage):
        people = self.owners.get(stage.receiving_team) or self.owners[None]
        return self.ctx.rng.choice(people)

    def _outcome(self, icp):
        table = OUTCOMES if (icp or 0) >= MQL_ICP_THRESHOLD else OUTCOMES_OUTSIDE_ICP
        ((key, status),) = self.ctx.rng.choices(list(table), weights=list(table.values()))
        if key not in self.index or (status == "lost" and not self.reasons):
            return 0, RecordStatus.OPEN
        return self.index[key], status

    def _days(self, stage):
        return max(0.05, self.ctx.rng.expovariate(1 / MEAN_DAYS.get(stage.key, 10)))

    def walk(self, record_id, icp):
        """A path from the first stage to the outcome, its steps' durations drawn per stage and
        fitted into the last 24 months: open records are that long in their current stage
        today; closed ones (lost, nurture) were decided some time in the past."""
        rng, stages, now = self.ctx.rng, self.stages, self.now
        target, status = self._outcome(icp)
        path = stages[: target + 1]
        stays = [self._days(stage) for stage in path]  # the last: time until the outcome
        total = sum(stays)
        if total > HISTORY_DAYS:
            stays = [d * HISTORY_DAYS / total for d in stays]
            total = HISTORY_DAYS
        idle = 0.0 if status == RecordStatus.OPEN else rng.uniform(0, HISTORY_DAYS - total)
        at = now - timedelta(days=total + idle)
        first_touch, owner, moves = at, self.owner_for(path[0]), []
        moves.append(self._t(record_id, TransitionKind.CREATED, None, path[0], owner, owner, at))
        for previous, stage, stay in zip(path, path[1:], stays, strict=False):
            decided = at + timedelta(days=stay)
            new_owner = owner if stage.receiving_team == previous.receiving_team else None
            new_owner = new_owner or self.owner_for(stage)
            seconds = int((decided - at).total_seconds())
            moves.append(
                self._t(
                    record_id,
                    TransitionKind.FORWARD,
                    previous,
                    stage,
                    owner,
                    new_owner,
                    decided,
                    seconds,
                )
            )
            owner, at = new_owner, decided
        entered, stage, lost_reason = at, path[-1], ""
        if status != RecordStatus.OPEN:
            decided = at + timedelta(days=stays[-1])
            seconds = int((decided - at).total_seconds())
            if status == RecordStatus.NURTURE:
                first = stages[0]
                new_owner = owner if first.receiving_team == stage.receiving_team else None
                new_owner = new_owner or self.owner_for(first)
                note = rng.choice(NURTURE_NOTES)
                moves.append(
                    self._t(
                        record_id,
                        TransitionKind.NURTURE,
                        stage,
                        first,
                        owner,
                        new_owner,
                        decided,
                        seconds,
                        note,
                    )
                )
                owner, stage, entered = new_owner, first, decided
            else:
                reason = rng.choice(self.reasons)
                if (icp or 0) < MQL_ICP_THRESHOLD and self.outside_icp is not None:
                    reason = self.outside_icp
                moves.append(
                    self._t(
                        record_id,
                        TransitionKind.LOST,
                        stage,
                        stage,
                        owner,
                        owner,
                        decided,
                        seconds,
                        reason.label,
                    )
                )
                lost_reason = reason.label
        return {
            "moves": moves,
            "stage": stage,
            "entered": entered,
            "status": status,
            "lost_reason": lost_reason,
            "owner": owner,
            "reached": target,
            "first_touch": first_touch,
        }

    def _t(
        self, record_id, kind, from_stage, to_stage, from_owner, to_owner, at, seconds=None, note=""
    ):
        return StageTransition(
            workspace=self.ctx.workspace,
            record_id=record_id,
            kind=kind,
            from_stage=from_stage,
            to_stage=to_stage,
            actor=to_owner if kind == TransitionKind.FORWARD else from_owner,
            from_owner=from_owner,
            to_owner=to_owner,
            at=at,
            note=note,
            seconds_in_previous=seconds,
        )


def seed(ctx: DemoContext) -> None:
    ws, rng, now = ctx.workspace, ctx.rng, timezone.now()
    stages = selectors.stages(ws)
    if not stages:
        return
    owners = {team: ctx.members.get(role, []) for team, role in TEAM_ROLES.items()}
    owners[None] = ctx.members[Role.ADMIN]
    reasons = selectors.lost_reasons(ws)
    journey = _Journey(ctx, stages, owners, reasons, now)
    index = {s.key: i for i, s in enumerate(stages)}
    records = Record.objects.filter(workspace=ws, stage__isnull=True).order_by("pk")
    last_pk = 0
    while True:
        chunk = list(records.filter(pk__gt=last_pk)[:CHUNK])
        if not chunk:
            break
        last_pk = chunk[-1].pk
        transitions, demos, qualified = [], [], []
        for record in chunk:
            walk = journey.walk(record.pk, record.icp_score)
            transitions.extend(walk["moves"])
            _apply(record, walk, index, rng, now)
            if walk["reached"] >= index.get("mql", 99):
                qualified.append(record.pk)
            if walk["reached"] >= index.get("sql", 99):
                sql_at = next(m.at for m in walk["moves"] if m.to_stage.key == "sql")
                demos.append(
                    Activity(
                        workspace=ws,
                        record=record,
                        kind=ActivityKind.DEMO,
                        subject="Product demo",
                        occurred_at=sql_at - timedelta(hours=rng.randint(2, 72)),
                        done=True,
                        done_at=sql_at,
                        actor_id=record.owner_id,
                    )
                )
        _bulk_set(
            chunk,
            [
                "stage",
                "stage_entered_at",
                "status",
                "lost_reason",
                "owner",
                "created_at",
                "expected_arr",
                "expected_close_date",
                *FLAG_FIELDS,
            ],
        )
        StageTransition.objects.bulk_create(transitions, batch_size=CHUNK)
        Activity.objects.bulk_create(demos, batch_size=CHUNK)
        # A record marketing qualified has a reachable primary contact (the MQL rules say so).
        Contact.objects.filter(
            workspace=ws, record_id__in=qualified, is_primary=True, phone_valid=False
        ).update(phone_valid=True, phone="+14155550100", phone_raw="+1 415 555 0100")
        Contact.objects.filter(
            workspace=ws, record_id__in=qualified, is_primary=True, email_valid=False
        ).update(email_valid=True)


def _bulk_set(records, field_names, batch=500):
    """UPDATE ... FROM a VALUES list: one statement per batch. (Django's bulk_update builds a
    CASE per row and field, which costs seconds of Python per thousand records.)"""
    fields = [Record._meta.get_field(name) for name in field_names]
    table = connection.ops.quote_name(Record._meta.db_table)
    columns = ["id", *[f.column for f in fields]]
    if connection.vendor == "postgresql":
        # VALUES columns are untyped in PostgreSQL: cast each to its column's type.
        types = ["bigint", *[f.db_type(connection) for f in fields]]
        row = "(" + ", ".join(f"%s::{t}" for t in types) + ")"
    else:
        row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    assignments = ", ".join(f"{c} = v.{c}" for c in columns[1:])
    with connection.cursor() as cursor:
        for start in range(0, len(records), batch):
            part = records[start : start + batch]
            params = []
            for record in part:
                params.append(record.pk)
                params.extend(
                    f.get_db_prep_save(getattr(record, f.attname), connection) for f in fields
                )
            cursor.execute(
                f"WITH v ({', '.join(columns)}) AS (VALUES {', '.join([row] * len(part))}) "
                f"UPDATE {table} SET {assignments} FROM v WHERE {table}.id = v.id",
                params,
            )


def _apply(record, walk, index, rng, now):
    """The record's state after its journey: stage, owner, status and the facts the stages it
    passed required."""
    reached = walk["reached"]
    record.stage = walk["stage"]
    record.stage_entered_at = walk["entered"]
    record.status = walk["status"]
    record.lost_reason = walk["lost_reason"]
    record.owner = walk["owner"]
    record.created_at = walk["first_touch"]
    record.problem_acknowledged = reached >= index.get("mql", 99) or (
        record.problem_acknowledged and reached == 0
    )
    record.details_verified = reached >= index.get("sql", 99)
    in_deal = reached >= index.get("opportunity", 99)
    record.buying_intent = in_deal
    record.decision_maker_identified = in_deal
    record.contract_signed = reached >= index.get("won", 99)
    if in_deal:
        record.expected_arr = record.expected_arr or Decimal(rng.randrange(6, 120) * 1000)
        if record.status == RecordStatus.OPEN and walk["stage"].key == "opportunity":
            record.expected_close_date = (now + timedelta(days=rng.randint(-10, 120))).date()
        else:
            record.expected_close_date = walk["entered"].date()
    else:
        record.expected_arr = None
        record.expected_close_date = None

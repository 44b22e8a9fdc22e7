"""The ICP fit score: a workspace's weighted criteria (records.conditions) turned into a score.

Two forms of the same definition, so the stored score and the page's explanation cannot disagree:
- `score_expression`: the score as one SQL expression over records_record, for set-based
  recomputes (records.services.icp);
- `explain_record`: for one record, each criterion met or not with its points, computed in
  Python from the same criteria through records.scoring, whose points add up to the score;
  `score_record` is the same judgement without the wording, for the inline rescore of one record
  after an edit (a few indexed reads, no long statement for PostgreSQL to plan).
tests/records/test_icp.py checks over many generated records that all three give one score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, IntegerField, Value, When
from django.db.models.expressions import ExpressionWrapper

from records import scoring
from records.conditions import (
    ConditionKind,
    evaluate_condition,
    explain_condition,
    load_facts,
    sql_condition,
)
from records.conditions.kinds import CUSTOMER_KINDS

# A profile cannot score itself ("ICP score at least ..." belongs to stage rules), and a
# prospect's fit is not about subscriptions (customer kinds belong to Won's and Expanded's rules).
ICP_KINDS = [
    (v, label)
    for v, label in ConditionKind.choices
    if v != ConditionKind.ICP_AT_LEAST and v not in CUSTOMER_KINDS
]
MAX_CRITERIA = 30
MAX_WEIGHT = 100


@dataclass(frozen=True)
class Criterion:
    kind: str
    params: dict
    weight: int


@dataclass(frozen=True)
class Explanation:
    score: int
    lines: list[scoring.Line]
    total_weight: int

    @property
    def all_weights_zero(self) -> bool:
        return self.total_weight == 0


def criteria_of(raw: list[dict] | None) -> list[Criterion]:
    return [
        Criterion(c["kind"], c.get("params") or {}, int(c.get("weight") or 0)) for c in raw or []
    ]


def score_expression(criteria: list[Criterion], now: datetime, *, records=None, workspace=None):
    """met weights / all weights x 100, rounded half up, as integer SQL: (200 met + t) / (2 t)
    with integer division is floor(100 met / t + 1/2), exactly records.scoring.score_of.
    `records`: which records the query scores, when known (records.conditions.SqlContext)."""
    total = sum(c.weight for c in criteria)
    if total <= 0:
        return Value(0, output_field=IntegerField())
    met = Value(0, output_field=IntegerField())
    for c in criteria:
        if c.weight > 0:
            met = met + Case(
                When(
                    sql_condition(c.kind, c.params, now, records=records, workspace=workspace),
                    then=Value(c.weight),
                ),
                default=Value(0),
                output_field=IntegerField(),
            )
    return ExpressionWrapper(
        (met * Value(200) + Value(total)) / Value(2 * total), output_field=IntegerField()
    )


def score_record(record, criteria: list[Criterion], now: datetime) -> int:
    """The score of `record` in Python: at most two queries (its contacts and activities), none
    for a criterion of weight 0, which cannot change the score."""
    weighted = [c for c in criteria if c.weight > 0]
    facts = load_facts(record, [(c.kind, c.params) for c in weighted], now=now)
    return scoring.score_of(
        [(c.weight, evaluate_condition(c.kind, c.params, facts)) for c in weighted]
    )


def explain_record(record, criteria: list[Criterion], fields, now: datetime) -> Explanation:
    """The score of `record` and why: at most two queries (its contacts and activities)."""
    facts = load_facts(record, [(c.kind, c.params) for c in criteria], now=now)
    judged = []
    for c in criteria:
        met = evaluate_condition(c.kind, c.params, facts)
        judged.append((explain_condition(c.kind, c.params, met, facts, fields), c.weight, met))
    score, lines = scoring.explain(judged)
    return Explanation(score, lines, sum(c.weight for c in criteria))

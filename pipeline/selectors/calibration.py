"""ICP calibration: does the profile predict wins? Read from the workspace's own stage history.

- Per score band (0-19 ... 80-100): how many records, how many reached each stage (entered it at
  least once, from StageTransition), how many were won and lost, and the win rate.
- Per criterion: its lift = win rate of the records that meet it / overall win rate, with the
  number of decided records it was measured on, and a suggested weight.

Definitions (docs/icp.md): a record is *won* once it entered a stage flagged won; *lost* when its
status is lost and it was never won; *decided* = won or lost; win rate = won / decided. Live
records only. Every figure is one grouped query, so the page costs the same number of queries
however many records there are; the figures are kept CACHE_SECONDS per profile version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from django.core.cache import cache
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

from pipeline.models import StageTransition
from pipeline.selectors.configuration import stages as active_stages
from records.conditions import sql_condition
from records.models import Record, RecordStatus
from records.selectors.icp import ProfileCriterion, icp_fields, icp_profile, icp_profile_criteria

BANDS = [(0, 19), (20, 39), (40, 59), (60, 79), (80, 100)]
# A lift measured on fewer decided records than this says little: no suggestion is made from it.
MIN_DECIDED = 20


def _band(score_field: str):
    whens = [
        When(**{f"{score_field}__lte": high}, then=Value(i)) for i, (_, high) in enumerate(BANDS)
    ]
    return Case(*whens, default=Value(None), output_field=IntegerField())


def _rate(won: int, decided: int) -> Fraction | None:
    return Fraction(won, decided) if decided else None


@dataclass(frozen=True)
class Band:
    label: str
    records: int
    reached: list[int]  # per stage, in the stages' order
    won: int
    lost: int

    @property
    def decided(self) -> int:
        return self.won + self.lost

    @property
    def win_rate(self) -> Fraction | None:
        return _rate(self.won, self.decided)


@dataclass(frozen=True)
class Lift:
    criterion: ProfileCriterion
    decided: int  # decided records that meet the criterion: what the lift is measured on
    won: int
    lift: Fraction | None
    suggested: int

    @property
    def win_rate(self) -> Fraction | None:
        return _rate(self.won, self.decided)

    @property
    def enough_history(self) -> bool:
        return self.decided >= MIN_DECIDED


@dataclass(frozen=True)
class Calibration:
    stages: list
    bands: list[Band]
    unscored: int
    won: int
    decided: int
    lifts: list[Lift]
    profile_version: int | None
    computed_at: datetime | None = None

    @property
    def win_rate(self) -> Fraction | None:
        return _rate(self.won, self.decided)

    @property
    def can_suggest(self) -> bool:
        return any(lift.enough_history for lift in self.lifts) and bool(self.won)

    @property
    def suggested_weights(self) -> list[int]:
        return [lift.suggested for lift in self.lifts]


def _won_ids(workspace):
    """Ids of the records that ever entered a won stage: one hashed set per query, probed per
    record (an EXISTS per record per criterion was the cost of this page at scale)."""
    return (
        StageTransition.objects.of(workspace)
        .filter(to_stage__is_won=True)
        .values("record_id")
        .order_by()
    )


def suggest(lifts: list[tuple[int, int, int, Fraction | None]]) -> list[int]:
    """Suggested weights from (current weight, decided, won, lift) per criterion: the strongest
    predictor gets 100 and the others weights in proportion to how far they lift the win rate
    above average; one that does not lift it gets 0; one measured on fewer than MIN_DECIDED
    decided records keeps its weight."""
    gains = [
        max(Fraction(0), lift - 1) if lift is not None and decided >= MIN_DECIDED else None
        for _, decided, _, lift in lifts
    ]
    best = max((g for g in gains if g is not None), default=Fraction(0))
    suggested = []
    for (weight, *_), gain in zip(lifts, gains, strict=True):
        if gain is None:
            suggested.append(weight)
        else:
            suggested.append(int(gain * 100 / best + Fraction(1, 2)) if best else 0)
    return suggested


# The figures read every live record, every stage transition and, per criterion, the decided
# records' contacts and activities: seconds at 1M records. They are kept this long per profile
# version and full recompute (a history of months does not change much in minutes), and the
# page says when they were computed.
CACHE_SECONDS = 15 * 60


def _cache_key(workspace, profile) -> str:
    # The workspace's creation time tells apart workspaces that reuse an id (test databases).
    recomputed = profile.last_full_recompute_at if profile else None
    return ":".join(
        str(part)
        for part in (
            "icp-calibration",
            workspace.pk,
            workspace.created_at.timestamp(),
            profile.version if profile else 0,
            recomputed.timestamp() if recomputed else "",
        )
    )


def icp_calibration(workspace) -> Calibration:
    stages = active_stages(workspace)
    profile = icp_profile(workspace)
    criteria = icp_profile_criteria(profile, icp_fields(workspace))
    key = _cache_key(workspace, profile)
    figures = cache.get(key)
    if figures is None:
        figures = _figures(workspace, criteria)
        cache.set(key, figures, CACHE_SECONDS)
    per_band, reached, measured, computed_at = figures
    bands = []
    for i, (low, high) in enumerate(BANDS):
        row = per_band.get(i, {})
        bands.append(
            Band(
                label=f"{low}–{high}",
                records=row.get("n", 0),
                reached=[reached.get((i, s.pk), 0) for s in stages],
                won=row.get("won_n", 0),
                lost=row.get("lost_n", 0),
            )
        )
    unscored = per_band.get(None, {}).get("n", 0)
    total_won = sum(b["won_n"] for b in per_band.values())
    total_decided = total_won + sum(b["lost_n"] for b in per_band.values())
    overall = _rate(total_won, total_decided)
    rows = []
    for c in criteria:
        decided = measured.get(f"decided_{c.index}", 0)
        won_n = measured.get(f"won_{c.index}", 0)
        rate = _rate(won_n, decided)
        lift = rate / overall if rate is not None and overall else None
        rows.append((c, decided, won_n, lift))
    suggestions = suggest([(c.weight, d, w, lift) for c, d, w, lift in rows])
    lifts = [
        Lift(c, decided, won_n, lift, s)
        for (c, decided, won_n, lift), s in zip(rows, suggestions, strict=True)
    ]
    version = profile.version if profile else None
    return Calibration(
        stages, bands, unscored, total_won, total_decided, lifts, version, computed_at
    )


def _figures(workspace, criteria) -> tuple[dict, dict, dict, datetime]:
    """The counts behind the page: per band, per (band, stage) reached, per criterion."""
    now = timezone.now()
    # Conditions, not annotations: an aggregate over an annotated subquery would be wrapped in
    # another subquery that the criteria's own subqueries cannot see through.
    won = Q(pk__in=_won_ids(workspace))
    lost = Q(status=RecordStatus.LOST) & ~won
    records = Record.objects.of(workspace).live()
    per_band = {
        row["band"]: {"n": row["n"], "won_n": row["won_n"], "lost_n": row["lost_n"]}
        for row in records.annotate(band=_band("icp_score"))
        .values("band")
        .annotate(n=Count("id"), won_n=Count("id", filter=won), lost_n=Count("id", filter=lost))
        .order_by()
    }
    transitions = (
        StageTransition.objects.of(workspace)
        .filter(record__deleted_at__isnull=True, record__icp_score__isnull=False)
        .annotate(band=_band("record__icp_score"))
        .values("band", "to_stage")
        .annotate(n=Count("record", distinct=True))
        .order_by()
    )
    reached = {(row["band"], row["to_stage"]): row["n"] for row in transitions}
    # A lift is measured on decided records only, so only they are judged (the criteria's
    # subqueries run for them, not for every record of the workspace).
    counts = {}
    for c in criteria:
        met = sql_condition(c.kind, c.params, now, workspace=workspace)
        counts[f"won_{c.index}"] = Count("id", filter=met & won)
        counts[f"decided_{c.index}"] = Count("id", filter=met)
    decided = records.filter(won | Q(status=RecordStatus.LOST))
    measured = decided.aggregate(**counts) if counts else {}
    return per_band, reached, measured, now

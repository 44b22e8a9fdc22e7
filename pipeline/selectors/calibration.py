"""ICP calibration: does the profile predict wins? Read from the workspace's own stage history.

- Per score band (0-19 ... 80-100): how many records, how many reached each stage (entered it at
  least once, from StageTransition), how many were won and lost, and the win rate.
- Per criterion: its lift = win rate of the records that meet it / overall win rate, with the
  number of decided records it was measured on, and a suggested weight.

Definitions (docs/icp.md): a record is *won* once it entered a stage flagged won; *lost* when its
status is lost and it was never won; *decided* = won or lost; win rate = won / decided. Live
records only. Every figure is one grouped query over the whole history (about 20 s at 1M
records), so the page never runs them: `calibration_figures` is called by the background refresh
(pipeline.services.calibration) after every full rescore, which stores them in IcpCalibration,
and `icp_calibration` reads that row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from django.db import connection, transaction
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Value, When
from django.utils import timezone

from pipeline.models import IcpCalibration, StageDefinition, StageTransition
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
    pending: bool = False
    stale: bool = False

    @property
    def win_rate(self) -> Fraction | None:
        return _rate(self.won, self.decided)

    @property
    def can_suggest(self) -> bool:
        return any(lift.enough_history for lift in self.lifts) and bool(self.won)

    @property
    def suggested_weights(self) -> list[int]:
        return [lift.suggested for lift in self.lifts]


def _won(workspace) -> Exists:
    """The record ever entered a won stage. Used in WHERE only, where PostgreSQL turns it into a
    semi-join (NOT: an anti-join). Inside an aggregate's FILTER it would be a subplan, and with
    the won stages' transitions estimated in the hundreds of thousands PostgreSQL does not hash
    it but scans it once per record (measured: minutes at 1M records)."""
    won_stages = list(
        StageDefinition.objects.of(workspace).filter(is_won=True).values_list("pk", flat=True)
    )
    return Exists(
        StageTransition.objects.of(workspace).filter(
            record_id=OuterRef("pk"), to_stage_id__in=won_stages
        )
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


def _stored(workspace, profile) -> IcpCalibration | None:
    """The stored figures when they judge the profile's current criteria, else None."""
    row = IcpCalibration.objects.of(workspace).first()
    version = profile.version if profile else 0
    return row if row is not None and row.profile_version == version else None


def icp_calibration(workspace) -> Calibration:
    """The page's figures, as stored by the last background refresh. `pending` when there are
    none for the current profile version yet (the profile was just saved, or never measured);
    `stale` when they predate the last full rescore (a refresh is on its way)."""
    stages = active_stages(workspace)
    profile = icp_profile(workspace)
    criteria = icp_profile_criteria(profile, icp_fields(workspace))
    version = profile.version if profile else None
    row = _stored(workspace, profile)
    if row is None:
        return Calibration(stages, [], 0, 0, 0, [], version, pending=True)
    per_band = {
        band: {"n": n, "won_n": won, "lost_n": lost} for band, n, won, lost in row.figures["bands"]
    }
    reached = {(band, stage): n for band, stage, n in row.figures["reached"]}
    measured = row.figures["measured"]
    bands = []
    for i, (low, high) in enumerate(BANDS):
        counts = per_band.get(i, {})
        bands.append(
            Band(
                label=f"{low}–{high}",
                records=counts.get("n", 0),
                reached=[reached.get((i, s.pk), 0) for s in stages],
                won=counts.get("won_n", 0),
                lost=counts.get("lost_n", 0),
            )
        )
    unscored = per_band.get(None, {}).get("n", 0)
    total_won = sum(b["won_n"] for b in per_band.values())
    total_decided = total_won + sum(b["lost_n"] for b in per_band.values())
    overall = _rate(total_won, total_decided)
    rows = []
    for c in criteria:
        won_n = measured.get(f"won_{c.index}", 0)
        decided = won_n + measured.get(f"lost_{c.index}", 0)
        rate = _rate(won_n, decided)
        lift = rate / overall if rate is not None and overall else None
        rows.append((c, decided, won_n, lift))
    suggestions = suggest([(c.weight, d, w, lift) for c, d, w, lift in rows])
    lifts = [
        Lift(c, decided, won_n, lift, s)
        for (c, decided, won_n, lift), s in zip(rows, suggestions, strict=True)
    ]
    scored_at = profile.last_full_recompute_at if profile else None
    return Calibration(
        stages,
        bands,
        unscored,
        total_won,
        total_decided,
        lifts,
        version,
        row.computed_at,
        stale=row.scored_at != scored_at,
    )


def calibration_figures(workspace) -> tuple[int, datetime | None, dict]:
    """(profile version, the profile's last full rescore, figures as JSON) for the current
    profile: what pipeline.services.calibration stores."""
    profile = icp_profile(workspace)
    criteria = icp_profile_criteria(profile, icp_fields(workspace))
    per_band, reached, measured = _figures(workspace, criteria)
    figures = {
        "bands": [[band, c["n"], c["won_n"], c["lost_n"]] for band, c in per_band.items()],
        "reached": [[band, stage, n] for (band, stage), n in reached.items()],
        "measured": measured,
    }
    return (
        profile.version if profile else 0,
        profile.last_full_recompute_at if profile else None,
        figures,
    )


def _figures(workspace, criteria) -> tuple[dict, dict, dict]:
    """The counts behind the page: per band, per (band, stage) reached, per criterion. Won and
    lost records are counted by separate queries that filter on them (semi- and anti-joins), and
    only they are judged against the criteria: a lift is measured on decided records only."""
    now = timezone.now()
    records = Record.objects.of(workspace).live()
    won_records = records.filter(_won(workspace))
    lost_records = records.filter(status=RecordStatus.LOST).exclude(_won(workspace))
    with transaction.atomic():
        _without_jit()

        def per_band(rows):
            grouped = rows.annotate(band=_band("icp_score")).values("band")
            return dict(grouped.annotate(n=Count("id")).values_list("band", "n").order_by())

        counted = per_band(records)
        won_n, lost_n = per_band(won_records), per_band(lost_records)
        per_band_rows = {
            band: {"n": n, "won_n": won_n.get(band, 0), "lost_n": lost_n.get(band, 0)}
            for band, n in counted.items()
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
        measured = {}
        for prefix, rows in (("won", won_records), ("lost", lost_records)):
            counts = {
                f"{prefix}_{c.index}": Count(
                    "id", filter=sql_condition(c.kind, c.params, now, workspace=workspace)
                )
                for c in criteria
            }
            if counts:
                measured.update(rows.aggregate(**counts))
    return per_band_rows, reached, measured


def _without_jit() -> None:
    """The criteria make long expressions that PostgreSQL's JIT compiles anew for every
    statement (seconds; records.services.icp does the same for the recompute)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")

"""A weighted, explained score: criteria with weights, some met, a 0-100 integer score.

One design serves the ICP fit score (records) and the customer health score (customers): each
criterion's points are its share of 100, rounded so that the points of the met criteria add up
to the score exactly. The stored score and the explanation on the page come from the same
function, so they cannot disagree.
"""

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Line:
    """One criterion of an explanation: its label, whether it was met, the points it earned."""

    label: str
    weight: int
    met: bool
    points: int


def score_of(weights_met: list[tuple[int, bool]]) -> int:
    """met weights / all weights x 100, rounded half up; 0 when every weight is 0."""
    total = sum(w for w, _ in weights_met)
    if total <= 0:
        return 0
    met = sum(w for w, ok in weights_met if ok)
    return int(Fraction(met * 100, total) + Fraction(1, 2))


def allocate(weights_met: list[tuple[int, bool]]) -> list[int]:
    """Points per criterion: met ones share the score by largest remainder, unmet ones get 0.

    The met criteria's points sum to `score_of(...)` exactly; each is within one point of its
    exact share weight / total x 100.
    """
    score = score_of(weights_met)
    total = sum(w for w, _ in weights_met)
    points = [0] * len(weights_met)
    if score == 0:
        return points
    met_idx = [i for i, (w, ok) in enumerate(weights_met) if ok and w > 0]
    exact = {i: Fraction(weights_met[i][0] * 100, total) for i in met_idx}
    for i in met_idx:
        points[i] = int(exact[i])  # floor
    remainder = score - sum(points)
    # Hand the leftover points to the largest fractional parts; ties go to the earlier criterion.
    for i in sorted(met_idx, key=lambda i: (-(exact[i] - int(exact[i])), i))[:remainder]:
        points[i] += 1
    return points


def explain(criteria: list[tuple[str, int, bool]]) -> tuple[int, list[Line]]:
    """(score, lines) for [(label, weight, met), ...]."""
    weights_met = [(w, ok) for _, w, ok in criteria]
    points = allocate(weights_met)
    lines = [
        Line(label=label, weight=w, met=ok, points=p)
        for (label, w, ok), p in zip(criteria, points, strict=True)
    ]
    return score_of(weights_met), lines

"""What panels hand their templates: figures (a number, how to show it, and the list behind it),
charts (one spec for Chart.js and the table beside it) and the empty state.

Numbers stay Decimal or int until shown; a figure with nothing to divide by is None and reads
"n/a", never 0.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

NA = "n/a"


def display(value, kind: str) -> str:
    """money: 1,234.56 · count: 1,234 · percent (a fraction): 12.3 % · score: 42 (NPS, already
    in points) · ratio: 3.25 · days: 12.5 days."""
    if value is None:
        return NA
    if kind == "money":
        return f"{Decimal(value).quantize(Decimal('0.01'), ROUND_HALF_UP):,}"
    if kind == "percent":
        return f"{(Decimal(value) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)} %"
    if kind == "ratio":
        return f"{Decimal(value).quantize(Decimal('0.01'), ROUND_HALF_UP)}"
    if kind == "days":
        return f"{Decimal(value).quantize(Decimal('0.1'), ROUND_HALF_UP)} days"
    return f"{int(value):,}"


@dataclass(frozen=True)
class Figure:
    """One number of a panel; `href` is the filtered list of exactly what it counts."""

    label: str
    value: object
    kind: str = "count"
    href: str = ""
    note: str = ""

    @property
    def shown(self) -> str:
        return display(self.value, self.kind)


@dataclass(frozen=True)
class Empty:
    """What a panel says when there is nothing to show: why, and the next step as a link."""

    message: str
    action: str = ""
    href: str = ""


@dataclass
class Series:
    label: str
    values: list
    # "bar" or "line"; a chart may mix them (targets as a line over actual bars).
    kind: str = ""


@dataclass
class Chart:
    """A Chart.js chart and the same numbers as a table. `config` goes to the page with
    json_script; static/js/dashboards.js draws it (no inline script)."""

    title: str
    kind: str
    labels: list[str]
    series: list[Series]
    value_kind: str = "money"
    stacked: bool = False
    links: list[str] = field(default_factory=list)  # per label: the list behind that column

    @property
    def config(self) -> dict:
        datasets = []
        for s in self.series:
            data = {
                "label": s.label,
                "data": [None if v is None else float(v) for v in s.values],
            }
            if s.kind:
                data["type"] = s.kind
            datasets.append(data)
        return {
            "type": self.kind,
            "data": {"labels": self.labels, "datasets": datasets},
            "valueKind": self.value_kind,
            "stacked": self.stacked,
        }

    @property
    def rows(self) -> list[tuple[str, str, list[str]]]:
        """(label, link, [shown value per series]) for the table beside the chart."""
        links = self.links or [""] * len(self.labels)
        return [
            (label, links[i], [display(s.values[i], self.value_kind) for s in self.series])
            for i, label in enumerate(self.labels)
        ]


def has_data(*values) -> bool:
    return any(v is not None and v != 0 for v in values)

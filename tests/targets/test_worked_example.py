"""docs/METRICS.md's worked example, reproduced exactly: the ledger written through the Customers
services (conftest.example_ledger), the snapshots rebuilt, metrics.csv compared with the doc."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from targets import metrics, periods, services
from targets.models import MetricSnapshot
from tests.conftest import login_as

DOC = Path(__file__).resolve().parents[2] / "docs" / "METRICS.md"


def _documented_csv() -> str:
    text = DOC.read_text()
    match = re.search(r"<!-- worked-example-csv -->\n```csv\n(.*?)```", text, re.S)
    assert match, "docs/METRICS.md lost its worked-example CSV block"
    return match.group(1)


@pytest.mark.django_db
def test_the_worked_example_csv_is_what_the_rollup_gives(client, example_ledger, people):
    services.metrics_rebuild(
        workspace=example_ledger, first=periods.index(2024, 12), last=periods.index(2025, 4)
    )
    login_as(client, people["csm"])
    got = client.get(
        reverse("targets:metrics_csv", args=[example_ledger.slug]),
        {"from": "2024-12", "to": "2025-04"},
    )
    assert got.status_code == 200
    assert got["Content-Type"].startswith("text/csv")
    assert got.content.decode() == _documented_csv()


@pytest.mark.django_db
def test_the_worked_example_bridge(example_ledger):
    services.metrics_rebuild(
        workspace=example_ledger, first=periods.index(2024, 12), last=periods.index(2025, 4)
    )
    snaps = MetricSnapshot.objects.of(example_ledger).filter(
        scope_key="workspace", month__gte="2025-01-01", month__lte="2025-03-01"
    )
    steps = [amount for _, amount, _ in metrics.bridge(list(snaps)).steps]
    assert steps == [1800, 1200, 600, 1200, 600, 3000, 1200]

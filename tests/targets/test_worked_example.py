"""docs/METRICS.md's worked example, reproduced exactly: its billing file imported with the real
`import_subscriptions` command (conftest.example_ledger), the snapshots rebuilt with
`rebuild_metrics`, metrics.csv compared with the doc byte for byte."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from customers.models import ClassifiedMovement, MrrMovement
from targets import metrics
from targets.models import MetricSnapshot
from tests.conftest import login_as
from tests.targets.conftest import documented_block


def _rebuild(workspace):
    call_command(
        "rebuild_metrics", "--workspace", workspace.slug, "--from", "2024-12", stdout=StringIO()
    )


@pytest.mark.django_db
def test_the_billing_file_becomes_the_documented_ledger(example_ledger):
    rows = list(
        ClassifiedMovement.objects.filter(workspace=example_ledger)
        .order_by("effective_on", "id")
        .values_list("record__name", "subscription__external_id", "kind", "delta")
    )
    assert [(name, sub, kind, int(delta)) for name, sub, kind, delta in rows] == [
        ("Beta GmbH", "B1", "new", 100),
        ("Beta GmbH", "B2", "expansion", 50),  # same day, file order
        ("Beta GmbH", "B2", "contraction", -50),  # one of two subscriptions
        ("Acme Ltd", "A1", "new", 100),
        ("Beta GmbH", "B1", "churn", -100),  # the last subscription
        ("Acme Ltd", "A1", "expansion", 50),
        ("Beta GmbH", "B1", "reactivation", 100),  # back in the month it churned
        ("Acme Ltd", "A1", "churn", -150),
    ]


@pytest.mark.django_db
def test_the_worked_example_csv_is_what_the_rollup_gives(client, example_ledger, people):
    _rebuild(example_ledger)
    login_as(client, people["csm"])
    got = client.get(
        reverse("targets:metrics_csv", args=[example_ledger.slug]),
        {"from": "2024-12", "to": "2025-04"},
    )
    assert got.status_code == 200
    assert got["Content-Type"].startswith("text/csv")
    assert got.content.decode() == documented_block("worked-example-csv")


@pytest.mark.django_db
def test_reimporting_the_billing_file_changes_no_figure(client, example_ledger, people, tmp_path):
    _rebuild(example_ledger)
    before = MrrMovement.objects.of(example_ledger).count()
    billing = tmp_path / "again.csv"
    billing.write_text(documented_block("worked-example-billing"))
    out = StringIO()
    call_command(
        "import_subscriptions", "--workspace", example_ledger.slug, str(billing), stdout=out
    )
    assert "0 ledger rows added, 8 already there" in out.getvalue()
    assert MrrMovement.objects.of(example_ledger).count() == before
    _rebuild(example_ledger)
    login_as(client, people["csm"])
    got = client.get(
        reverse("targets:metrics_csv", args=[example_ledger.slug]),
        {"from": "2024-12", "to": "2025-04"},
    )
    assert got.content.decode() == documented_block("worked-example-csv")


@pytest.mark.django_db
def test_the_worked_example_bridge(example_ledger):
    _rebuild(example_ledger)
    snaps = MetricSnapshot.objects.of(example_ledger).filter(
        scope_key="workspace", month__gte="2025-01-01", month__lte="2025-03-01"
    )
    steps = [amount for _, amount, _ in metrics.bridge(list(snaps)).steps]
    assert steps == [1800, 1200, 600, 1200, 600, 3000, 1200]

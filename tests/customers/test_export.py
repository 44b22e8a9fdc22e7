"""Export CSV of the customer list and of the MRR ledger: filters, every row across batches,
the ledger's derived kinds, audited, only this workspace's."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from customers import services
from customers.selectors import export as export_selectors
from playbook.csvio import BOM
from playbook.models import AuditEvent, AuditKind
from tests.conftest import login_as
from tests.factories import RecordFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 30)


def _paying(workspace, mrr, started_on=date(2026, 1, 1), **fields):
    record = RecordFactory(workspace=workspace, **fields)
    services.subscription_start(
        workspace=workspace,
        record=record,
        mrr=mrr,
        started_on=started_on,
        actor=None,
        today=TODAY,
    )
    return record


def _read(response):
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text.removeprefix(BOM))))


@pytest.fixture
def ae_client(client, workspace, member_factory):
    login_as(client, member_factory(workspace, "ae"))
    return client


def test_customer_export_has_every_filtered_customer_largest_first(
    ae_client, workspace, member_factory, monkeypatch
):
    monkeypatch.setattr(export_selectors, "BATCH", 2)
    csm = member_factory(workspace, "csm")
    records = [_paying(workspace, str(100 * (i + 1)), owner=csm.user) for i in range(5)]
    _paying(workspace, "7", name="=cmd|calc")
    url = reverse("customers:export", args=[workspace.slug])
    rows = _read(ae_client.get(url))
    assert rows[0] == export_selectors.CUSTOMER_HEADER
    assert [r[0] for r in rows[1:]] == [r.name for r in reversed(records)] + ["'=cmd|calc"]
    assert rows[1][2:5] == ["500.00", "6000.00", ""] and rows[1][5] == csm.user.email
    filtered = _read(ae_client.get(url + "?mrr_min=250&mrr_max=450"))
    assert [r[0] for r in filtered[1:]] == [records[3].name, records[2].name]
    event = AuditEvent.objects.filter(workspace=workspace, kind=AuditKind.EXPORT).latest("pk")
    assert event.detail == {
        "list": "customers",
        "filter": "mrr_min=250&mrr_max=450",
        "rows": 2,
    }
    assert ae_client.get(url + "?mrr_min=abc").status_code == 400


def test_ledger_export_gives_each_movement_with_its_kind(
    ae_client, workspace, other_workspace, monkeypatch
):
    monkeypatch.setattr(export_selectors, "LEDGER_CUSTOMERS", 1)
    first = _paying(workspace, "100", name="First")
    second = _paying(workspace, "50", name="Second")
    sub = first.subscriptions.get()
    services.subscription_change_mrr(
        workspace=workspace,
        subscription=sub,
        mrr=Decimal("150"),
        effective_on=date(2026, 3, 1),
        actor=None,
        today=TODAY,
        version=sub.version,
    )
    _paying(other_workspace, "999", name="Theirs")
    rows = _read(ae_client.get(reverse("customers:ledger_export", args=[workspace.slug])))
    assert rows[0] == export_selectors.LEDGER_HEADER
    got = [(r[0], r[4], r[6], r[7], r[8]) for r in rows[1:]]
    assert got == [
        ("First", "2026-01-01", "New", "100.00", "100.00"),
        ("First", "2026-03-01", "Expansion", "150.00", "50.00"),
        ("Second", "2026-01-01", "New", "50.00", "50.00"),
    ]
    assert second.name == "Second"
    event = AuditEvent.objects.get(workspace=workspace, kind=AuditKind.EXPORT)
    assert event.detail["rows"] == 3 and event.detail["list"] == "MRR ledger"


def test_the_customer_list_links_to_both_exports(ae_client, workspace):
    _paying(workspace, "10")
    html = ae_client.get(reverse("customers:list", args=[workspace.slug]) + "?health=").content
    assert reverse("customers:export", args=[workspace.slug]).encode() in html
    assert reverse("customers:ledger_export", args=[workspace.slug]).encode() in html

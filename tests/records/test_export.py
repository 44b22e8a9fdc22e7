"""Export CSV of the records list: filters and sort, every row in keyset batches, custom fields,
formula neutralising, audited, streamed."""

import csv
import io

import pytest

from playbook.csvio import BOM, neutralise
from playbook.models import AuditEvent, AuditKind
from records.models import Record
from records.selectors import export as export_selectors
from tests.factories import CustomFieldDefinitionFactory, RecordFactory

pytestmark = pytest.mark.django_db


def read(response):
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM))))


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of two rows, so a handful of records crosses several keyset batches."""
    monkeypatch.setattr(export_selectors, "BATCH", 2)


class TestExport:
    def test_every_matching_row_in_the_lists_order_across_batches(
        self, admin_client, url, workspace, small_batches
    ):
        names = ["Delta", "alpha", "Charlie", "Bravo", "Echo"]
        for name in names:
            RecordFactory(workspace=workspace, name=name)
        RecordFactory(workspace=workspace, name="Lost one", status="lost")
        response = admin_client.get(url("export", query="?status=open&sort=name&size=2"))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert "attachment;" in response["Content-Disposition"]
        rows = read(response)
        assert rows[0][:3] == ["Name", "Domain", "Stage"]
        assert [r[0] for r in rows[1:]] == sorted(names)  # not only the page of two; no "Lost"

    @pytest.mark.parametrize("sort", ["-updated", "created", "-icp", "icp", "-name"])
    def test_each_sort_gives_each_row_once(self, admin_client, url, workspace, small_batches, sort):
        for score in [None, 40, 40, None, 90, 10, None]:
            RecordFactory(workspace=workspace, icp_score=score)
        rows = read(admin_client.get(url("export", query=f"?sort={sort}")))[1:]
        ids = list(
            Record.objects.filter(workspace=workspace).values_list("name", flat=True).order_by()
        )
        assert sorted(r[0] for r in rows) == sorted(ids)

    def test_columns_and_custom_fields(self, admin_client, url, workspace, admin):
        CustomFieldDefinitionFactory(workspace=workspace, key="seats", label="Seats", kind="number")
        CustomFieldDefinitionFactory(workspace=workspace, key="vip", label="VIP", kind="boolean")
        RecordFactory(
            workspace=workspace,
            name="Acme",
            domain="acme.com",
            owner=admin.user,
            country="Germany",
            source="webinar",
            icp_score=72,
            custom_fields={"seats": -5, "vip": True},
        )
        # The export has the columns the list shows: the default set has no custom field...
        header, _ = read(admin_client.get(url("export")))
        assert "Seats" not in header and header[:3] == ["Name", "Domain", "Stage"]
        # ...and once they are chosen, it has them, in the chosen order.
        chosen = ["owner", "country", "source", "icp", "status", "cf_seats", "cf_vip"]
        admin_client.post(url("columns"), {"columns": chosen})
        header, row = read(admin_client.get(url("export")))
        assert header == [
            *["Name", "Domain", "Owner", "Country", "Source", "ICP", "Status"],
            *["Seats", "VIP"],
        ]
        got = dict(zip(header, row, strict=True))
        assert got["Name"] == "Acme" and got["Domain"] == "acme.com"
        assert got["Owner"] == admin.user.email and got["Country"] == "Germany"
        assert got["Source"] == "Webinar" and got["ICP"] == "72" and got["Status"] == "Open"
        assert got["Seats"] == "-5"  # a number, not a formula: left as it is
        assert got["VIP"] == "yes"

    def test_formula_payloads_are_neutralised(self, admin_client, url, workspace):
        payloads = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(A1:A2)", "-1+2"]
        for payload in payloads:
            RecordFactory(workspace=workspace, name=payload, industry=payload)
        rows = read(admin_client.get(url("export", query="?sort=name")))[1:]
        assert sorted(r[0] for r in rows) == sorted("'" + p for p in payloads)
        assert neutralise("Acme") == "Acme" and neutralise("\tx") == "'\tx"

    def test_audited_with_who_the_filter_and_how_many(self, admin_client, url, workspace, admin):
        for _ in range(3):
            RecordFactory(workspace=workspace, country="France")
        RecordFactory(workspace=workspace, country="Spain")
        read(admin_client.get(url("export", query="?country=France")))
        event = AuditEvent.objects.get(workspace=workspace, kind=AuditKind.EXPORT)
        assert event.actor == admin.user
        assert event.detail == {"list": "records", "filter": "country=France", "rows": 3}

    def test_a_bad_filter_is_refused_not_widened(self, admin_client, url, workspace):
        RecordFactory(workspace=workspace)
        response = admin_client.get(url("export", query="?icp_min=lots"))
        assert response.status_code == 400
        assert "icp_min" in response.content.decode()
        assert not AuditEvent.objects.filter(workspace=workspace, kind=AuditKind.EXPORT).exists()

    def test_only_this_workspaces_live_records(self, admin_client, url, workspace, other_workspace):
        RecordFactory(workspace=workspace, name="Mine")
        RecordFactory(workspace=other_workspace, name="Theirs")
        gone = RecordFactory(workspace=workspace, name="Gone")
        Record.objects.filter(pk=gone.pk).update(deleted_at=gone.created_at)
        assert [r[0] for r in read(admin_client.get(url("export")))[1:]] == ["Mine"]

    def test_the_list_links_to_the_export_with_its_filters(self, admin_client, url, workspace):
        RecordFactory(workspace=workspace, status="open")
        # (the empty cursor is dropped by a redirect to the list's tidy address)
        html = admin_client.get(
            url("list", query="?status=open&cursor=&sort=name"), follow=True
        ).content
        assert (url("export") + "?status=open&amp;sort=name").encode() in html

    def test_queries_per_batch_not_per_row(
        self, admin_client, url, workspace, small_batches, django_assert_max_num_queries
    ):
        for _ in range(6):
            RecordFactory(workspace=workspace)
        response = admin_client.get(url("export"))
        # 6 rows in batches of 2: 4 reads (the last one finds nothing), whatever the columns.
        with django_assert_max_num_queries(4):
            assert len(read(response)) == 7

"""The records list's column chooser: custom fields as columns, the order, remembered per view
and per member, the CSV following it, and a query count that grows with neither rows nor
columns."""

import csv
import io

import pytest
from django.http import QueryDict

from playbook.models import Role
from records import columns as cols
from records.models import ColumnChoice, Record, SavedView
from records.services import saved_views as services
from tests.factories import CustomFieldDefinitionFactory, RecordFactory, StageDefinitionFactory

pytestmark = pytest.mark.django_db


def _headers(response) -> list[str]:
    return [column.label for column, _ in response.context["headers"]]


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


class TestChooser:
    def test_a_custom_field_column_shows_its_values(self, admin_client, workspace, admin, url):
        CustomFieldDefinitionFactory(workspace=workspace, key="seats", label="Seats", kind="number")
        RecordFactory(workspace=workspace, name="Acme", custom_fields={"seats": 1200})
        before = admin_client.get(url("list"))
        assert "Seats" not in _headers(before)
        assert "Seats" in before.content.decode()  # offered in the chooser
        response = admin_client.post(
            url("columns"), {"columns": ["cf_seats", "icp"], "next": url("list")}
        )
        assert response.status_code == 302
        page = admin_client.get(url("list"))
        assert _headers(page) == ["Name", "Seats", "ICP"]
        assert 'data-label="Seats">1,200</td>' in page.content.decode()

    def test_move_buttons_reorder(self, admin_client, workspace, url):
        admin_client.post(url("columns"), {"columns": ["stage", "owner", "icp"], "move": "icp:up"})
        assert _headers(admin_client.get(url("list")))[1:] == ["Stage", "ICP", "Owner"]
        admin_client.post(
            url("columns"), {"columns": ["stage", "icp", "owner"], "move": "stage:down"}
        )
        assert _headers(admin_client.get(url("list")))[1:] == ["ICP", "Stage", "Owner"]

    def test_remembered_per_view_and_for_the_list_without_one(
        self, client, workspace, admin, member_factory, url
    ):
        rep = member_factory(workspace, Role.AE)
        shared = services.saved_view_create(
            workspace=workspace,
            member=admin,
            name="Team",
            shared=True,
            params=QueryDict("owner=any"),
            columns=["owner", "status"],
        )
        client.force_login(rep.user)
        assert _headers(client.get(url("list", query=f"?view={shared.pk}")))[1:] == [
            "Owner",
            "Status",
        ]
        # The rep may not change the shared view: their choice is their own, for this view.
        client.post(url("columns"), {"view": shared.pk, "columns": ["icp"]})
        client.post(url("columns"), {"view": "all", "columns": ["country"]})
        assert _headers(client.get(url("list", query=f"?view={shared.pk}")))[1:] == ["ICP"]
        assert _headers(client.get(url("list", query="?view=all")))[1:] == ["Country"]
        shared.refresh_from_db()
        assert shared.columns == ["owner", "status"]
        assert ColumnChoice.objects.filter(user=rep.user).count() == 2

    def test_a_removed_custom_field_drops_out(self, admin_client, workspace, url):
        field = CustomFieldDefinitionFactory(workspace=workspace, key="tier", label="Tier")
        admin_client.post(url("columns"), {"columns": ["cf_tier", "icp"]})
        field.delete()
        assert _headers(admin_client.get(url("list")))[1:] == ["ICP"]

    def test_a_new_view_keeps_the_columns_on_screen(self, admin_client, workspace, url):
        admin_client.post(url("columns"), {"columns": ["icp", "owner"]})
        admin_client.post(url("view_create"), {"name": "Fit", "query": "sort=-icp"})
        assert SavedView.objects.get(workspace=workspace, name="Fit").columns == ["icp", "owner"]


class TestExportFollowsTheColumns:
    def test_a_views_columns_and_filters(self, admin_client, workspace, admin, url):
        CustomFieldDefinitionFactory(workspace=workspace, key="seats", label="Seats", kind="number")
        RecordFactory(workspace=workspace, name="Keep", status="lost", custom_fields={"seats": 3})
        RecordFactory(workspace=workspace, name="Drop")
        view = services.saved_view_create(
            workspace=workspace,
            member=admin,
            name="Lost",
            shared=False,
            params=QueryDict("status=lost"),
            columns=["cf_seats", "status"],
        )
        rows = _csv(admin_client.get(url("export", query=f"?view={view.pk}")))
        assert rows == [["Name", "Domain", "Seats", "Status"], ["Keep", rows[1][1], "3", "Lost"]]


def test_every_column_resolves_to_a_cell_and_an_export_header(workspace):
    definitions = [CustomFieldDefinitionFactory(workspace=workspace, key="seats", kind="number")]
    everything = cols.resolve(list(cols.available(definitions)), definitions)
    assert len(everything) == len(cols.STANDARD) + 2
    assert cols.export_header(everything)[:2] == ["Name", "Domain"]


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "partial"])
def test_query_count_is_constant_in_rows_and_columns(
    admin_client, workspace, admin, url, django_assert_max_num_queries, htmx
):
    """Every standard column and five custom fields, with 3 and then 30 rows: custom values come
    with the records' own query, so neither rows nor columns add queries."""
    stage = StageDefinitionFactory(workspace=workspace)
    definitions = [
        CustomFieldDefinitionFactory(workspace=workspace, key=f"f{i}", label=f"F{i}")
        for i in range(5)
    ]
    every = list(cols.available(definitions))
    admin_client.post(url("columns"), {"columns": every})
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    admin_client.get(url("tasks"))  # the first visit stores the workspace in the session
    for rows in (3, 30):
        have = Record.objects.filter(workspace=workspace).count()
        for i in range(rows - have):
            RecordFactory(
                workspace=workspace,
                owner=admin.user,
                stage=stage,
                custom_fields={d.key: f"v{i}" for d in definitions},
            )
        with django_assert_max_num_queries(16 if htmx else 18):
            response = admin_client.get(url("list", query="?size=100"), **headers)
        assert response.status_code == 200
        assert len(response.context["page"].items) == rows
        assert len(response.context["headers"]) == len(every) + 1

"""The bulk bar, the action's form, the summary (page and htmx), job progress, refusals and
another workspace's ids."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bulk.models import BulkAction, BulkItem
from jobs.models import Job
from pipeline.models import StageTransition
from playbook.models import Role
from records.models import Record
from tests.factories import MembershipFactory, RecordFactory

from .conftest import HTMX

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, team):
    client.force_login(team["admin"].user)
    return client


def move_post(stage, records, **extra):
    return {
        "kind": "move",
        "ids": [r.pk for r in records],
        "confirm": "1",
        "bulk-stage": stage.pk,
        **extra,
    }


def test_the_list_has_a_bulk_bar_and_a_tick_per_row(admin_client, pipeline_ws, make_record):
    record = make_record("lead", name="Acme")
    html = admin_client.get(reverse("records:list", args=[pipeline_ws.slug])).content.decode()
    assert 'id="bulk-form"' in html
    assert f'name="ids" value="{record.pk}" form="bulk-form"' in html
    assert 'aria-label="Tick Acme"' in html


@pytest.mark.parametrize("kind", ["assign", "task", "move", "delete"])
def test_choosing_an_action_shows_its_form(admin_client, start_url, make_record, kind):
    records = [make_record("lead") for _ in range(2)]
    response = admin_client.post(start_url, {"kind": kind, "ids": [r.pk for r in records]})
    assert response.status_code == 200
    assert "2 selected records" in response.content.decode()
    partial = admin_client.post(start_url, {"kind": kind, "ids": [r.pk for r in records]}, **HTMX)
    html = partial.content.decode()
    assert partial.status_code == 200 and html.lstrip().startswith('<section id="bulk-panel"')
    assert "<html" not in html


def test_a_bulk_move_in_the_request_shows_the_summary_naming_the_refused(
    admin_client, start_url, stages, make_record
):
    good = make_record("lead", qualified_for="mql", name="Good Co")
    bad = make_record("lead", name="Bad Co")
    response = admin_client.post(start_url, move_post(stages["mql"], [good, bad]), follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Moved: 1" in html and "Refused: 1" in html
    assert f'href="/w/{good.workspace.slug}/records/{bad.pk}/">Bad Co</a>: Does not meet' in html
    assert StageTransition.objects.filter(record=good, to_stage=stages["mql"]).count() == 1


def test_htmx_run_answers_the_summary_partial_and_tells_the_list_to_reload(
    admin_client, start_url, stages, make_record
):
    record = make_record("lead", qualified_for="mql")
    response = admin_client.post(start_url, move_post(stages["mql"], [record]), **HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "bulk-done"
    assert 'id="bulk-counts"' in response.content.decode()


def test_an_invalid_form_is_400_with_the_error_in_place(admin_client, start_url, make_record):
    record = make_record("lead")
    response = admin_client.post(
        start_url, {"kind": "task", "ids": [record.pk], "confirm": "1"}, **HTMX
    )
    assert response.status_code == 400
    assert 'id="id_bulk-title_errors"' in response.content.decode()
    assert not BulkAction.objects.exists()


def test_nothing_ticked_is_refused_plainly(admin_client, start_url):
    response = admin_client.post(start_url, {"kind": "delete"})
    assert response.status_code == 400
    assert "Tick at least one record" in response.content.decode()


def test_all_matching_takes_the_lists_filters(
    admin_client, start_url, pipeline_ws, stages, make_record, detail_url
):
    germans = [make_record("lead", country="Germany", name=f"G{i}") for i in range(2)]
    french = make_record("lead", country="France")
    data = {"kind": "delete", "scope": "all", "filters": "country=Germany&sort=name"}
    form = admin_client.post(start_url, data)
    assert "all 2 records matching" in form.content.decode()
    admin_client.post(start_url, {**data, "confirm": "1"})
    bulk = BulkAction.objects.get()
    assert sorted(BulkItem.objects.filter(bulk=bulk).values_list("record_id", flat=True)) == sorted(
        r.pk for r in germans
    )
    assert Record.objects.get(pk=french.pk).deleted_at is None


def test_more_than_a_page_runs_as_a_job_with_a_progress_bar(
    admin_client, start_url, stages, make_record, detail_url, sent_tasks,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    records = [make_record("lead", qualified_for="mql") for _ in range(5)]
    records.append(make_record("lead", name="Unqualified"))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(start_url, move_post(stages["mql"], records))
    bulk = BulkAction.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(bulk)
    assert bulk.in_background
    assert sent_tasks == [("bulk.tasks.bulk_run", (bulk.workspace_id, bulk.pk))]
    page = admin_client.get(detail_url(bulk)).content.decode()
    assert "<progress" in page and "0 of 6" in page and 'hx-trigger="every 1s"' in page
    from bulk.tasks import bulk_run

    bulk_run(*Job.objects.get().args)
    poll = admin_client.get(detail_url(bulk) + "?polling=1", **HTMX)
    html = poll.content.decode()
    assert poll["HX-Trigger"] == "bulk-done"
    assert "<progress" not in html and "every 1s" not in html
    assert "Moved: 5" in html and "Unqualified</a>: Does not meet" in html


def test_a_ticked_record_gone_meanwhile_is_skipped_and_the_others_are_done(
    admin_client, start_url, other_workspace, make_record
):
    """Deleted since the list was shown, purged, or another workspace's id (which answers like
    a missing one): skipped and said so, the rest of the selection goes ahead."""
    mine = make_record("lead", name="Still Here")
    deleted = make_record("lead", name="Deleted Meanwhile")
    Record.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    theirs = RecordFactory(workspace=other_workspace)
    ids = [mine.pk, deleted.pk, theirs.pk, 999_999]
    html = admin_client.post(start_url, {"kind": "delete", "ids": ids}).content.decode()
    assert "1 selected record" in html and "3 of the ticked records no longer exist " in html
    response = admin_client.post(
        start_url, {"kind": "delete", "ids": ids, "confirm": "1"}, follow=True
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Deleted: 1" in html and "Skipped: 3 (no longer exist)" in html
    assert "Refused: 0" in html and "Deleted Meanwhile" not in html
    bulk = BulkAction.objects.get()
    assert (bulk.total, bulk.skipped) == (1, 3)
    assert Record.objects.get(pk=mine.pk).deleted_at is not None
    assert Record.objects.get(pk=theirs.pk).deleted_at is None


def test_only_gone_records_is_refused_plainly_and_a_malformed_id_is_404(
    admin_client, start_url, other_workspace
):
    theirs = RecordFactory(workspace=other_workspace)
    for ids in ([theirs.pk], [999_999]):
        response = admin_client.post(start_url, {"kind": "delete", "ids": ids, "confirm": "1"})
        assert response.status_code == 400
        assert "The ticked records no longer exist" in response.content.decode()
    response = admin_client.post(start_url, {"kind": "delete", "ids": ["abc"], "confirm": "1"})
    assert response.status_code == 404
    assert not BulkAction.objects.exists()
    assert Record.objects.get(pk=theirs.pk).deleted_at is None


def test_a_summary_is_seen_by_its_author_and_by_admins_and_leaders_only(
    client, start_url, team, make_record, detail_url
):
    client.force_login(team["ae"].user)
    record = make_record("lead", owner=team["ae"].user)
    client.post(start_url, {"kind": "delete", "ids": [record.pk], "confirm": "1"})
    bulk = BulkAction.objects.get()
    for role, status in [("ae", 200), ("admin", 200), ("leader", 200), ("sdr", 403), ("csm", 403)]:
        client.force_login(team[role].user)
        assert client.get(detail_url(bulk)).status_code == status, role
        assert client.get(detail_url(bulk) + "?polling=1", **HTMX).status_code == status, role


def test_another_workspaces_summary_is_404(client, pipeline_ws, other_workspace, team):
    bulk = BulkAction.objects.create(workspace=other_workspace, kind="delete", total=0)
    outsider = MembershipFactory(workspace=other_workspace, role=Role.ADMIN)
    client.force_login(team["admin"].user)
    url = reverse("bulk:detail", args=[pipeline_ws.slug, bulk.pk])
    assert client.get(url).status_code == 404
    assert client.get(url, **HTMX).status_code == 404
    client.force_login(outsider.user)
    theirs = reverse("bulk:detail", args=[other_workspace.slug, bulk.pk])
    assert client.get(theirs).status_code == 200


def test_a_rep_bulk_deleting_others_records_sees_each_refused(client, start_url, team, make_record):
    client.force_login(team["ae"].user)
    records = [make_record("lead", owner=team["sdr"].user, name=f"Other {i}") for i in range(2)]
    response = client.post(
        start_url, {"kind": "delete", "ids": [r.pk for r in records], "confirm": "1"}, follow=True
    )
    html = response.content.decode()
    assert "Refused: 2" in html and html.count("can delete it.") == 2
    assert not Record.objects.filter(deleted_at__isnull=False).exists()


def test_the_summary_page_has_a_bounded_number_of_queries(
    admin_client, start_url, stages, make_record, detail_url
):
    def summary_queries(n):
        BulkAction.objects.all().delete()
        records = [make_record("lead", name=f"R{i}") for i in range(n)]
        admin_client.post(start_url, move_post(stages["mql"], records))
        with CaptureQueriesContext(connection) as ctx:
            admin_client.get(detail_url(BulkAction.objects.get()))
        return len(ctx)

    assert summary_queries(2) == summary_queries(3) <= 12


def test_all_matching_on_a_saved_view_takes_the_views_filters(
    admin_client, start_url, pipeline_ws, team, make_record
):
    import html as html_lib
    import re

    from records.list_models import SavedView

    germans = [make_record("lead", country="Germany") for _ in range(2)]
    french = make_record("lead", country="France")
    view = SavedView.objects.create(
        workspace=pipeline_ws, owner=team["admin"].user, name="DE", params={"country": ["Germany"]}
    )
    page = admin_client.get(reverse("records:list", args=[pipeline_ws.slug]) + f"?view={view.pk}")
    filters = re.search(r'name="filters" value="([^"]*)"', page.content.decode()).group(1)
    data = {"kind": "delete", "scope": "all", "filters": html_lib.unescape(filters)}
    admin_client.post(start_url, {**data, "confirm": "1"})
    deleted = Record.objects.filter(deleted_at__isnull=False).values_list("pk", flat=True)
    assert sorted(deleted) == sorted(r.pk for r in germans)
    assert Record.objects.get(pk=french.pk).deleted_at is None

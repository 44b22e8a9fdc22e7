"""Merging two duplicate records: what moves, what is filled, what is kept, refusals, the
survivor's timeline with both histories, and the pages (docs/adr/0113)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pipeline.models import StageTransition
from playbook.models import AuditEvent, AuditKind, Role
from records.models import Activity, Contact, Record
from records.selectors.timeline import record_timeline
from records.services.merge import MergeRefused, MergeStale, records_merge
from tests.factories import (
    ActivityFactory,
    ContactFactory,
    MembershipFactory,
    RecordFactory,
    StageTransitionFactory,
)

from .conftest import HTMX

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(workspace, admin):
    keep = RecordFactory(
        workspace=workspace, name="Acme", domain="", industry="Software", owner=admin.user
    )
    gone = RecordFactory(
        workspace=workspace,
        name="ACME Inc",
        domain="acme.example",
        industry="Retail",
        employee_count=120,
        custom_fields={"tier": "gold"},
        owner=admin.user,
    )
    ContactFactory(record=keep, is_primary=True, first_name="Kept")
    ContactFactory(record=gone, is_primary=True, first_name="Moved")
    ActivityFactory(record=gone, kind="call", subject="Old call", done=True)
    StageTransitionFactory(record=gone, at=timezone.now() - timedelta(days=3))
    return keep, gone


def merge(workspace, admin, keep, gone, **kw):
    keep.refresh_from_db()
    gone.refresh_from_db()
    return records_merge(
        workspace=workspace,
        survivor=keep,
        other=gone,
        actor=admin.user,
        membership=admin,
        survivor_version=kw.pop("survivor_version", keep.version),
        other_version=kw.pop("other_version", gone.version),
        **kw,
    )


def test_contacts_and_activities_move_and_empty_fields_are_filled(workspace, admin, pair):
    keep, gone = pair
    transitions_before = list(StageTransition.objects.filter(record=gone).values())
    merge(workspace, admin, keep, gone)
    keep.refresh_from_db()
    gone.refresh_from_db()
    assert gone.deleted_at is not None and gone.merged_into == keep
    assert keep.domain == "acme.example" and keep.employee_count == 120  # were empty
    assert keep.industry == "Software"  # was not empty: kept
    assert keep.custom_fields == {"tier": "gold"}
    contacts = {c.first_name: c for c in Contact.objects.filter(record=keep)}
    assert set(contacts) == {"Kept", "Moved"}
    assert contacts["Kept"].is_primary and not contacts["Moved"].is_primary
    assert Activity.objects.filter(record=keep, subject="Old call").exists()
    note = Activity.objects.get(record=keep, kind="note")
    assert note.subject == "Merged with ACME Inc"
    assert (
        "1 contact and 1 activity moved here" in note.body and "Domain (acme.example)" in note.body
    )
    # Stage history is never rewritten: the merged record's transitions stay its own.
    assert list(StageTransition.objects.filter(record=gone).values()) == transitions_before
    event = AuditEvent.objects.get(kind=AuditKind.RECORD_MERGED)
    assert event.target_id == keep.pk and "ACME Inc" in event.detail["merged_away"]


def test_the_survivors_timeline_shows_both_histories(workspace, admin, pair):
    keep, gone = pair
    merge(workspace, admin, keep, gone)
    keep.refresh_from_db()
    entries = record_timeline(workspace, keep, size=50).items
    theirs = [e for e in entries if e.merged_from == "ACME Inc"]
    assert {e.kind for e in theirs} >= {"transition", "created", "merged"}
    assert any(e.kind == "created" and not e.merged_from for e in entries)
    filled = [c.label for e in entries if e.kind == "change" for c in e.changes]
    assert "Domain" in filled


def test_the_timeline_pages_through_both_histories_without_loss(workspace, admin, pair):
    keep, gone = pair
    for i in range(5):
        StageTransitionFactory(record=gone, at=timezone.now() - timedelta(days=10 + i))
        StageTransitionFactory(record=keep, at=timezone.now() - timedelta(days=20 + i))
    merge(workspace, admin, keep, gone)
    keep.refresh_from_db()
    whole = record_timeline(workspace, keep, size=100).items
    seen, cursor = [], None
    while True:
        page = record_timeline(workspace, keep, size=3, cursor=cursor)
        seen += [(e.kind, e.pk) for e in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == [(e.kind, e.pk) for e in whole]


def test_refusals(workspace, admin, pair, member_factory):
    keep, gone = pair
    with pytest.raises(MergeRefused, match="with itself"):
        merge(workspace, admin, keep, keep)
    with pytest.raises(MergeStale):
        merge(workspace, admin, keep, gone, survivor_version=keep.version - 1 or 99)
    rep = member_factory(workspace, Role.AE)
    with pytest.raises(MergeRefused, match="only admins, leaders and its owner"):
        merge(workspace, rep, keep, gone)
    Record.objects.filter(pk=keep.pk).update(deleted_at=timezone.now())
    with pytest.raises(MergeRefused, match="cannot be merged into a deleted one"):
        merge(workspace, admin, keep, gone)
    assert Record.objects.get(pk=gone.pk).deleted_at is None
    assert Contact.objects.filter(record=gone).count() == 1


def test_a_record_of_another_workspace_cannot_be_merged(workspace, admin, other_workspace, pair):
    keep, _ = pair
    theirs = RecordFactory(workspace=other_workspace)
    with pytest.raises(ValidationError):
        merge(workspace, admin, keep, theirs)
    assert Record.objects.get(pk=theirs.pk).deleted_at is None


def test_a_customer_cannot_be_merged_away(workspace, admin, pair):
    from customers.services.ledger import subscription_start

    keep, gone = pair
    subscription_start(
        workspace=workspace, record=gone, mrr="100", started_on=timezone.localdate(), actor=None
    )
    with pytest.raises(MergeRefused, match="subscriptions"):
        merge(workspace, admin, keep, gone)
    merge(workspace, admin, gone, keep)  # the customer survives instead
    assert Record.objects.get(pk=keep.pk).merged_into_id == gone.pk


def test_a_merged_record_is_not_restored(workspace, admin, pair):
    from records.services.records import record_restore

    keep, gone = pair
    merge(workspace, admin, keep, gone)
    with pytest.raises(ValidationError, match="merged into"):
        record_restore(record=Record.objects.get(pk=gone.pk), actor=admin.user)


# --- pages -----------------------------------------------------------------------------------


def test_merge_with_finds_the_duplicate_by_the_lists_search(admin_client, url, pair):
    keep, gone = pair
    page = admin_client.get(url("merge", keep.pk, query="?q=acme"))
    html = page.content.decode()
    assert page.status_code == 200 and "Merge with ACME Inc" in html
    assert f"/records/{keep.pk}/merge/{gone.pk}/" in html
    partial = admin_client.get(url("merge", keep.pk, query="?q=acme"), **HTMX).content.decode()
    assert (
        partial.lstrip().startswith('<div id="merge-candidates"') and "Merge with ACME" in partial
    )
    assert "Merge with…" in admin_client.get(url("detail", keep.pk)).content.decode()


def test_the_confirmation_shows_both_and_what_is_filled(admin_client, url, pair):
    keep, gone = pair
    html = admin_client.get(url("merge_confirm", keep.pk, gone.pk)).content.decode()
    assert "Keep <strong>Acme</strong>" in html and "Keep <strong>ACME Inc</strong>" in html
    assert "<strong>Domain</strong> (acme.example)" in html
    assert f'name="version_{keep.pk}" value="{keep.version}"' in html


def test_confirming_merges_and_the_merged_away_page_points_at_the_survivor(admin_client, url, pair):
    keep, gone = pair
    response = admin_client.post(
        url("merge_confirm", keep.pk, gone.pk),
        {
            "survivor": gone.pk,
            f"version_{keep.pk}": keep.version,
            f"version_{gone.pk}": gone.version,
        },
    )
    assert response.status_code == 302 and response["Location"] == url("detail", gone.pk)
    notice = admin_client.get(url("detail", keep.pk))
    assert notice.status_code == 200
    html = notice.content.decode()
    assert "merged into" in html and f'href="{url("detail", gone.pk)}"' in html


def test_a_stale_confirmation_is_409_and_shows_the_records_again(admin_client, url, pair):
    keep, gone = pair
    response = admin_client.post(
        url("merge_confirm", keep.pk, gone.pk),
        {"survivor": keep.pk, f"version_{keep.pk}": keep.version + 5, f"version_{gone.pk}": 1},
    )
    assert response.status_code == 409 and "changed after you opened" in response.content.decode()
    assert Record.objects.get(pk=gone.pk).deleted_at is None


def test_merging_a_record_with_itself_is_400(admin_client, url, pair):
    keep, _ = pair
    assert admin_client.get(url("merge_confirm", keep.pk, keep.pk)).status_code == 400
    response = admin_client.post(url("merge_confirm", keep.pk, keep.pk), {"survivor": keep.pk})
    assert response.status_code == 400
    assert Record.objects.get(pk=keep.pk).deleted_at is None


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["page", "htmx"])
def test_another_workspaces_record_is_404_in_either_place(
    admin_client, url, pair, other_workspace, headers
):
    keep, _ = pair
    MembershipFactory(workspace=other_workspace)
    theirs = RecordFactory(workspace=other_workspace)
    for args in ((keep.pk, theirs.pk), (theirs.pk, keep.pk)):
        assert admin_client.get(url("merge_confirm", *args), **headers).status_code == 404
        post = admin_client.post(url("merge_confirm", *args), {"survivor": keep.pk}, **headers)
        assert post.status_code == 404
    assert admin_client.get(url("merge", theirs.pk), **headers).status_code == 404
    assert Record.objects.get(pk=theirs.pk).deleted_at is None


def test_two_ticked_on_the_list_open_the_confirmation(admin_client, workspace, pair):
    from django.urls import reverse

    keep, gone = pair
    start = reverse("bulk:start", args=[workspace.slug])
    response = admin_client.post(start, {"kind": "merge", "ids": [keep.pk, gone.pk]})
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "records:merge_confirm", args=[workspace.slug, keep.pk, gone.pk]
    )
    htmx = admin_client.post(start, {"kind": "merge", "ids": [keep.pk, gone.pk]}, **HTMX)
    assert htmx["HX-Redirect"] == response["Location"]
    third = RecordFactory(workspace=workspace)
    refused = admin_client.post(start, {"kind": "merge", "ids": [keep.pk, gone.pk, third.pk]})
    assert refused.status_code == 400 and "exactly two" in refused.content.decode()


def test_the_survivors_page_has_a_bounded_number_of_queries(admin_client, url, workspace, admin):
    def queries(merged):
        keep = RecordFactory(workspace=workspace, owner=admin.user)
        for _ in range(merged):
            gone = RecordFactory(workspace=workspace, owner=admin.user)
            StageTransitionFactory(record=gone)
            merge(workspace, admin, keep, gone)
        with CaptureQueriesContext(connection) as ctx:
            assert admin_client.get(url("detail", keep.pk)).status_code == 200
        return len(ctx)

    none, one, three = queries(0), queries(1), queries(3)
    # One query finds the merged records; then one more per merged record at most (the diff
    # base of its oldest history row in the page).
    assert one <= none + 2 and three <= none + 4


def test_a_rep_who_may_delete_neither_record_is_403(client, url, pair, rep):
    keep, gone = pair  # both owned by the admin
    client.force_login(rep.user)
    assert client.get(url("merge_confirm", keep.pk, gone.pk)).status_code == 403
    response = client.post(
        url("merge_confirm", keep.pk, gone.pk),
        {"survivor": keep.pk, f"version_{keep.pk}": keep.version, f"version_{gone.pk}": 1},
    )
    assert response.status_code == 400
    assert "only admins, leaders and its owner" in response.content.decode()
    assert Record.objects.get(pk=gone.pk).deleted_at is None


def test_merge_with_is_offered_only_to_who_may_delete_the_record(client, url, pair, rep):
    """Merging the record away deletes it: the rep who may not delete it is not offered the
    button (the confirmation would answer 403); its owner and admins are."""
    keep, _ = pair  # owned by the admin
    merge_url = url("merge", keep.pk)
    client.force_login(rep.user)
    assert f'href="{merge_url}"' not in client.get(url("detail", keep.pk)).content.decode()
    mine = RecordFactory(workspace=keep.workspace, owner=rep.user)
    assert f'href="{url("merge", mine.pk)}"' in client.get(url("detail", mine.pk)).content.decode()
    client.force_login(keep.owner)
    assert f'href="{merge_url}"' in client.get(url("detail", keep.pk)).content.decode()

"""In-app notifications: every owner change lands in the new owner's list (never one's own
doing), the bell's count comes from the cache, and a member sees only their own."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from notifications import unread
from notifications.models import Notification, NotificationKind
from pipeline import services as pipeline_services
from pipeline.models import StageTransition
from playbook.models import Role
from records.services import records as record_services
from tests.conftest import login_as
from tests.factories import RecordFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def url(ws, name, *args):
    return reverse(f"notifications:{name}", args=[ws.slug, *args])


def notify(recipient, record, **fields):
    return Notification.objects.create(
        workspace=record.workspace,
        recipient=recipient,
        record=record,
        kind=NotificationKind.ASSIGNED,
        detail="is now yours",
        **fields,
    )


# --- services: every place an owner changes ---------------------------------------------------


def test_a_handoff_by_round_robin_notifies_the_new_owner(
    make_record, team, stages, pipeline_ws, django_capture_on_commit_callbacks
):
    record = make_record("lead", qualified_for="mql", owner=team["marketing"].user)
    with django_capture_on_commit_callbacks(execute=True):
        pipeline_services.record_advance(
            workspace=pipeline_ws,
            record=record,
            actor=team["marketing"].user,
            membership=team["marketing"],
            to_stage=stages["mql"],
        )
    record.refresh_from_db()
    assert record.owner_id in (team["sdr"].user_id, team["sdr2"].user_id)
    note = Notification.objects.get()
    assert note.recipient_id == record.owner_id and note.kind == NotificationKind.HANDOFF
    assert note.actor_id == team["marketing"].user_id and note.detail.startswith("entered MQL")
    transition = StageTransition.objects.filter(record=record).latest("pk")
    assert note.key == f"handoff:{transition.pk}"


def test_a_move_that_keeps_the_owner_notifies_nobody(make_record, team, stages, pipeline_ws):
    record = make_record("sql", qualified_for="opportunity", owner=team["ae"].user)
    pipeline_services.record_advance(
        workspace=pipeline_ws,
        record=record,
        actor=team["admin"].user,
        membership=team["admin"],
        to_stage=stages["opportunity"],
        owner=team["ae"].user,
    )
    assert not Notification.objects.exists()


def test_no_notification_when_you_hand_a_record_to_yourself(make_record, team, stages, pipeline_ws):
    record = make_record("opportunity", qualified_for="opportunity", owner=team["ae"].user)
    pipeline_services.record_move_back(
        workspace=pipeline_ws,
        record=record,
        actor=team["sdr"].user,
        membership=team["admin"],
        to_stage=stages["sql"],
        owner=team["sdr"].user,
    )
    record.refresh_from_db()
    assert record.owner_id == team["sdr"].user_id
    assert not Notification.objects.exists()


def test_undo_withdraws_the_unread_handoff_notification(make_record, team, stages, pipeline_ws):
    record = make_record("opportunity", qualified_for="opportunity", owner=team["ae"].user)
    transition = pipeline_services.record_move_back(
        workspace=pipeline_ws,
        record=record,
        actor=team["ae"].user,
        membership=team["ae"],
        to_stage=stages["sql"],
    )
    assert Notification.objects.filter(key=f"handoff:{transition.pk}").count() == 1
    record.refresh_from_db()
    pipeline_services.record_undo_move(
        workspace=pipeline_ws,
        transition=transition,
        actor=team["ae"].user,
        membership=team["ae"],
        version=record.version,
    )
    # The AE undid their own move: the SDR's news is gone, the AE is not told about it.
    assert not Notification.objects.exists()


def test_reassignment_by_someone_else_notifies_and_your_own_does_not(workspace, member_factory):
    leader, rep, other = (member_factory(workspace, r) for r in (Role.LEADER, Role.AE, Role.AE))
    record = RecordFactory(workspace=workspace, owner=rep.user)
    record = record_services.record_update(
        record=record, actor=leader.user, version=record.version, owner=other.user
    )
    note = Notification.objects.get()
    assert (note.recipient, note.actor, note.kind) == (other.user, leader.user, "assigned")
    # The new owner gives it back to themselves... to someone else, then takes it: no self-news.
    record = record_services.record_update(
        record=record, actor=other.user, version=record.version, owner=rep.user
    )
    record_services.record_update(
        record=record, actor=leader.user, version=record.version, owner=leader.user
    )
    assert list(Notification.objects.order_by("pk").values_list("recipient", flat=True)) == [
        other.user_id,
        rep.user_id,
    ]


def test_creating_a_record_for_someone_else_notifies_them(workspace, member_factory):
    creator, owner = member_factory(workspace, Role.SDR), member_factory(workspace, Role.AE)
    record_services.record_create(
        workspace=workspace, actor=creator.user, name="A", owner=owner.user
    )
    record_services.record_create(
        workspace=workspace, actor=creator.user, name="B", owner=creator.user
    )
    record_services.record_create(workspace=workspace, actor=None, name="C", owner=owner.user)
    assert list(Notification.objects.values_list("record__name", "recipient")) == [
        ("A", owner.user_id)
    ]


def test_the_unread_count_is_forgotten_on_create_and_on_read(
    workspace, member_factory, django_capture_on_commit_callbacks
):
    leader, rep = member_factory(workspace, Role.LEADER), member_factory(workspace, Role.AE)
    record = RecordFactory(workspace=workspace, owner=leader.user)
    assert unread.count(workspace.pk, rep.user_id) == 0
    assert unread.cached(workspace.pk, rep.user_id) == 0
    with django_capture_on_commit_callbacks(execute=True):
        record_services.record_update(
            record=record, actor=leader.user, version=record.version, owner=rep.user
        )
    assert unread.cached(workspace.pk, rep.user_id) is None
    assert unread.count(workspace.pk, rep.user_id) == 1
    from notifications.services import notifications_mark_all_read

    with django_capture_on_commit_callbacks(execute=True):
        notifications_mark_all_read(workspace=workspace, user=rep.user)
    assert unread.cached(workspace.pk, rep.user_id) is None
    assert unread.count(workspace.pk, rep.user_id) == 0


# --- HTTP -----------------------------------------------------------------------------------


def test_the_page_lists_the_members_own_newest_first_with_links(client, workspace, member_factory):
    rep, other = member_factory(workspace, Role.AE), member_factory(workspace, Role.AE)
    older = notify(rep.user, RecordFactory(workspace=workspace, name="Older Co"))
    newer = notify(rep.user, RecordFactory(workspace=workspace, name="Newer Co"))
    notify(other.user, RecordFactory(workspace=workspace, name="Not Yours Co"))
    html = login_as(client, rep).get(url(workspace, "list")).content.decode()
    assert html.index("Newer Co") < html.index("Older Co") and "Not Yours Co" not in html
    assert url(workspace, "open", newer.pk) in html and url(workspace, "open", older.pk) in html


def test_keyset_pages_and_a_broken_cursor(client, workspace, member_factory, monkeypatch):
    monkeypatch.setattr("notifications.selectors.PAGE_SIZE", 2)
    rep = member_factory(workspace, Role.AE)
    names = [f"Co {i}" for i in range(5)]
    for name in names:
        notify(rep.user, RecordFactory(workspace=workspace, name=name))
    login_as(client, rep)
    response = client.get(url(workspace, "list"))
    seen, page = [], response.context["page"]
    while True:
        seen += [n.record.name for n in page.items]
        if not page.next_cursor:
            break
        response = client.get(url(workspace, "list"), {"cursor": page.next_cursor}, **HTMX)
        assert response.status_code == 200 and "<html" not in response.content.decode()
        page = response.context["page"]
    assert seen == names[::-1]
    assert client.get(url(workspace, "list"), {"cursor": "nope"}).status_code == 400


def test_page_query_count_does_not_grow_with_rows(
    client, workspace, member_factory, django_assert_max_num_queries
):
    rep, leader = member_factory(workspace, Role.AE), member_factory(workspace, Role.LEADER)
    for _ in range(12):
        notify(rep.user, RecordFactory(workspace=workspace), actor=leader.user)
    login_as(client, rep)
    # Session, user, membership, the page (record and actor joined), the memberships menu,
    # the session's save and their savepoints: none per row.
    with django_assert_max_num_queries(10):
        assert client.get(url(workspace, "list")).status_code == 200


def test_opening_one_marks_it_read_and_lands_on_the_record(client, workspace, member_factory):
    rep = member_factory(workspace, Role.AE)
    note = notify(rep.user, RecordFactory(workspace=workspace))
    response = login_as(client, rep).get(url(workspace, "open", note.pk))
    assert response.status_code == 302
    assert response["Location"] == reverse("records:detail", args=[workspace.slug, note.record_id])
    note.refresh_from_db()
    assert note.read_at is not None


def test_mark_one_read_by_htmx_answers_the_row_and_tells_the_bell(
    client, workspace, member_factory
):
    rep = member_factory(workspace, Role.AE)
    note = notify(rep.user, RecordFactory(workspace=workspace, name="Acme"))
    response = login_as(client, rep).post(url(workspace, "read", note.pk), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith(f'<li id="notification-{note.pk}"')
    assert "Mark read" not in html and response["HX-Trigger"] == "notifications-changed"
    note.refresh_from_db()
    assert note.read_at is not None
    # Without htmx: back to the list.
    other = notify(rep.user, RecordFactory(workspace=workspace))
    assert client.post(url(workspace, "read", other.pk)).status_code == 302


def test_mark_all_read(client, workspace, member_factory):
    rep, other = member_factory(workspace, Role.AE), member_factory(workspace, Role.AE)
    for _ in range(3):
        notify(rep.user, RecordFactory(workspace=workspace))
    theirs = notify(other.user, RecordFactory(workspace=workspace))
    assert login_as(client, rep).post(url(workspace, "read_all")).status_code == 302
    assert not Notification.objects.filter(recipient=rep.user, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_another_members_notification_is_404(client, workspace, member_factory):
    rep, other = member_factory(workspace, Role.AE), member_factory(workspace, Role.ADMIN)
    theirs = notify(rep.user, RecordFactory(workspace=workspace))
    login_as(client, other)  # even an admin
    assert client.get(url(workspace, "open", theirs.pk)).status_code == 404
    assert client.post(url(workspace, "read", theirs.pk)).status_code == 404
    assert client.post(url(workspace, "read", theirs.pk), **HTMX).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_bell_reads_the_cache_and_loads_itself_when_it_has_no_count(
    client, workspace, member_factory, django_assert_max_num_queries
):
    rep = member_factory(workspace, Role.AE)
    notify(rep.user, RecordFactory(workspace=workspace))
    login_as(client, rep)
    bell_url = url(workspace, "bell")
    # No count cached: the page renders an empty bell that asks for itself on load.
    html = client.get(reverse("records:tasks", args=[workspace.slug])).content.decode()
    assert f'hx-get="{bell_url}"' in html and 'hx-trigger="load, ' in html
    assert "bell-count" not in html
    with django_assert_max_num_queries(8):  # the request's own, and one count
        bell = client.get(bell_url, **HTMX).content.decode()
    assert 'class="bell-count" data-count="1"' in bell and 'hx-trigger="load' not in bell
    # Now cached: the layout shows the count without asking, and without a query of its own.
    html = client.get(reverse("records:tasks", args=[workspace.slug])).content.decode()
    assert 'data-count="1"' in html and 'hx-trigger="notifications-changed from:body"' in html


def test_the_bell_says_99_plus_at_the_cap(client, workspace, member_factory):
    rep = member_factory(workspace, Role.AE)
    cache.set(unread.key(workspace.pk, rep.user_id), unread.CAP)
    html = login_as(client, rep).get(url(workspace, "list")).content.decode()
    assert ">99+</span>" in html and "100+ unread" in html


def test_empty_state_says_what_lands_here(client, workspace, member_factory):
    rep = member_factory(workspace, Role.AE)
    html = login_as(client, rep).get(url(workspace, "list")).content.decode()
    assert "No notifications." in html and "handed to you" in html

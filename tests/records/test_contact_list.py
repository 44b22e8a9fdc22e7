"""The workspace's contacts list (contacts/) and the navigation's quick search (search/)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from playbook.models import Role
from records.selectors import contacts as contact_selectors
from records.selectors.quick_search import quick_search
from tests.conftest import login_as
from tests.factories import ContactFactory, RecordFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def list_url(ws):
    return reverse("records:contact_list", args=[ws.slug])


def search_url(ws):
    return reverse("records:quick_search", args=[ws.slug])


def names(html):
    return re.findall(r'<th scope="row">\s*<a [^>]*>([^<]+)</a>', html)


@pytest.fixture
def people(workspace):
    acme = RecordFactory(workspace=workspace, name="Acme Robotics", domain="acme.example")
    blue = RecordFactory(
        workspace=workspace, name="Blue Summit Health", domain="bluesummit.example"
    )
    gone = RecordFactory(workspace=workspace, name="Gone Ltd", deleted_at=timezone.now())
    return {
        "ada": ContactFactory(
            record=acme, first_name="Ada", last_name="Lovelace", email="ada@acme.example",
            seniority="c_level", phone_raw="+49 30 901820", phone="+4930901820",
        ),
        "bob": ContactFactory(
            record=blue, first_name="Bob", last_name="Stone", email="bob.stone@bluesummit.example",
            seniority="manager", phone_valid=False, phone_raw="123", phone="",
        ),
        "cy": ContactFactory(
            record=blue, first_name="Cy", last_name="Young", email="cy@mail.example",
            email_valid=False, phone_raw="", phone="", phone_valid=False,
        ),
        "ghost": ContactFactory(record=gone, first_name="Ghost", last_name="Writer"),
    }  # fmt: skip


def test_the_list_shows_live_contacts_by_name_with_their_record(admin_client, workspace, people):
    html = admin_client.get(list_url(workspace)).content.decode()
    assert names(html) == ["Ada Lovelace", "Bob Stone", "Cy Young"]
    record_url = reverse("records:detail", args=[workspace.slug, people["ada"].record_id])
    assert f'href="{record_url}#contacts"' in html and "Acme Robotics" in html
    assert 'data-label="E-mail"' in html  # the card layout's labels at 390 px


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"q": "lovelace"}, ["Ada Lovelace"]),
        ({"q": "ston"}, ["Bob Stone"]),  # the last word may be the start of one
        ({"q": "bob.stone@bluesummit.example"}, ["Bob Stone"]),
        ({"q": "bluesummit"}, ["Bob Stone"]),  # a word of the e-mail
        ({"q": "+49 30 9018"}, ["Ada Lovelace"]),  # a phone, international form
        ({"q": "zz"}, ["Ada Lovelace", "Bob Stone", "Cy Young"]),  # too short: ignored
        ({"seniority": "manager"}, ["Bob Stone"]),
        ({"validity": "valid"}, ["Ada Lovelace"]),
        ({"validity": "invalid_phone"}, ["Bob Stone"]),
        ({"validity": "invalid_email"}, ["Cy Young"]),
        ({"validity": "no_phone"}, ["Cy Young"]),
        ({"q": "writer"}, []),  # a deleted record's contact
    ],
)
def test_search_and_filters(admin_client, workspace, people, query, expected):
    html = admin_client.get(list_url(workspace), query).content.decode()
    assert names(html) == expected


def test_no_match_and_empty_workspace_say_what_to_do(admin_client, workspace, other_workspace):
    html = admin_client.get(list_url(workspace)).content.decode()
    assert "No contacts yet." in html and "Add a contact" in html
    RecordFactory(workspace=workspace)
    ContactFactory(record=RecordFactory(workspace=workspace), first_name="Zed")
    html = admin_client.get(list_url(workspace), {"q": "nobodyhere"}).content.decode()
    assert "No contacts match" in html and "Clear the filters" in html


def every_page(client, workspace, monkeypatch, size=2):
    """The names of every page of the list, following its "More contacts" link (htmx)."""
    monkeypatch.setattr(contact_selectors, "PAGE_SIZE", size)
    monkeypatch.setattr(contact_selectors.contacts_page, "__defaults__", (None, size))
    seen, query = [], {}
    while True:
        response = client.get(list_url(workspace), query, **HTMX)
        html = response.content.decode()
        assert response.status_code == 200 and "<html" not in html
        seen += names(html)
        more = re.search(r'hx-get="([^"]*cursor=[^"]+)"[^>]*>More contacts', html)
        if not more:
            break
        query = {
            "cursor": re.search(r"cursor=([^&\"]+)", more.group(1).replace("&amp;", "&")).group(1)
        }
        query["cursor"] = query["cursor"].replace("%3A", ":")
    return seen


def test_keyset_pages_htmx_partial_and_a_broken_cursor(admin_client, workspace, monkeypatch):
    record = RecordFactory(workspace=workspace)
    for name in ["Eve", "Dan", "Ann", "Cat", "Bea"]:
        ContactFactory(record=record, first_name=name, last_name="")
    assert every_page(admin_client, workspace, monkeypatch) == ["Ann", "Bea", "Cat", "Dan", "Eve"]
    assert admin_client.get(list_url(workspace), {"cursor": "broken"}).status_code == 400


def test_the_list_is_by_last_name_then_first_name_across_pages(
    admin_client, workspace, monkeypatch
):
    """Pages end inside a shared last name, or between two people of the same name, and the
    next one goes on from the right person (the cursor holds both names and the id); a person
    without a last name sorts first."""
    record = RecordFactory(workspace=workspace)
    for first, last in [
        ("Al", "Young"), ("Cy", "Smith"), ("Zoe", "Adams"), ("Ann", "Smith"), ("Bo", ""),
        ("Bob", "Smith"), ("Ann", "Smith"),
    ]:  # fmt: skip
        ContactFactory(record=record, first_name=first, last_name=last)
    for size in (2, 3):
        assert every_page(admin_client, workspace, monkeypatch, size) == [
            "Bo", "Zoe Adams", "Ann Smith", "Ann Smith", "Bob Smith", "Cy Smith", "Al Young",
        ]  # fmt: skip


def test_list_query_count_is_bounded(
    client, workspace, member_factory, django_assert_max_num_queries
):
    rep = member_factory(workspace, Role.SDR)
    for _ in range(3):
        record = RecordFactory(workspace=workspace)
        for _ in range(4):
            ContactFactory(record=record)
    login_as(client, rep)
    # The request's own (session, user, membership, the workspace menu, the session's save and
    # savepoints), the search's probe and the page with each contact's record: none per row.
    with django_assert_max_num_queries(11):
        assert client.get(list_url(workspace), {"q": "example"}).status_code == 200


def test_another_workspaces_contacts_are_not_listed(client, workspace, other_workspace, people):
    stranger = ContactFactory(
        record=RecordFactory(workspace=other_workspace), first_name="Stranger", last_name=""
    )
    from tests.factories import MembershipFactory

    member = MembershipFactory(workspace=other_workspace, role=Role.ADMIN)
    html = login_as(client, member).get(list_url(other_workspace)).content.decode()
    assert names(html) == [stranger.full_name]
    # A non-member of `workspace` gets 404 there.
    assert client.get(list_url(workspace)).status_code == 404
    assert client.get(search_url(workspace), {"q": "ada"}, **HTMX).status_code == 404


# --- quick search ------------------------------------------------------------------------------


def test_quick_search_finds_records_by_name_and_domain_and_contacts_by_name_and_email(
    workspace, people
):
    found = quick_search(workspace, "acme")
    assert [r.name for r in found.records] == ["Acme Robotics"]
    assert [c.full_name for c in found.contacts] == ["Ada Lovelace"]  # ada@acme.example
    assert [r.name for r in quick_search(workspace, "bluesummit").records] == ["Blue Summit Health"]
    assert [c.full_name for c in quick_search(workspace, "young").contacts] == ["Cy Young"]
    assert quick_search(workspace, "gone").records == []  # deleted records stay out
    assert quick_search(workspace, "ac").count == 0  # too short


def test_quick_search_answers_at_most_eight(workspace):
    for i in range(10):
        record = RecordFactory(workspace=workspace, name=f"Orbit {i}")
        ContactFactory(record=record, first_name="Orbit", last_name=str(i))
    found = quick_search(workspace, "orbit")
    assert len(found.records) == 5 and found.count == 8


def test_quick_search_endpoint_htmx_partial_and_query_bound(
    client, workspace, people, member_factory, django_assert_max_num_queries
):
    rep = member_factory(workspace, Role.SDR)
    login_as(client, rep)
    # The request's own (with savepoints), the records' probe and page, the contacts' probe
    # and page.
    with django_assert_max_num_queries(12):
        response = client.get(search_url(workspace), {"q": "acme"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'role="listbox"' in html
    assert html.count('role="option"') == 3  # a record, a contact, "see all"
    assert "owner=any&amp;q=acme" in html
    assert "HX-Request" in response["Vary"]
    # Without htmx (no JavaScript): the records list's search, everyone's records.
    plain = client.get(search_url(workspace), {"q": "acme"})
    assert plain.status_code == 302 and plain["Location"].endswith("/records/?owner=any&q=acme")


def test_quick_search_with_nothing_found_offers_the_records_list(client, workspace, people, admin):
    html = login_as(client, admin).get(search_url(workspace), {"q": "zebra"}, **HTMX)
    assert "Nothing found here" in html.content.decode()


def test_the_navigation_has_the_quick_search_and_the_contacts_link(admin_client, workspace):
    html = admin_client.get(reverse("records:tasks", args=[workspace.slug])).content.decode()
    assert 'id="quick-search"' in html and 'aria-keyshortcuts="/ Control+K"' in html
    assert f'href="{list_url(workspace)}"' in html


def test_the_name_words_expression_is_the_indexed_one():
    import importlib

    from records import search

    migration = importlib.import_module("records.migrations.0015_contacts_list_indexes")
    assert search.CONTACT_NAME_WORDS.format(t="") == migration.CONTACT_NAME_WORDS

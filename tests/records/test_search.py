"""The records list's search (records.search, docs/adr/0103): a company by any word of its name
or domain, a person by their e-mail address or any word of it, on both plans (a rare word's
probe and a common word's walk of the list), in this workspace only."""

import importlib
import re

import pytest
from django.db import connection

from records import filters, search
from tests.factories import ContactFactory, RecordFactory

pytestmark = pytest.mark.django_db


def names(response):
    return sorted(r.name for r in response.context["page"].items)


@pytest.fixture
def companies(workspace, other_workspace):
    summit = RecordFactory(workspace=workspace, name="Blue Summit Health", domain="bsh-care.io")
    RecordFactory(workspace=workspace, name="Northwind Traders", domain="northwind.com")
    acme = RecordFactory(workspace=workspace, name="Acme", domain="acme-corp.example")
    ContactFactory(record=acme, email="Jane.Doe@partner-mail.net")
    RecordFactory(workspace=other_workspace, name="Blue Summit Elsewhere", domain="elsewhere.io")
    deleted = RecordFactory(workspace=workspace, name="Summit Gone", domain="gone.io")
    deleted.deleted_at = deleted.created_at
    deleted.save()
    return summit, acme


FINDS = [
    ("blue", ["Blue Summit Health"]),
    ("summit", ["Blue Summit Health"]),
    ("HEALTH", ["Blue Summit Health"]),
    ("Summ", ["Blue Summit Health"]),  # the start of a word, as the search's last word
    ("health blu", ["Blue Summit Health"]),
    ("health blue", ["Blue Summit Health"]),  # every word, in any order
    ("bsh-care.io", ["Blue Summit Health"]),
    ("care", ["Blue Summit Health"]),  # a word of the domain
    ("north", ["Northwind Traders"]),
    ("jane.doe@partner-mail.net", ["Acme"]),  # a contact's whole address
    ("doe", ["Acme"]),  # a word of it
    ("partner-mail", ["Acme"]),
    ("blue nowhere", []),
    ("zzz", []),
]


@pytest.mark.parametrize(("term", "expected"), FINDS)
def test_finds_a_company_by_any_word_and_a_person_by_email(
    admin_client, url, companies, term, expected
):
    response = admin_client.get(url("list", query=f"?q={term}"))
    assert response.status_code == 200
    assert names(response) == expected


@pytest.mark.parametrize(("term", "expected"), FINDS)
def test_a_common_word_walks_the_list_and_finds_the_same(
    admin_client, url, companies, term, expected, monkeypatch
):
    """With the probe's bound at 1, every search that finds anything takes the walk."""
    monkeypatch.setattr(filters, "SEARCH_DENSE", 1)
    response = admin_client.get(url("list", query=f"?q={term}"))
    assert names(response) == expected
    # Counting a common word's matches would walk the list: no count is shown (PostgreSQL).
    if connection.vendor == "postgresql" and expected:
        assert response.context["count"] is None


def test_a_rare_word_is_counted(admin_client, url, companies):
    response = admin_client.get(url("list", query="?q=summit"))
    assert response.context["count"].value == 1


def test_words_are_letters_and_digits_only():
    assert search.words("Jane.Doe@ACME-corp.com") == ["jane", "doe", "acme", "corp", "com"]
    assert search.words("it's & | ! :* ()") == ["it", "s"]
    assert search.words("o_o") == ["o", "o"]


def test_the_last_word_may_be_the_start_of_a_word_unless_a_number():
    assert search._tsquery(["blue", "sum"]) == "blue & sum:*"
    assert search._tsquery(["vertex", "foods", "1", "5"]) == "vertex & foods & 1 & 5"


def test_punctuation_alone_finds_nothing(admin_client, url, companies):
    assert names(admin_client.get(url("list", query="?q=%26%26%26"))) == []


def test_the_search_sends_the_indexed_expressions():
    migration = importlib.import_module("records.migrations.0011_word_search_indexes")
    assert search.RECORD_WORDS.format(t="") == migration.RECORD_WORDS
    assert search.CONTACT_WORDS.format(t="") == migration.CONTACT_WORDS


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's GIN indexes")
def test_the_probe_sends_what_the_word_indexes_hold(workspace, companies):
    """PostgreSQL uses an expression index only for the same expression: the one the query's
    plan shows (deparsed) must be the one the index definition shows. (A test database is too
    small for the planner to prefer the index itself; docs/PERFORMANCE.md has the 1M plans.)"""
    from records.models import Contact, Record

    found = ["summit"]
    probes = [
        (Record.objects.of(workspace).live().filter(search.record_matches(found)), "record"),
        (Contact.objects.of(workspace).filter(search.contact_matches(found)), "contact"),
    ]
    for queryset, name in probes:
        plan = queryset.values("id").explain()
        expression = re.search(r"(to_tsvector\(.*\)) @@ ", plan).group(1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_indexdef(%s::regclass)", [f"{name}_search_words"])
            assert expression in cursor.fetchone()[0]

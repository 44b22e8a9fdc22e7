"""Word search over records: a company by any word of its name or domain, a person by the words
of their e-mail address (docs/adr/0103).

PostgreSQL: full-text search with the 'simple' configuration (no stemming, no stop words) over
the name and domain of live records and the e-mail of contacts, punctuation of addresses turned
into spaces first ("jane.doe@acme-corp.com" holds the words jane, doe, acme, corp, com). Each
word of the search must be a word of the company or of the address, the last one may be the
start of one ("blue sum" finds "Blue Summit Health"). GIN indexes on exactly these expressions
(migration 0011) answer the probe; the same expressions are tested row by row when a word is
so common that the list's own order is walked instead, each behind a substring test that
rejects most rows for a fraction of the cost. Other databases (SQLite in development) match the
words as substrings (records.filters).
"""

import re

from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

# The index expressions of migration 0011, verbatim (PostgreSQL matches them as written).
PUNCTUATION, SPACES = ".@-_+/", "      "
RECORD_WORDS = (
    "to_tsvector('simple'::regconfig, translate((({t}name)::text || ' ' || ({t}domain)::text), "
    f"'{PUNCTUATION}', '{SPACES}'))"
)
CONTACT_WORDS = (
    f"to_tsvector('simple'::regconfig, translate(({{t}}email)::text, '{PUNCTUATION}', '{SPACES}'))"
)
# The words of a contact's name (migration 0015): the contacts list and the quick search.
CONTACT_NAME_WORDS = (
    "to_tsvector('simple'::regconfig, translate((({t}first_name)::text || ' ' || "
    f"({{t}}last_name)::text), '{PUNCTUATION}', '{SPACES}'))"
)
MAX_WORDS = 8
_WORD = re.compile(r"[^\W_]+")


def words(term: str) -> list[str]:
    """The search's words, lower case, letters and digits only (so never tsquery syntax)."""
    return [w.lower() for w in _WORD.findall(term)][:MAX_WORDS]


def _tsquery(found: list[str]) -> str:
    """Every word whole, but the last one may be the start of a word (typing "blue sum" finds
    "Blue Summit") unless it is a number. A prefix expands to every word it starts, so prefixes
    on all words ("vertex:* & foods:* & 1:* & 5:*") read 60-90 ms of posting lists at 1M
    records, whole words 7 ms (docs/PERFORMANCE.md)."""
    *whole, last = found
    return " & ".join([*whole, last if last.isdigit() else f"{last}:*"])


def record_matches(found: list[str], table: str = "records_record") -> RawSQL:
    """The record's name or domain has a word starting with each of `found` (index-served)."""
    return RawSQL(
        f"{RECORD_WORDS.format(t=table + '.')} @@ to_tsquery('simple'::regconfig, %s)",
        [_tsquery(found)],
        output_field=BooleanField(),
    )


def contact_matches(found: list[str], table: str = "records_contact") -> RawSQL:
    """The contact's e-mail has a word starting with each of `found` (index-served)."""
    return RawSQL(
        f"{CONTACT_WORDS.format(t=table + '.')} @@ to_tsquery('simple'::regconfig, %s)",
        [_tsquery(found)],
        output_field=BooleanField(),
    )


def contact_name_matches(found: list[str], table: str = "records_contact") -> RawSQL:
    """The contact's name has a word starting with each of `found` (index-served)."""
    return RawSQL(
        f"{CONTACT_NAME_WORDS.format(t=table + '.')} @@ to_tsquery('simple'::regconfig, %s)",
        [_tsquery(found)],
        output_field=BooleanField(),
    )


def phone_digits(term: str) -> str | None:
    """The digits of a term that looks like a phone number in international form ("+49 30
    901820", "0049 30..."), else None. Stored phones are E.164, so these digits are the start
    of `phone` after its "+" and a prefix search can use the contact_ws_phone index."""
    stripped = term.strip()
    if not stripped or any(ch.isalpha() for ch in stripped):
        return None
    digits = "".join(ch for ch in stripped if ch.isdigit())
    if stripped.startswith("00"):
        digits = digits[2:]
    elif not stripped.startswith("+"):
        return None
    return digits if len(digits) >= 4 else None


def record_or_contact_matches_row_by_row(found: list[str]) -> RawSQL:
    """The same two tests for each row of a walk of the list (a common word): the substring
    test first (every word must appear), the word test only on the rows it lets through, and
    the e-mails of the row's own contacts as a LIMIT 1 subquery, which the planner cannot turn
    into a join that reads every matching contact first."""
    query = _tsquery(found)
    likes = [f"%{w}%" for w in found]
    name_like = " AND ".join(
        "(records_record.name::text ILIKE %s OR records_record.domain::text ILIKE %s)"
        for _ in found
    )
    email_like = " AND ".join("c.email::text ILIKE %s" for _ in found)
    sql = (
        f"(({name_like} AND {RECORD_WORDS.format(t='records_record.')} "
        "@@ to_tsquery('simple'::regconfig, %s)) OR (SELECT 1 FROM records_contact c "
        "WHERE c.workspace_id = records_record.workspace_id AND c.record_id = records_record.id "
        f"AND {email_like} AND {CONTACT_WORDS.format(t='c.')} "
        "@@ to_tsquery('simple'::regconfig, %s) LIMIT 1) IS NOT NULL)"
    )
    params = [p for like in likes for p in (like, like)] + [query] + likes + [query]
    return RawSQL(sql, params, output_field=BooleanField())

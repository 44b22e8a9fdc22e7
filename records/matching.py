"""Matching rows of an import to existing records: by domain, else by exact company name, and
contacts by e-mail.

Owned by the data-import issue (DESIGN.md, shared pieces); built here first in its shape so the
billing import uses it and the records CSV import can reuse it: one call for a whole file, two
queries however many rows (domains, then names), never one per row.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.db.models import F

from playbook.sql import AnyOf
from records.models import Contact, Record

# A bare host name ("acme.com"): urlsplit would give it back unchanged, so it is not called (an
# import of 200k rows normalised each domain several times, ~15 % of its time in urlsplit).
_BARE_HOST = re.compile(r"[a-z0-9.-]+")


def normalize_domain(value: str) -> str:
    """'https://www.Acme.com/about' -> 'acme.com'; '' stays ''."""
    value = (value or "").strip().lower()
    if not value:
        return ""
    if _BARE_HOST.fullmatch(value):
        host = value
    else:
        if "//" not in value:
            value = "//" + value
        host = urlsplit(value).hostname or ""
    return host.removeprefix("www.").rstrip(".")


def match_records(workspace, rows: list[tuple[str, str]]) -> list[int | None]:
    """For each (name, domain) the id of the live record it names, or None: the record with that
    domain (normalized) if one exists, else the one whose name is exactly `name` (trimmed). When
    several records share a domain or name, the oldest wins, so a re-import finds the same one."""
    normalized = [normalize_domain(d) for _, d in rows]
    domains = set(normalized) - {""}
    names = {(n or "").strip() for n, _ in rows} - {""}
    live = Record.objects.of(workspace).live()
    by_domain: dict[str, int] = {}
    if domains:
        spellings = _domain_spellings(domains)
        candidates = live.filter(AnyOf(F("domain"), spellings)).order_by("-pk")
        for pk, domain in candidates.values_list("pk", "domain"):
            by_domain[normalize_domain(domain)] = pk  # the oldest (lowest pk) ends up kept
    by_name: dict[str, int] = {}
    if names:
        named = live.filter(AnyOf(F("name"), names)).order_by("-pk")
        for pk, name in named.values_list("pk", "name"):
            by_name[name] = pk
    return [
        by_domain.get(domain) or by_name.get((n or "").strip())
        for (n, _), domain in zip(rows, normalized, strict=True)
    ]


def _domain_spellings(domains: set[str]) -> list[str]:
    # Records keep the domain as typed; the common spellings of each are looked up at once.
    return [s for d in domains for s in (d, f"www.{d}", d.upper())]


def match_contacts(workspace, emails: list[str]) -> dict[str, tuple[int, int]]:
    """{e-mail (lower case): (record id, contact id)} of the live records' contacts with those
    e-mails, case-insensitively; the oldest contact wins. One query."""
    wanted = {e.strip().lower() for e in emails} - {""}
    if not wanted:
        return {}
    # Contacts keep the e-mail as typed (the domain lower-cased); the two common spellings of
    # each are looked up at once, through the (workspace, email) index.
    spellings = wanted | {_domain_lower(e) for e in emails if e}
    found: dict[str, tuple[int, int]] = {}
    rows = (
        Contact.objects.of(workspace)
        .filter(AnyOf(F("email"), sorted(spellings)))
        .filter(record__deleted_at__isnull=True, erased_at__isnull=True)
        .order_by("-pk")
        .values_list("email", "record_id", "pk")
    )
    for email, record_id, pk in rows:
        found[email.lower()] = (record_id, pk)  # the oldest (lowest pk) ends up kept
    return found


def _domain_lower(email: str) -> str:
    local, at, domain = email.strip().rpartition("@")
    return f"{local}@{domain.lower()}" if at else email.strip()

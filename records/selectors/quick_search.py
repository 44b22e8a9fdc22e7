"""The navigation's quick search: a few records (name, domain) and contacts (name, e-mail) as
you type, on the records list's search machinery (records.search, ADR 0103).

Each half is two queries bounded at any size: a probe of at most PROBE ids through the GIN
indexes, then those rows by id, of which the most recently active records and the first
contacts by name are shown. No COUNT, no scan.
"""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from records import search
from records.models import Contact, Record
from records.selectors.contacts import matching_contact_ids

PROBE = 500
RECORDS = 5
RESULTS = 8  # records and contacts together
MIN_LENGTH = 3  # as the records list: shorter starts nearly every word


@dataclass
class QuickResults:
    term: str
    records: list = field(default_factory=list)
    contacts: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.records) + len(self.contacts)


def _record_ids(workspace, found: list[str]) -> list[int]:
    """Read on their own (not as a subquery: records.search's expressions name the
    records_record table, which a subquery would alias)."""
    records = Record.objects.of(workspace).live()
    if connection.vendor != "postgresql":
        condition = Q()
        for word in found:
            condition &= Q(name__icontains=word) | Q(domain__icontains=word)
        return list(records.filter(condition).values_list("pk", flat=True)[:PROBE])
    return list(records.filter(search.record_matches(found)).values_list("pk", flat=True)[:PROBE])


def quick_search(workspace, term: str) -> QuickResults:
    term = (term or "").strip()[:200]
    results = QuickResults(term=term)
    found = search.words(term)
    if len(term) < MIN_LENGTH or not found:
        return results
    record_ids = _record_ids(workspace, found)
    if record_ids:
        results.records = list(
            Record.objects.of(workspace)
            .live()
            .filter(pk__in=record_ids)
            .order_by("-updated_at", "-id")[:RECORDS]
        )
    ids = matching_contact_ids(workspace, term, limit=PROBE) or []
    if ids:
        results.contacts = list(
            Contact.objects.of(workspace)
            .filter(pk__in=ids, record__deleted_at__isnull=True)
            .select_related("record")
            .order_by("first_name", "id")[: RESULTS - len(results.records)]
        )
    return results

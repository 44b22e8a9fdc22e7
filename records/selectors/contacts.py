"""The workspace's contacts (the contacts list) and the people half of the quick search.

Search uses the word machinery of the records list (records.search, ADR 0103): on PostgreSQL
the words of a contact's name (GIN `contact_name_words`) or of their e-mail (GIN
`contact_search_words`), a phone typed in international form as a prefix of the E.164 column
(`contact_ws_phone`). One bounded probe (PROBE ids) picks the plan as on the records list: few
matches are fetched by id and sorted; a word so common that the probe is full walks the list's
own order (`contact_ws_last_first`) testing each row until a page is full. Other databases match
substrings (a development database's size).
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from records import keyset, search
from records.models import Contact, Seniority

PAGE_SIZE = 25
PROBE = 500
SEARCH_MIN = 3
# By last name, then first name (a person with no last name sorts first), then id: the
# order of `contact_ws_last_first`, which the row comparison of keyset.Order starts from.
ORDER = keyset.Order("last_name", then=("first_name",))
SALT = "records.contacts"
# ?validity= — what ADR 0101's flags say about a contact's phone and e-mail.
VALIDITY = {
    "valid": ("Valid phone and e-mail", Q(phone_valid=True, email_valid=True)),
    "invalid_phone": ("Invalid phone", Q(phone_valid=False) & ~Q(phone_raw="")),
    "invalid_email": ("Invalid e-mail", Q(email_valid=False) & ~Q(email="")),
    "no_phone": ("No phone", Q(phone_raw="")),
    "no_email": ("No e-mail", Q(email="")),
}


@dataclass
class ContactSearch:
    term: str = ""
    seniority: str = ""
    validity: str = ""

    @property
    def too_short(self) -> bool:
        return 0 < len(self.term.strip()) < SEARCH_MIN

    @property
    def is_active(self) -> bool:
        return bool(self.term.strip() or self.seniority or self.validity)


def live_contacts(workspace) -> QuerySet[Contact]:
    """Contacts of records that are not deleted."""
    return Contact.objects.of(workspace).filter(record__deleted_at__isnull=True)


def _words_condition(found: list[str]) -> RawSQL:
    """Name or e-mail words, tested row by row (a common word's walk)."""
    name, email = search.contact_name_matches(found), search.contact_matches(found)
    return RawSQL(
        f"(({name.sql}) OR ({email.sql}))",
        [*name.params, *email.params],
        output_field=BooleanField(),
    )


def matching_contact_ids(workspace, term: str, limit: int = PROBE) -> list[int] | None:
    """Ids of up to `limit` contacts whose name or e-mail has every word of `term` (or whose
    phone starts with the number typed), read through the indexes only; None when the term has
    no word to search by."""
    contacts = Contact.objects.of(workspace)
    digits = search.phone_digits(term)
    if digits:
        by_phone = contacts.filter(phone__startswith=f"+{digits}").exclude(phone="")
        return list(by_phone.values_list("pk", flat=True)[:limit])
    found = search.words(term)
    if not found:
        return None
    if connection.vendor != "postgresql":
        return list(contacts.filter(_substring(found)).values_list("pk", flat=True)[:limit])
    by_name = contacts.filter(search.contact_name_matches(found)).values("pk")
    by_email = contacts.filter(search.contact_matches(found)).values("pk")
    return [row["pk"] for row in by_name.union(by_email, all=True)[:limit]]


def _substring(found: list[str]) -> Q:
    in_name, in_email = Q(), Q()
    for word in found:
        in_name &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        in_email &= Q(email__icontains=word)
    return in_name | in_email


def search_contacts(queryset: QuerySet[Contact], workspace, term: str) -> QuerySet[Contact]:
    term = term.strip()[:200]
    if len(term) < SEARCH_MIN:
        return queryset
    ids = matching_contact_ids(workspace, term)
    if ids is None:
        return queryset.none()
    if len(ids) < PROBE:
        return queryset.filter(pk__in=ids)
    # Common enough to fill the probe: walk the order and test each row (index-served order).
    digits = search.phone_digits(term)
    if digits:
        return queryset.filter(phone__startswith=f"+{digits}")
    if connection.vendor != "postgresql":
        return queryset.filter(_substring(search.words(term)))
    return queryset.filter(_words_condition(search.words(term)))


def contacts_page(workspace, query: ContactSearch, *, cursor=None, size=PAGE_SIZE):
    """One page of the workspace's contacts by last then first name, with their record (one
    query)."""
    queryset = live_contacts(workspace).select_related("record")
    if query.seniority in Seniority.values:
        queryset = queryset.filter(seniority=query.seniority)
    if query.validity in VALIDITY:
        queryset = queryset.filter(VALIDITY[query.validity][1])
    queryset = search_contacts(queryset, workspace, query.term)
    return keyset.paginate(queryset, ORDER, salt=SALT, scope="last_first", cursor=cursor, size=size)


def workspace_has_contacts(workspace) -> bool:
    return live_contacts(workspace).exists()

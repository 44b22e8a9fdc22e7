"""What a CSV column can be imported into, and the guess for each column name: the workspace's
own earlier choice first, then the names Playbook, HubSpot and Pipedrive exports use."""

from __future__ import annotations

import re
from dataclasses import dataclass

from dataio.models import ImportColumnMemory
from records.models import CustomFieldDefinition

IGNORE = ""


@dataclass(frozen=True)
class Target:
    key: str  # "record.domain", "contact.email", "custom.<key>"
    label: str


RECORD_TARGETS = [
    Target("record.name", "Company name"),
    Target("record.domain", "Domain"),
    Target("record.industry", "Industry"),
    Target("record.employee_count", "Employees"),
    Target("record.country", "Country"),
    Target("record.revenue_band", "Revenue band"),
    Target("record.source", "Source"),
    Target("record.expected_arr", "Expected ARR"),
    Target("record.expected_close_date", "Expected close date"),
    Target("record.owner", "Owner (a member's e-mail)"),
]
CONTACT_TARGETS = [
    Target("contact.first_name", "Contact first name"),
    Target("contact.last_name", "Contact last name"),
    Target("contact.full_name", "Contact full name"),
    Target("contact.email", "Contact e-mail"),
    Target("contact.phone", "Contact phone"),
    Target("contact.job_title", "Contact job title"),
]

# Normalised column names (lower case, words only) -> target. Playbook's own export headers,
# HubSpot's company and contact exports, Pipedrive's organisation/person/deal exports
# ("Organization - Name" normalises to "organization name").
KNOWN = {
    "record.name": [
        "name",
        "company",
        "company name",
        "organization",
        "organisation",
        "organization name",
        "organisation name",
        "account",
        "account name",
        "associated company",
        "deal organization",
        "deal organization name",
    ],
    "record.domain": [
        "domain",
        "website",
        "website url",
        "company domain name",
        "company domain",
        "url",
        "organization website",
        "web",
        "web site",
    ],
    "record.industry": ["industry", "organization industry", "sector"],
    "record.employee_count": [
        "employees",
        "number of employees",
        "employee count",
        "organization number of employees",
        "headcount",
        "company size",
    ],
    "record.country": [
        "country",
        "country region",
        "organization country",
        "organization address country",
        "person country",
        "country of organization address",
    ],
    "record.revenue_band": ["revenue band"],
    "record.source": ["source", "lead source", "original source", "organization source"],
    "record.expected_arr": ["expected arr", "arr", "deal value", "amount", "deal amount"],
    "record.expected_close_date": [
        "expected close date",
        "close date",
        "deal expected close date",
    ],
    "record.owner": [
        "owner",
        "owner email",
        "contact owner",
        "company owner",
        "organization owner",
        "deal owner",
        "person owner",
    ],
    "contact.first_name": ["first name", "firstname", "person first name", "given name"],
    "contact.last_name": ["last name", "lastname", "person last name", "surname", "family name"],
    "contact.full_name": [
        "contact",
        "contact name",
        "contact person",
        "person",
        "person name",
        "full name",
    ],
    "contact.email": [
        "email",
        "e mail",
        "email address",
        "e mail address",
        "person email",
        "work email",
        "contact email",
    ],
    "contact.phone": [
        "phone",
        "phone number",
        "mobile phone number",
        "mobile",
        "mobile phone",
        "person phone",
        "telephone",
        "contact phone",
    ],
    "contact.job_title": ["job title", "title", "person job title", "position", "role"],
}
_BY_NAME = {name: key for key, names in KNOWN.items() for name in names}
# Pipedrive adds the kind of an e-mail or phone: "Person - Email - Work".
_QUALIFIERS = ("work", "home", "other", "main", "mobile")


def normalise(column: str) -> str:
    """ "Organization - Name" -> "organization name"; "E-mail" -> "e mail"."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", column.lower()).split())


def targets(definitions: list[CustomFieldDefinition]) -> list[Target]:
    return [
        *RECORD_TARGETS,
        *CONTACT_TARGETS,
        *[Target(f"custom.{d.key}", f"{d.label} (custom field)") for d in definitions],
    ]


def _builtin(name: str, definitions) -> str | None:
    for definition in definitions:
        if name in (normalise(definition.label), normalise(definition.key)):
            return f"custom.{definition.key}"
    if name in _BY_NAME:
        return _BY_NAME[name]
    words = name.split()
    if len(words) > 1 and words[-1] in _QUALIFIERS:
        return _BY_NAME.get(" ".join(words[:-1]))
    return None


def guess(workspace, header: list[str], definitions) -> list[str]:
    """A target key (or IGNORE) for each column; a target is guessed for one column at most
    (the first that names it)."""
    names = [normalise(c) for c in header]
    remembered = dict(
        ImportColumnMemory.objects.of(workspace)
        .filter(column__in=set(names))
        .values_list("column", "target")
    )
    valid = {t.key for t in targets(definitions)}
    taken: set[str] = set()
    mapping = []
    for name in names:
        key = remembered[name] if name in remembered else _builtin(name, definitions)
        if not key or key not in valid or key in taken:
            key = IGNORE
        taken.add(key)
        mapping.append(key)
    return mapping

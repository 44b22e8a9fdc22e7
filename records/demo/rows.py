"""The rows of one demo record at a time: the record, its first history row and its contacts, as
tuples in the *_COLUMNS orders (its activities come from records.demo.activities). This runs a
million times for a 1M seed, so draws are one `random()` each (no random.choice/choices) and
rows are built straight as tuples."""

from datetime import timedelta
from decimal import Decimal

import phonenumbers

from playbook.demo import DemoContext
from playbook.models import Role
from records.contact_data import region_for_country
from records.demo.bulk import _next_id
from records.demo.draws import Weighted, activity_count
from records.demo_data import (
    BAD_PHONES,
    COUNTRY_WEIGHTS,
    FIRST,
    INDUSTRIES,
    LAST,
    PREFIXES,
    SOURCE_WEIGHTS,
    SUFFIXES,
    TITLES,
)
from records.models import Contact, Record, RevenueBand

HISTORY_DAYS = 730
CRMS = ["Salesforce", "HubSpot", "Pipedrive"]


def _phone_pool(rng, country: str, size: int = 300) -> list[tuple[str, str]]:
    """(as typed, E.164) of valid mobile numbers of `country`, typed the national way."""
    region = region_for_country(country)
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    national = str(example.national_number)
    pool = []
    for _ in range(size):
        number = phonenumbers.parse(
            f"+{example.country_code}{national[:-4]}{rng.randint(0, 9999):04d}"
        )
        pool.append(
            (
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            )
        )
    return pool


def _custom_values(rand, employees: int) -> dict:
    values = {}
    if rand() < 0.7:
        values["crm_in_use"] = CRMS[int(rand() * 3)]
    if rand() < 0.5:
        values["seats"] = max(3, min(2000, employees // (2, 4, 8)[int(rand() * 3)]))
    if rand() < 0.4:
        values["security_review"] = rand() < 0.3
    return values


class Generator:
    def __init__(self, ctx: DemoContext, now):
        self.rng, self.ws_id, self.now = ctx.rng, ctx.workspace.pk, now
        self.owners = [
            u.pk for role in (Role.MARKETING, Role.SDR, Role.AE) for u in ctx.members[role]
        ]
        self.phones = {country: _phone_pool(self.rng, country) for country, _ in COUNTRY_WEIGHTS}
        self.countries, self.sources = Weighted(COUNTRY_WEIGHTS), Weighted(SOURCE_WEIGHTS)
        self.bands = RevenueBand.values
        self.first_record = self.next_record = _next_id(Record)
        self.next_contact = _next_id(Contact)
        # Contacts' name parts, precomputed: (first, last, e-mail local part).
        self.people = [
            (first, last, f"{first.lower()}.{last.lower()}".replace("ü", "u"))
            for first in FIRST
            for last in LAST
        ]

    def rows(self, i: int, records: list, histories: list, contacts: list) -> None:
        rng, rand, ws_id, now = self.rng, self.rng.random, self.ws_id, self.now
        rid, owners, people = self.next_record, self.owners, self.people
        self.next_record += 1
        name = (
            f"{PREFIXES[int(rand() * len(PREFIXES))]} {SUFFIXES[int(rand() * len(SUFFIXES))]} "
            f"{i + 1}"
        )
        domain = name.lower().replace(" ", "") + ".example.com"
        employees = int(rng.lognormvariate(4.5, 1.3)) + 2
        country = self.countries.pick(rng)
        owner = owners[int(rand() * len(owners))]
        # Newer records are more common: a growing lead flow.
        created = now - timedelta(days=HISTORY_DAYS * rand() ** 1.5, seconds=i % 86400)
        # The last touch: the latest of the record's activity dates (records.demo.activities),
        # drawn as the largest of that many uniform numbers.
        last_touch = created + (now - created) * rand() ** (1 / activity_count(rid))
        in_deal = rand() < 0.4
        # In RECORD_COLUMNS order; stage, score and flags come later (pipeline.demo, ICP).
        row = (
            rid,
            ws_id,
            name,
            domain,
            INDUSTRIES[int(rand() * len(INDUSTRIES))],
            employees,
            country,
            self.bands[int(rand() * len(self.bands))],
            self.sources.pick(rng),
            owner,
            rand() < 0.6,  # problem_acknowledged
            False,
            False,
            False,
            False,
            Decimal((6 + int(rand() * 114)) * 1000) if in_deal else None,
            (now + timedelta(days=int(rand() * 211) - 30)).date() if in_deal else None,
            "open",
            "",
            None,  # icp_score: scored from the workspace's profile (records.icp_demo)
            None,
            _custom_values(rand, employees),
            1,
            owner,  # created_by
            created,
        )
        # updated_at, last_activity_at (refreshed from the activities by records.icp_demo).
        records.append((*row, last_touch, last_touch))
        histories.append((*row[:20], *row[21:], created, "+", owner))  # no icp_scored_at
        phones = self.phones[country]
        contact = self.next_contact
        for c in range(2 + (0, 1, 1, 2)[int(rand() * 4)]):
            first, last, local = people[int(rand() * len(people))]
            title, seniority = TITLES[int(rand() * len(TITLES))]
            email_ok = rand() < 0.96
            if rand() < 0.85:
                raw, e164 = phones[int(rand() * len(phones))]
            else:
                raw, e164 = BAD_PHONES[int(rand() * len(BAD_PHONES))], ""
            contacts.append(
                (
                    contact + c,
                    ws_id,
                    rid,
                    first,
                    last,
                    f"{local}@{domain}" if email_ok else f"{local} at {domain}",
                    email_ok,
                    raw,
                    e164,
                    bool(e164),
                    title,
                    seniority,
                    c == 0,
                    created,
                )
            )
        self.next_contact = contact + c + 1

"""Reading an import's rows into what will be saved: every row is checked (the same rules as the
record and contact forms), matched to an existing record (same domain, or a contact with the
same e-mail) and given its action (create, update, skip), or refused with its reason. The
preview and the import both run this, so the preview is what the import does.

Rows are planned a batch at a time (`plan_batches`): the matching costs two queries per batch,
and the job never holds the whole file's rows."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from dataio.models import RecordImport
from playbook.csvio import CsvTable, cell_problem
from playbook.models import Membership
from records import custom_fields as cf
from records.contact_data import canonical_country, parse_email, parse_phone
from records.matching import match_contacts, match_records
from records.models import CustomFieldDefinition, RevenueBand, Source
from records.services.records import normalize_domain

BATCH = 5000
MAX_ARR = Decimal("999999999999.99")
CREATE, UPDATE, SKIP = "create", "update", "skip"


@dataclass
class PlannedRow:
    n: int
    record: dict = field(default_factory=dict)  # model field -> value (only mapped, non-empty)
    custom: dict = field(default_factory=dict)  # custom field key -> stored value
    contact: dict = field(default_factory=dict)  # contact field -> value (see _contact)
    owner_id: int | None = None
    action: str = CREATE
    record_id: int | None = None  # the existing record it updates
    contact_id: int | None = None  # the existing contact (same e-mail) it updates
    same_as: int | None = None  # the earlier row of the file whose record it adds a contact to


class Context:
    """What checking rows needs, read once per import: the custom fields, the members by
    e-mail, and the keys seen in earlier rows of the file."""

    def __init__(self, job: RecordImport):
        self.job = job
        self.workspace = job.workspace
        self.definitions = {
            d.key: d
            for d in CustomFieldDefinition.objects.of(job.workspace_id).order_by("position", "id")
        }
        self.members = dict(
            Membership.objects.of(job.workspace_id)
            .filter(is_active=True, user__is_active=True)
            .values_list("user__email", "user_id")
        )
        self.members = {email.lower(): uid for email, uid in self.members.items()}
        self.seen_domains: dict[str, int] = {}  # domain -> the row that creates its record
        self.seen_emails: dict[str, int] = {}  # e-mail -> first row


def table_of(job: RecordImport) -> CsvTable:
    """The upload as read when it was accepted (read_csv checked it then): the stored text
    itself, not a copy."""
    return CsvTable(job.content, job.separator, job.header)


def plan_batches(job: RecordImport) -> Iterator[tuple[list[PlannedRow], list[tuple[int, str]]]]:
    """(planned rows, refused (row number, reason)) per batch of the file, in file order."""
    ctx = Context(job)
    batch: list[tuple[int, list[str] | None, str]] = []
    for row in table_of(job).rows():
        batch.append(row)
        if len(batch) >= BATCH:
            yield _plan(ctx, batch)
            batch = []
    if batch:
        yield _plan(ctx, batch)


def _plan(ctx: Context, batch) -> tuple[list[PlannedRow], list[tuple[int, str]]]:
    refused: list[tuple[int, str]] = []
    rows: list[PlannedRow] = []
    for n, cells, problem in batch:
        if problem:
            refused.append((n, f"Row {problem}"))
            continue
        try:
            rows.append(_check(ctx, n, cells))
        except ValidationError as exc:
            refused.append((n, " ".join(exc.messages)))
    _match(ctx, rows, refused)
    refused.sort()
    return [r for r in rows if r.action is not None], refused


def _check(ctx: Context, n: int, cells: list[str]) -> PlannedRow:
    job, row, problems = ctx.job, PlannedRow(n), []
    header = job.header
    values: dict[str, str] = {}
    for column, target, value in zip(header, job.mapping, cells, strict=False):
        if not target or not value:
            continue
        if problem := cell_problem(value, column):
            problems.append(problem)
            continue
        values[target] = value
    for target, value in values.items():
        kind, _, name = target.partition(".")
        try:
            if kind == "record":
                _record_value(ctx, row, name, value)
            elif kind == "custom":
                definition = ctx.definitions.get(name)
                if definition is not None:
                    row.custom[name] = cf.clean_value(definition, value)
            elif kind == "contact":
                row.contact[name] = value
        except ValidationError as exc:
            label = _column_of(header, job.mapping, target)
            problems.append(f"{label}: {' '.join(exc.messages)}")
    if not row.record.get("name") and row.record.get("domain"):
        row.record["name"] = row.record["domain"]
    if not row.record.get("name") and not problems:
        problems.append("The row has no company name or domain.")
    try:
        _contact(row)
    except ValidationError as exc:
        problems.extend(exc.messages)
    if problems:
        raise ValidationError(problems)
    return row


def _column_of(header, mapping, target) -> str:
    for column, key in zip(header, mapping, strict=False):
        if key == target:
            return column
    return target


def _choice(choices, value: str, what: str) -> str:
    lowered = value.strip().lower()
    for key, label in choices:
        if lowered in (key, str(label).lower()):
            return key
    listed = ", ".join(str(label) for _, label in choices)
    raise ValidationError(f"“{value}” is not a {what} ({listed}).")


def _record_value(ctx: Context, row: PlannedRow, name: str, value: str) -> None:
    if name == "name":
        if len(value) > 200:
            raise ValidationError("Keep the company name under 200 characters.")
        row.record["name"] = value
    elif name == "domain":
        row.record["domain"] = normalize_domain(value) if value else ""
    elif name in ("industry",):
        if len(value) > 100:
            raise ValidationError("Keep it under 100 characters.")
        row.record[name] = value
    elif name == "employee_count":
        digits = value.replace(",", "").replace(" ", "").replace("\u00a0", "")
        if not digits.isdigit() or int(digits) > 10_000_000:
            raise ValidationError(f"“{value}” is not a whole number of employees.")
        row.record[name] = int(digits)
    elif name == "country":
        country = canonical_country(value)
        if country is None:
            raise ValidationError(f"“{value}” is not a country Playbook knows.")
        row.record[name] = country
    elif name == "revenue_band":
        row.record[name] = _choice(RevenueBand.choices, value, "revenue band")
    elif name == "source":
        row.record[name] = _choice(Source.choices, value, "source")
    elif name == "expected_arr":
        try:
            amount = Decimal(value.replace(",", "").replace(" ", ""))
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite() or amount < 0 or amount > MAX_ARR:
            raise ValidationError(f"“{value}” is not an amount of 0 or more.")
        if amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(f"“{value}” has more than two decimals.")
        row.record[name] = amount
    elif name == "expected_close_date":
        try:
            row.record[name] = date.fromisoformat(value[:10])
        except ValueError as exc:
            raise ValidationError(f"“{value}” is not a date (YYYY-MM-DD).") from exc
    elif name == "owner":
        owner_id = ctx.members.get(value.lower())
        if owner_id is None:
            raise ValidationError(f"“{value}” is not the e-mail of an active member.")
        row.owner_id = owner_id


def _contact(row: PlannedRow) -> None:
    """The row's contact checked as the contact form does; {} when the row names none."""
    given = row.contact
    if not any(given.values()):
        row.contact = {}
        return
    first, last = given.get("first_name", ""), given.get("last_name", "")
    if not first and given.get("full_name"):
        first, _, rest = given["full_name"].partition(" ")
        last = last or rest.strip()
    problems = []
    email = parse_email(given.get("email", ""))
    if email.problem:
        problems.append(f"Contact e-mail “{email.value}”: {email.problem}")
    phone = parse_phone(given.get("phone", ""), country=row.record.get("country", ""))
    if phone.problem:
        problems.append(f"Contact phone “{phone.raw}”: {phone.problem}")
    if not first:
        if email.valid:
            first = email.value.split("@")[0]
        else:
            problems.append("The contact has no first name.")
    for what, value, limit in (
        ("first name", first, 100),
        ("last name", last, 100),
        ("job title", given.get("job_title", ""), 150),
        ("phone", phone.raw, 50),
    ):
        if len(value) > limit:
            problems.append(f"Keep the contact's {what} under {limit} characters.")
    if problems:
        raise ValidationError(problems)
    row.contact = {
        "first_name": first,
        "last_name": last,
        "job_title": given.get("job_title", ""),
        "email": email.value,
        "email_valid": email.valid,
        "phone_raw": phone.raw,
        "phone": phone.e164,
        "phone_valid": phone.valid,
    }


def _match(ctx: Context, rows: list[PlannedRow], refused: list) -> None:
    """Existing records by domain, else by a contact's e-mail; rows repeating an earlier row of
    the file join its record (a new contact) or are refused. Two queries per batch."""
    by_domain = match_records(ctx.workspace, [("", r.record.get("domain", "")) for r in rows])
    typed = [r.contact.get("email", "") for r in rows]
    by_email = match_contacts(ctx.workspace, [e for e in typed if e])
    emails = [e.lower() for e in typed]
    policy = ctx.job.duplicates
    for row, record_id, email in zip(rows, by_domain, emails, strict=True):
        domain = row.record.get("domain", "")
        earlier_email = ctx.seen_emails.get(email) if email else None
        if earlier_email is not None:
            refused.append((row.n, f"Repeats row {earlier_email} (the same contact e-mail)."))
            row.action = None
            continue
        contact_match = by_email.get(email) if email else None
        if record_id is None and contact_match is not None:
            record_id = contact_match[0]
        if contact_match is not None and contact_match[0] == record_id:
            row.contact_id = contact_match[1]
        earlier = ctx.seen_domains.get(domain) if domain else None
        if email:
            ctx.seen_emails[email] = row.n
        if record_id is not None:
            row.record_id = record_id
            row.action = SKIP if policy == "skip" else UPDATE
        elif earlier is not None:
            if not row.contact:
                refused.append((row.n, f"Repeats row {earlier} (the same domain)."))
                row.action = None
                continue
            row.same_as, row.action = earlier, UPDATE
        else:
            row.action = CREATE
            if domain:
                ctx.seen_domains[domain] = row.n

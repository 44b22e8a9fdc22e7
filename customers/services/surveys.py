"""NPS and CSAT responses: logged one by one on a customer, or imported from CSV."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from customers.models import SurveyKind, SurveyResponse
from customers.services.imports import audit_import
from customers.services.ledger import check_may_change
from playbook.csvio import read_csv
from records.matching import match_records
from records.models import Contact

RANGES = {SurveyKind.NPS: (0, 10), SurveyKind.CSAT: (1, 5)}


def clean_score(kind: str, score) -> int:
    if kind not in RANGES:
        raise ValidationError({"kind": "Choose NPS or CSAT."})
    low, high = RANGES[kind]
    label = SurveyKind(kind).label
    try:
        value = int(str(score).strip())
    except (TypeError, ValueError):
        raise ValidationError(
            {"score": f"A {label} score is a whole number from {low} to {high}."}
        ) from None
    if not low <= value <= high:
        raise ValidationError(
            {"score": f"A {label} score is from {low} to {high}; {value} is not."}
        )
    return value


@transaction.atomic
def survey_log(
    *,
    workspace,
    record,
    kind: str,
    score,
    responded_on: date,
    actor,
    membership=None,
    contact=None,
    comment: str = "",
    today: date | None = None,
) -> SurveyResponse:
    check_may_change(membership)
    value = clean_score(kind, score)
    today = today or workspace.today()
    if not isinstance(responded_on, date):
        raise ValidationError({"responded_on": "Give the date as YYYY-MM-DD."})
    if responded_on > today:
        raise ValidationError({"responded_on": "The date cannot be in the future."})
    contact_id = getattr(contact, "pk", contact) or None
    if contact_id is not None and not (
        str(contact_id).isdigit()
        and Contact.objects.of(workspace).filter(pk=contact_id, record_id=record.pk).exists()
    ):
        raise ValidationError({"contact": "Choose one of this customer's contacts."})
    response = SurveyResponse.objects.create(
        workspace=workspace,
        record_id=record.pk,
        contact_id=contact_id,
        kind=kind,
        score=value,
        comment=(comment or "").strip(),
        responded_on=responded_on,
        logged_by=actor,
    )
    from customers.services.health import health_recompute_after_commit

    health_recompute_after_commit(workspace=workspace, record_ids=[record.pk])
    return response


SURVEY_COLUMNS = ("customer", "kind", "score", "date")


@dataclass
class SurveyImportResult:
    rows: int
    added: int
    skipped: int

    def __str__(self):
        return f"{self.rows} rows: {self.added} answers added, {self.skipped} already there."


def surveys_import(
    *,
    workspace,
    text: str,
    actor,
    membership=None,
    today=None,
    progress: Callable[[int, int], None] | None = None,
) -> SurveyImportResult:
    """Import responses from CSV (columns: customer, optional domain and contact_email, kind
    `nps` or `csat`, score, date YYYY-MM-DD, optional comment); run by the import job
    (customers.services.imports.import_job_run) like the billing import.

    All or nothing: a file with any bad row saves nothing and the ValidationError lists every
    bad row (row, column, reason). Re-importable: a row equal to an answer already saved (same
    customer, contact, kind, score, date and comment) is recognised and skipped, so a survey
    tool's export can be imported again whole; a row that is in the file twice but saved once
    adds the second one (counted like the billing import's rows of one date)."""
    check_may_change(membership)
    today = today or workspace.today()
    table = read_csv(text)
    missing = [c for c in SURVEY_COLUMNS if c not in table.header]
    if missing:
        raise ValidationError(f"The file has no column {', '.join(missing)}.")
    lines = list(table.dicts())
    unreadable = [f"Row {n}: {problem}" for n, row, problem in lines if row is None]
    if unreadable:
        raise ValidationError(unreadable)
    numbers = [n for n, _, _ in lines]
    rows = [row for _, row, _ in lines]
    if progress:
        progress(0, len(rows))
    records = match_records(workspace, [(r.get("customer"), r.get("domain")) for r in rows])
    emails = {(r.get("contact_email") or "").strip().lower() for r in rows} - {""}
    contacts = {
        (record_id, email.lower()): pk
        for pk, record_id, email in Contact.objects.of(workspace)
        .filter(record_id__in=[r for r in records if r], email__in=emails)
        .values_list("pk", "record_id", "email")
    }
    errors, responses = [], []
    for n, row, record_id in zip(numbers, rows, records, strict=True):
        row_errors = []
        if record_id is None:
            row_errors.append(("customer", f"No record named “{row.get('customer')}”."))
        kind = (row.get("kind") or "").strip().lower()
        try:
            value = clean_score(kind, row.get("score"))
        except ValidationError as exc:
            row_errors.extend((f, m) for f, ms in exc.message_dict.items() for m in ms)
            value = None
        try:
            day = date.fromisoformat((row.get("date") or "").strip())
            if day > today:
                row_errors.append(("date", "The date cannot be in the future."))
        except ValueError:
            row_errors.append(("date", f"“{row.get('date')}” is not a date (YYYY-MM-DD)."))
            day = None
        email = (row.get("contact_email") or "").strip().lower()
        contact_id = contacts.get((record_id, email)) if email else None
        if email and record_id and contact_id is None:
            row_errors.append(("contact_email", f"No contact {email} on this customer."))
        if row_errors:
            errors.extend(f"Row {n}, {col}: {msg}" for col, msg in row_errors)
            continue
        responses.append(
            SurveyResponse(
                workspace=workspace,
                record_id=record_id,
                contact_id=contact_id,
                kind=kind,
                score=value,
                comment=(row.get("comment") or "").strip(),
                responded_on=day,
                logged_by=actor,
            )
        )
    if errors:
        raise ValidationError(errors)
    if progress:
        progress(len(rows) // 2, len(rows))
    new = _not_saved_yet(workspace, responses)
    result = SurveyImportResult(len(rows), len(new), len(responses) - len(new))
    _write(workspace, new, actor, result)
    if progress:
        progress(len(rows), len(rows))
    return result


def _key(response) -> tuple:
    return (
        response.record_id,
        response.contact_id,
        response.kind,
        response.score,
        response.responded_on,
        response.comment,
    )


def _not_saved_yet(workspace, responses: list[SurveyResponse]) -> list[SurveyResponse]:
    """The responses that are not in the workspace yet: each saved answer recognises one equal
    row of the file (one query over the file's customers and dates)."""
    if not responses:
        return []
    saved = Counter(
        (record_id, contact_id, kind, score, day, comment)
        for record_id, contact_id, kind, score, day, comment in SurveyResponse.objects.of(workspace)
        .filter(
            record_id__in={r.record_id for r in responses},
            responded_on__in={r.responded_on for r in responses},
        )
        .values_list("record_id", "contact_id", "kind", "score", "responded_on", "comment")
    )
    new = []
    for response in responses:
        key = _key(response)
        if saved[key]:
            saved[key] -= 1
        else:
            new.append(response)
    return new


@transaction.atomic
def _write(workspace, responses, actor, result) -> None:
    SurveyResponse.objects.bulk_create(responses, batch_size=2000)
    audit_import(
        workspace=workspace,
        actor=actor,
        label="NPS and CSAT answers",
        counts={
            "rows": result.rows,
            "answers added": result.added,
            "already there": result.skipped,
        },
    )
    from customers.services.health import health_recompute_after_commit

    health_recompute_after_commit(
        workspace=workspace, record_ids=sorted({r.record_id for r in responses})
    )

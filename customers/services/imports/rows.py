"""Reading a billing-history CSV: each row's values and its own errors (no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from customers.services.ledger import MAX_MRR
from playbook.csvio import read_csv
from records.matching import normalize_domain

REQUIRED = ("customer", "subscription", "date", "mrr")


@dataclass
class Row:
    n: int  # the row number in the file (the header is row 1)
    customer: str
    domain: str
    external_id: str
    plan: str
    term_months: int | None
    day: date
    mrr: Decimal
    # (customer, normalized domain): who the row is about, normalized once per row.
    key: tuple[str, str] = ("", "")

    def __post_init__(self):
        self.key = (self.customer, normalize_domain(self.domain))


def parse_rows(text: str, today: date, errors: list) -> list[Row]:
    """The file's good rows; each bad one adds (row number, column, reason) to `errors`."""
    table = read_csv(text)
    missing = [c for c in REQUIRED if c not in table.header]
    if missing:
        raise ValidationError(f"The file has no column {', '.join(missing)}.")
    rows = []
    for n, raw, problem in table.dicts():
        if raw is None:
            errors.append((n, "row", problem))
            continue
        bad = []
        for column in ("customer", "subscription"):
            if not raw.get(column):
                bad.append((column, "is empty."))
        try:
            day = date.fromisoformat(raw.get("date", ""))
            if day > today:
                bad.append(("date", "cannot be in the future."))
        except ValueError:
            day = None
            bad.append(("date", f"“{raw.get('date', '')}” is not a date (YYYY-MM-DD)."))
        try:
            mrr = Decimal(raw.get("mrr", ""))
            if not mrr.is_finite() or mrr < 0 or mrr > MAX_MRR:
                raise InvalidOperation
            if mrr != mrr.quantize(Decimal("0.01")):
                bad.append(("mrr", "has more than two decimals."))
        except InvalidOperation:
            mrr = None
            bad.append(("mrr", f"“{raw.get('mrr', '')}” is not an amount of 0 or more."))
        term = raw.get("term_months") or ""
        term_months = None
        if term:
            if term.isdigit() and 1 <= int(term) <= 120:
                term_months = int(term)
            else:
                bad.append(("term_months", f"“{term}” is not a whole number from 1 to 120."))
        if bad:
            errors.extend((n, col, msg) for col, msg in bad)
            continue
        rows.append(
            Row(
                n,
                raw["customer"],
                raw.get("domain", ""),
                raw["subscription"],
                raw.get("plan", ""),
                term_months,
                day,
                mrr,
            )
        )
    return rows

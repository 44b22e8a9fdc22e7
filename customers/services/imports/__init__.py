"""Importing billing history (`import_subscriptions`, the admin upload page): each CSV row says
"from this date, this subscription's MRR is X" (0: cancelled).

All or nothing: every row is checked first and any bad row (row number, column, reason) stops
the whole file. Re-importing is safe: a row already in the ledger (same subscription, date and
MRR) is recognised and skipped, so a billing system's monthly export can be imported whole each
month; a row that contradicts the ledger (same subscription and date, another MRR) is a bad
row. Customers are matched by domain, else exact name (records/matching.py); a customer not found
becomes a new record that enters Won on its first date (a stage transition dated then, note
"imported"). Writes are set-based (bulk inserts), in one transaction.

Three steps, a module each: `rows` reads the file (each row's own errors), `check` holds the
rows against the ledger and the records (which are new, which are already there, which
contradict it), `write` saves what is new in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.core.exceptions import ValidationError

from customers.services.imports.check import check_rows
from customers.services.imports.rows import parse_rows
from customers.services.imports.write import ImportResult, audit_import, write_import

__all__ = ["ImportResult", "audit_import", "subscriptions_import"]


def subscriptions_import(
    *,
    workspace,
    text: str,
    actor=None,
    today: date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Check the whole file, then write it in one transaction. Raises ValidationError listing
    every bad row ("Row 7, mrr: ...") and saves nothing if any row is bad."""
    today = today or workspace.today()
    errors: list[tuple[int, str, str]] = []
    rows = parse_rows(text, today, errors)
    total = len(rows) + len({e[0] for e in errors})
    if progress:
        progress(0, total)
    rows.sort(key=lambda r: (r.day, r.n))  # applied in date order; ties in file order
    plan = check_rows(workspace, rows, errors)
    if errors:
        errors.sort()
        raise ValidationError([f"Row {n}, {col}: {msg}" for n, col, msg in errors])
    if progress:
        progress(total // 2, total)
    result = write_import(workspace, rows, plan, actor)
    if progress:
        progress(total, total)
    return result

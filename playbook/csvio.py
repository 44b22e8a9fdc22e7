"""CSV out: the one way any app writes a CSV download (docs/data-in-out.md).

    from playbook.csvio import csv_response

    return csv_response("records.csv", header, rows)   # rows: any iterable of sequences

- Streaming: `rows` is consumed while the response is sent, one chunk of lines at a time, so an
  export of a million rows never holds them in memory. The iterable must read its rows in small
  batches (keyset, see records/selectors/export.py) and, since it runs after the view returned
  and after WorkspaceMiddleware cleared the connection's workspace (ADR 0006), inside
  `tenancy.workspace_scope` around each batch: `scoped_batches` does both.
- Formula injection: a text cell that a spreadsheet would read as a formula (it starts with
  `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a leading `'`, which the
  spreadsheet shows as text. Numbers, dates and booleans are written as they are (a negative
  number is not a formula).
- UTF-8 with a byte-order mark, so Excel opens accented names correctly; comma-separated,
  fields quoted when needed, CRLF line ends (RFC 4180).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone

from playbook import tenancy

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
# Lines written per chunk sent: big enough that the socket is not written a line at a time,
# small enough that the first byte leaves at once.
LINES_PER_CHUNK = 500


def neutralise(value: str) -> str:
    """`value` as a spreadsheet shows it as text: `'=1+1` for `=1+1`."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def cell(value) -> str | int | Decimal:
    """One value as written to the file."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal | float):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


class _Lines:
    """A file-like object whose write() returns what it was given (csv.writer needs one)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The file as chunks of text: the BOM and header first, then LINES_PER_CHUNK rows each."""
    writer = csv.writer(_Lines())
    yield BOM + writer.writerow([cell(h) for h in header])
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow([cell(v) for v in row]))
        if len(chunk) >= LINES_PER_CHUNK:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]):
    """A streaming download of `rows` under `header`."""
    response = StreamingHttpResponse(
        (text.encode("utf-8") for text in csv_lines(header, rows)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def scoped_batches(workspace_id: int, fetch: Callable[[object], tuple[list, object]]) -> Iterator:
    """Rows from `fetch(after) -> (batch, next_after)`, called with None first and then with
    each `next_after` until that is None; each call inside the workspace's row-level-security
    scope (not held while the rows are sent, so a client that stops reading leaves nothing set
    on the connection)."""
    after = None
    while True:
        with tenancy.workspace_scope(workspace_id):
            batch, after = fetch(after)
        yield from batch
        if after is None:
            return

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
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
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


# --- CSV in -------------------------------------------------------------------------------------
#
#     from playbook.csvio import read_csv
#
#     table = read_csv(upload_bytes)          # ValidationError: why the file cannot be read
#     table.header                            # the first line's names, trimmed
#     for n, cells, problem in table.rows():  # n: the spreadsheet's row number (header is 1)
#         ...                                 # cells: as many as the header, text, trimmed
#     table.dicts()                           # the same with cells by column name
#
# Reads UTF-8 (with or without a byte-order mark), comma-, semicolon- or tab-separated (the
# first line decides), quoted fields with separators and line breaks inside. What stops the
# whole file, with a message for the person who uploaded it: not text (a spreadsheet workbook,
# a PDF), not UTF-8 (or two encodings mixed), empty, no header line, too many columns. What
# stops one row is the caller's business (`cells` too long, bad values); a row with more cells
# than the header is reported by `rows()` as `None` cells and the reason.

MAX_COLUMNS = 200
MAX_CELL = 10_000  # characters; longer cells are refused row by row (cell_problem)
SEPARATORS = (",", ";", "\t")
_SIGNATURES = {
    b"PK\x03\x04": "a zipped file (an Excel or OpenDocument workbook?)",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook",
    b"%PDF": "a PDF",
}
# A cell over the csv module's default limit (128 KB) would stop the reader: the limit is the
# largest file accepted, and long cells are refused row by row instead.
csv.field_size_limit(64 * 1024 * 1024)


class CsvTable:
    """A readable CSV file: its header and, through rows(), its data rows one at a time."""

    def __init__(self, text: str, separator: str, header: list[str]):
        self.text = text
        self.separator = separator
        self.header = header

    def raw_rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells as written) for each non-blank data row."""
        reader = csv.reader(_lines(self.text), delimiter=self.separator)
        next(reader, None)
        for n, cells in enumerate(reader, start=2):
            if any(c.strip() for c in cells):
                yield n, cells

    def rows(self) -> Iterator[tuple[int, list[str] | None, str]]:
        """(row number, cells, problem) for each non-blank data row: cells None and a problem
        when the row cannot be lined up with the header."""
        width = len(self.header)
        for n, cells in self.raw_rows():
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                yield n, None, f"has {len(cells)} cells; the header names {width} columns."
                continue
            cells = [c.strip() for c in cells[:width]]
            yield n, cells + [""] * (width - len(cells)), ""

    def dicts(self) -> Iterator[tuple[int, dict[str, str] | None, str]]:
        """rows() with each row's cells by column name (a repeated name: its last cell)."""
        for n, cells, problem in self.rows():
            yield n, None if cells is None else dict(zip(self.header, cells, strict=True)), problem

    def row_count(self) -> int:
        return sum(1 for _ in self.rows())


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their ends, one at a time: io.StringIO would copy the whole
    file into a buffer of four bytes per character (50 MB of text, 200 MB of buffer)."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        end = size if end == -1 else end + 1
        yield text[start:end]
        start = end


def cell_problem(value: str, column: str) -> str:
    """Why one cell cannot be imported, or ""."""
    if len(value) > MAX_CELL:
        return f"{column}: the cell holds {len(value):,} characters; at most {MAX_CELL:,}."
    return ""


def _separator(first_line: str) -> str:
    counts = {sep: 0 for sep in SEPARATORS}
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def decode_upload(data: bytes) -> str:
    """An uploaded file's text, or ValidationError saying why it is not a UTF-8 CSV file."""
    for signature, what in _SIGNATURES.items():
        if data.startswith(signature):
            raise ValidationError(
                f"This is not a CSV file: it looks like {what}. Save it as “CSV UTF-8” and "
                "upload that."
            )
    if b"\x00" in data[:65536]:
        raise ValidationError(
            "This is not a CSV text file (it holds binary data, or is UTF-16). Save it as "
            "“CSV UTF-8” and upload that."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationError(
            f"Line {line} is not UTF-8 text (the file is in another encoding, or mixes two). "
            "Save it as “CSV UTF-8” and upload it again."
        ) from exc


def read_csv(data: bytes | str, *, max_columns: int = MAX_COLUMNS) -> CsvTable:
    """The file (its bytes, or its text once decode_upload read it) as a CsvTable, or
    ValidationError saying why it cannot be read at all."""
    text = data.removeprefix(BOM) if isinstance(data, str) else decode_upload(data)
    if not text.strip():
        raise ValidationError("The file is empty.")
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    separator = _separator(first_line)
    text = text.lstrip("\r\n")
    try:
        header = next(csv.reader(io.StringIO(text), delimiter=separator))
    except csv.Error as exc:
        raise ValidationError(f"The first line cannot be read as CSV ({exc}).") from exc
    header = [h.strip() for h in header]
    while header and not header[-1]:
        header.pop()
    if len(header) > max_columns:
        raise ValidationError(
            f"The file has {len(header):,} columns; at most {max_columns} can be imported. "
            "Remove the columns you do not need."
        )
    if not header or not all(header) or any(_looks_like_data(h) for h in header):
        raise ValidationError(
            "The first line must name the columns (e.g. Company, Domain, E-mail); this one "
            "looks like data or has empty names."
        )
    return CsvTable(text, separator, header)


def _looks_like_data(name: str) -> bool:
    """A header cell that is an e-mail address, a number or very long is a data row's."""
    if "@" in name.strip("@ ") or len(name) > 100:
        return True
    try:
        Decimal(name.replace(",", "."))
    except ArithmeticError:
        return False
    return True

"""Reading uploaded CSV files (playbook/csvio.py): what stops a file, what stops a row."""

import pytest
from django.core.exceptions import ValidationError

from playbook.csvio import MAX_CELL, cell_problem, read_csv


def test_utf8_with_bom_semicolons_and_quoted_fields():
    data = '\ufeffCompany;Notes\n"Müller; Söhne";"two\nlines"\n\n'.encode()
    table = read_csv(data)
    assert table.header == ["Company", "Notes"] and table.separator == ";"
    assert list(table.rows()) == [(2, ["Müller; Söhne", "two\nlines"], "")]


def test_commas_and_short_and_long_rows():
    table = read_csv(b"a,b,c\n1,2\n1,2,3,4\n1,2,3,,\n")
    rows = list(table.rows())
    assert rows[0] == (2, ["1", "2", ""], "")
    assert rows[1][1] is None and "4 cells" in rows[1][2]
    assert rows[2] == (4, ["1", "2", "3"], "")  # empty trailing cells are no extra cells


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b"PK\x03\x04\x14\x00rest", "workbook"),
        (b"%PDF-1.4 ...", "PDF"),
        (b"a\x00b\x00", "binary"),
        ("Company\nCaf\u00e9\n".encode() + "Caf\u00e9\n".encode("latin-1"), "Line 3"),
        (b"jane@acme.com,Acme\n", "name the columns"),
        (b"12,34\n", "name the columns"),
        (b"Company,,Domain\nA,,a.com\n", "name the columns"),
        ((",".join(f"c{i}" for i in range(2000)) + "\n").encode(), "2,000 columns"),
    ],
)
def test_files_that_cannot_be_read(data, message):
    with pytest.raises(ValidationError) as caught:
        read_csv(data)
    assert message in " ".join(caught.value.messages)


def test_a_huge_cell_is_a_row_problem_not_a_crash():
    data = b"Company,Notes\nAcme," + b"x" * 1_000_000 + b"\n"
    ((_n, cells, problem),) = read_csv(data).rows()
    assert problem == "" and len(cells[1]) == 1_000_000
    assert "1,000,000 characters" in cell_problem(cells[1], "Notes")
    assert cell_problem("x" * MAX_CELL, "Notes") == ""

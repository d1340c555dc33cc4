"""Spreadsheet statements: XLSX through openpyxl, XLS (the older binary workbook) through xlrd, then ``tabular``.

The first sheet whose rows hold a header row (``columns.find_header``) is read. Cells keep their types: dates
arrive as dates (xlrd's serial numbers are converted with the workbook's date mode), numbers as ``Decimal`` through
their shortest decimal text, so an amount typed 1234.56 is 1234.56. Row numbers are the sheet's (1-based). Any
error of the libraries (a damaged or encrypted workbook) answers ``unreadable``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from chalicelib.banking.statements.columns import find_header
from chalicelib.banking.statements.model import ParsedStatement, StatementUnreadable, unreadable
from chalicelib.banking.statements.tabular import Row, to_statement

MAX_ROWS = 100_000


def _xlsx_sheets(data: bytes) -> Iterator[list[Row]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        for sheet in book.worksheets:
            rows: list[Row] = []
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                rows.append((number, list(cells)))
                if number >= MAX_ROWS:
                    break
            yield rows
    finally:
        book.close()


def _xls_sheets(data: bytes) -> Iterator[list[Row]]:
    import xlrd

    book = xlrd.open_workbook(file_contents=data, on_demand=True)
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        rows: list[Row] = []
        for number in range(min(sheet.nrows, MAX_ROWS)):
            cells: list[object] = []
            for cell in sheet.row(number):
                if cell.ctype == xlrd.XL_CELL_DATE:
                    cells.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode).date())
                elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    cells.append(None)
                else:
                    cells.append(cell.value)
            rows.append((number + 1, cells))
        yield rows


def parse(data: bytes, fmt: str = "xlsx") -> ParsedStatement:
    sheets = _xlsx_sheets(data) if fmt == "xlsx" else _xls_sheets(data)
    first: list[Row] | None = None
    try:
        for rows in sheets:
            first = rows if first is None else first
            if find_header([cells for _, cells in rows]) is not None:
                return to_statement("xlsx" if fmt == "xlsx" else "xls", rows)
    except StatementUnreadable:
        raise
    except Exception as exc:  # the libraries raise many types for a damaged workbook
        raise unreadable(f"the {fmt.upper()} workbook cannot be opened ({type(exc).__name__}: {str(exc)[:120]})",
                         ) from exc
    if first is None:
        raise unreadable(f"the {fmt.upper()} workbook has no sheet")
    return to_statement("xlsx" if fmt == "xlsx" else "xls", first)  # raises the missing header with its reason


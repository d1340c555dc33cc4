"""Printing a report's tables: aligned columns drawn with ``rich`` on a terminal or in a pipe, or JSON, or CSV.

A table is plain data (:class:`Table`): text cells, whole numbers, and amounts already rounded to the books'
currency, which every format writes exactly (``Decimal``, never a float); numbers are right aligned.
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TextIO

Cell = str | int | Decimal


@dataclass(frozen=True)
class Column:
    key: str  # the JSON name
    header: str
    numeric: bool = False


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Cell, ...]]
    total: tuple[Cell, ...] | None = None
    caption: str | None = None
    extra: dict[str, Cell] = field(default_factory=dict)  # what JSON adds beside the rows (dates, currency)


def text(cell: Cell) -> str:
    # ``f`` keeps every digit of a Decimal as it is (no exponent): 1E+2 would print as 100
    return f"{cell:f}" if isinstance(cell, Decimal) else str(cell)


def write(tables: list[Table], fmt: str, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    if fmt == "json":
        out.write(_json(tables) + "\n")
    elif fmt == "csv":
        out.write(_csv(tables))
    else:
        _rich(tables, out)


def _json(tables: list[Table]) -> str:
    from chalicelib.core.serialization import dumps

    def as_object(cells: tuple[Cell, ...], columns: tuple[Column, ...]) -> dict[str, Cell]:
        return {column.key: cell for column, cell in zip(columns, cells, strict=True)}

    return dumps([{"title": t.title, **t.extra, "rows": [as_object(r, t.columns) for r in t.rows],
                   "total": as_object(t.total, t.columns) if t.total else None} for t in tables])


def _csv(tables: list[Table]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for n, t in enumerate(tables):
        if n:
            writer.writerow([])
        writer.writerow([column.header for column in t.columns])
        writer.writerows([text(cell) for cell in cells] for cells in (*t.rows, *([t.total] if t.total else [])))
    return buffer.getvalue()


def _rich(tables: list[Table], out: TextIO) -> None:
    # only these two of rich's modules: the table path loads neither its progress bars nor its pretty printer
    from rich.console import Console
    from rich.table import Table as RichTable

    # labels are printed as written: no markup ("[x]"), no emoji codes, no colouring of numbers
    # in a pipe or a file nothing is cut or wrapped to fit a default width of 80: each table keeps its own
    width = None if out.isatty() else 1000
    console = Console(file=out, markup=False, emoji=False, highlight=False, width=width)
    for t in tables:
        table = RichTable(title=t.title, caption=t.caption, title_justify="left", caption_justify="left",
                          show_footer=t.total is not None)
        for n, column in enumerate(t.columns):
            footer = text(t.total[n]) if t.total else ""
            table.add_column(column.header, footer=footer, justify="right" if column.numeric else "left",
                             no_wrap=column.numeric)
        for cells in t.rows:
            table.add_row(*(text(cell) for cell in cells))
        console.print(table)

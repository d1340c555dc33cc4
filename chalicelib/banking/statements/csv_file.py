"""CSV statements (the exports of French and Belgian online banking): encoding, separator, then ``tabular``.

Encoding: strict UTF-8 (with or without a BOM), else Windows-1252 (``detect.text_of``). Separator: ``csv.Sniffer``
over ``;``, ``,``, tab and ``|`` on the first lines, checked by the column counts it gives (a separator must split
the header and most rows alike); when the sniffer cannot decide, the candidate giving the most rows with the same
number of columns (above one) wins. Quoted cells may hold the separator or line breaks; line numbers are the file's.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

from chalicelib.banking.statements.detect import text_of
from chalicelib.banking.statements.model import ParsedStatement, unreadable
from chalicelib.banking.statements.tabular import Row, to_statement

SEPARATORS = ";,\t|"


def _rows(text: str, separator: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar='"')
    rows: list[Row] = []
    try:
        start = 1
        for cells in reader:
            rows.append((start, [cell.strip() for cell in cells]))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise unreadable(f"the CSV is malformed ({exc})", line=reader.line_num) from exc
    return rows


def _consistency(text: str, separator: str) -> int:
    """How many of the first lines split into the most common number of columns (above one)."""
    counts = Counter(len(cells) for _, cells in _rows("\n".join(text.splitlines()[:60]), separator) if any(cells))
    best = [(n, width) for width, n in counts.items() if width > 1]
    return max(best)[0] if best else 0


def separator_of(text: str) -> str:
    sample = "\n".join(text.splitlines()[:40])
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
    except csv.Error:
        sniffed = None
    scores = {sep: _consistency(text, sep) for sep in SEPARATORS}
    best = max(scores, key=lambda sep: (scores[sep], sep == sniffed, sep == ";"))
    if sniffed is not None and scores[sniffed] >= scores[best] * 0.8:
        return sniffed
    if scores[best] == 0:
        raise unreadable("no separator (; , tab or |) splits the file into columns", code="statement_no_header")
    return best


def parse(data: bytes) -> ParsedStatement:
    text = text_of(data)
    if not text.strip():
        raise unreadable("the file is empty")
    return to_statement("csv", _rows(text, separator_of(text)))

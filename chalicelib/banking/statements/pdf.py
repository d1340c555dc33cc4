"""PDF statements: the text layer read with pdfplumber, laid out again as rows, then movements and balances.

Each page's words are extracted with the blanks inside them kept (a label or ``1 234,56`` drawn as one string stays
one word; columns, drawn apart, stay apart), normalised NFKC, and grouped into rows by their top (within
``ROW_TOLERANCE`` points). A header row naming ``Date`` and ``Débit``/``Crédit`` (or ``Montant``), and ``Solde``,
gives the columns' horizontal positions; an amount belongs to the column whose right edge is nearest its own, so a
debit is told from a credit by where it is printed, not by a sign the bank does not print. Without such a header,
the trailing amounts of a row are read as the original tools did: one is the signed amount, two are the amount and
the balance, three the debit, the credit and the balance.
A movement row starts with a date (``JJ/MM/AAAA``, ``JJ/MM/AA``, or ``JJ/MM`` with the year of the statement's
period, the December to January turn included); a row under it without a date or an amount continues its label;
"Ancien solde"/"Solde au ..."/"Nouveau solde" rows give the balances, checked against the movements (a warning when
they do not add up). A PDF without a text layer — a scan — answers ``422 pdf_has_no_text``: nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from chalicelib.banking.statements.amounts import maybe_amount, maybe_date
from chalicelib.banking.statements.columns import fold, role_of
from chalicelib.banking.statements.model import ParsedStatement, StatementLine, StatementUnreadable, unreadable
from chalicelib.banking.statements.structured import balance_mismatch, cents, clean, valid_iban
from chalicelib.banking.statements.tabular import Balances

ROW_TOLERANCE = 3.0
_DATE_START = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2}|\d{4}))?\b")
_PERIOD = re.compile(r"(\d{1,2}[/.]\d{1,2}[/.]\d{4}).{1,12}?(\d{1,2}[/.]\d{1,2}[/.]\d{4})")
_IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?)\b")
_SKIP = ("page", "suite", "releve", "date libelle", "total", "sous total", "report", "a reporter")


@dataclass(frozen=True)
class _Word:
    text: str
    x0: float
    x1: float


@dataclass
class _Layout:
    """What the pages told so far: the columns' right edges, the period, the rows read."""

    columns: dict[str, float] = field(default_factory=dict)  # debit / credit / amount / balance → x1
    label_x: float | None = None
    rows: list[tuple[int, list[_Word]]] = field(default_factory=list)  # (page, words of the row)
    text: list[str] = field(default_factory=list)


def _rows_of(page: Any) -> list[list[_Word]]:
    words = page.extract_words(keep_blank_chars=True, use_text_flow=False, x_tolerance=2.5)
    rows: list[tuple[float, list[_Word]]] = []
    for word in sorted(words, key=lambda w: (round(w["top"], 1), w["x0"])):
        text = clean(unicodedata.normalize("NFKC", str(word["text"])))
        if not text:
            continue
        # positions on the page, in points: layout only, never an amount (amounts are read from the text)
        top: float = word["top"]
        item = _Word(text, word["x0"], word["x1"])
        if rows and abs(rows[-1][0] - top) <= ROW_TOLERANCE:
            rows[-1][1].append(item)
        else:
            rows.append((top, [item]))
    return [sorted(words_, key=lambda w: w.x0) for _, words_ in rows]


def _header(layout: _Layout, words: list[_Word]) -> bool:
    roles = {role_of(w.text): w for w in words}
    if "date" not in roles or not ({"debit", "credit", "amount"} & set(roles)):
        return False
    layout.columns = {role: w.x1 for role, w in roles.items() if role in ("debit", "credit", "amount", "balance")}
    label = roles.get("label")
    layout.label_x = label.x0 if label else None
    return True


def _year_of(month: int, period: tuple[dt.date, dt.date] | None) -> int | None:
    if period is None:
        return None
    start, end = period
    if start.year == end.year:
        return start.year
    return start.year if month >= start.month else end.year


def _date_of(text: str, period: tuple[dt.date, dt.date] | None) -> tuple[dt.date | None, int]:
    """The date a row starts with (and how many characters it took), or None."""
    found = _DATE_START.match(text)
    if not found:
        return None, 0
    day, month, year = found.group(1), found.group(2), found.group(3)
    if year is None:
        resolved = _year_of(int(month), period)
        if resolved is None:
            return None, 0
        year = str(resolved)
    return maybe_date(f"{day}/{month}/{year}"), found.end()


def _amounts(layout: _Layout, words: list[_Word]) -> list[tuple[_Word, Decimal]]:
    found = []
    for word in words[1:]:
        amount = maybe_amount(word.text)
        if amount is not None and (layout.label_x is None or word.x0 > layout.label_x + 20):
            found.append((word, amount))
    # amounts are the row's trailing cells: a number inside the label ("FACTURE 12") is not one
    while found and found[0][0] is not words[-len(found)]:
        found.pop(0)
    return found


def _placed(layout: _Layout, amounts: list[tuple[_Word, Decimal]]) -> tuple[Decimal | None, Decimal | None]:
    """The signed movement and the balance after it, from the columns' positions or the count of amounts."""
    if layout.columns:
        movement = balance = None
        for word, amount in amounts:
            role = min(layout.columns, key=lambda r: abs(layout.columns[r] - word.x1))
            if role == "balance":
                balance = amount
            elif role == "debit":
                movement = -abs(amount)
            elif role == "credit":
                movement = abs(amount)
            else:
                movement = amount
        return movement, balance
    values = [a for _, a in amounts]
    if len(values) == 1:
        return values[0], None
    if len(values) == 2:
        return values[0], values[1]
    if len(values) >= 3:
        debit, credit = values[-3], values[-2]
        return (abs(credit) if credit else -abs(debit)), values[-1]
    return None, None


def _stated(layout: _Layout, amounts: list[tuple[_Word, Decimal]]) -> Decimal | None:
    """The balance a balance row states: its last amount, negative when printed in the debit column."""
    if not amounts:
        return None
    word, amount = amounts[-1]
    if layout.columns:
        role = min(layout.columns, key=lambda r: abs(layout.columns[r] - word.x1))
        return -abs(amount) if role == "debit" else abs(amount) if role == "credit" else amount
    return amount


def _open(data: bytes) -> _Layout:
    import pdfplumber

    layout = _Layout()
    try:
        with pdfplumber.open(io.BytesIO(data), unicode_norm="NFKC") as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                rows = _rows_of(page)
                layout.rows += [(number, row) for row in rows]
                layout.text += [" ".join(w.text for w in row) for row in rows]
    except StatementUnreadable:
        raise
    except Exception as exc:  # pdfminer raises many types for a damaged file
        raise unreadable(f"the PDF cannot be read ({type(exc).__name__})") from exc
    if not layout.rows:
        raise unreadable("the PDF has no text layer (a scanned statement); export a CSV, OFX or camt.053 from the "
                         "bank instead", code="pdf_has_no_text")
    return layout


def _period(layout: _Layout) -> tuple[dt.date, dt.date] | None:
    for text in layout.text[:40]:
        found = _PERIOD.search(text)
        if found:
            start, end = maybe_date(found.group(1)), maybe_date(found.group(2))
            if start and end and start <= end:
                return start, end
    return None


def parse(data: bytes) -> ParsedStatement:
    layout = _open(data)
    period = _period(layout)
    iban = next((valid_iban(c) for t in layout.text for c in _IBAN.findall(t.upper()) if valid_iban(c)), None)
    lines: list[StatementLine] = []
    balances = Balances()
    following = False  # whether the row above was a movement or its continuation
    for index, (_page, words) in enumerate(layout.rows, start=1):
        text = " ".join(w.text for w in words)
        if _header(layout, words):
            following = False
            continue
        day, taken = _date_of(words[0].text, period)
        amounts = _amounts(layout, words)
        if day is not None and amounts:
            movement, _balance = _placed(layout, amounts)
            if movement is not None:
                rest = words[0].text[taken:].strip()
                label = clean(" ".join([rest, *(w.text for w in words[1:] if w not in {a[0] for a in amounts})]))
                value_date, label = _value_date(label, period)
                lines.append(StatementLine(booking_date=day, amount=cents(movement), label=label or "(sans libellé)",
                                           value_date=value_date, line_no=index))
                following = True
                continue
        if balances.read(text, _stated(layout, amounts), before_movements=not lines):
            following = False
            continue
        if following and not amounts and day is None and not fold(text).startswith(_SKIP):
            last = lines[-1]
            lines[-1] = replace(last, label=clean(f"{last.label} {text}"))
            continue
        following = False
    if not lines:
        raise unreadable("no movement found in the PDF's text: no row starts with a date and ends with an amount")
    warnings = [w for w in [balance_mismatch(balances.opening, lines, balances.closing)] if w]
    return ParsedStatement(format="pdf", lines=lines, iban=iban, currency="EUR" if "EUR" in " ".join(
        layout.text[:40]).upper() or "€" in " ".join(layout.text[:40]) else None,
        opening_balance=balances.opening, closing_balance=balances.closing,
        opening_date=balances.opening_date or (period[0] if period else None),
        closing_date=balances.closing_date or (period[1] if period else None), warnings=warnings)


def _value_date(label: str, period: tuple[dt.date, dt.date] | None) -> tuple[dt.date | None, str]:
    """A date printed right after the booking date is the value date, not part of the label."""
    day, taken = _date_of(label, period)
    return (day, label[taken:].strip()) if day is not None else (None, label)

"""Tables to statements: what the CSV, spreadsheet and PDF parsers share once a file is rows of cells.

The header row is found by ``columns.find_header``; the rows above it (the preamble: bank, account, IBAN,
balances) are read for the IBAN, the currency and the stated balances; each row below is
- a movement when its date cell holds a date: signed amount from the amount column, or the debit (out) and credit
  (in) columns; label, value date, reference, counterparty and currency from their columns;
- the continuation of the movement above when it has text but neither date nor amount (a label on two lines);
- a balance or total row when its text says so (``Solde au 31/03/2026``, ``Nouveau solde``, ``Total``): the stated
  balances are taken from it, the totals ignored;
- blank: skipped.
Anything else — a date cell that is not a date, an amount that is not one, a movement without an amount — is the
file's error: ``unreadable`` with its line. When the balances are stated (or can be told from a balance column) and
opening + movements differs from closing, the statement carries a warning.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from chalicelib.banking.statements.amounts import maybe_amount, maybe_date, parse_amount, parse_date
from chalicelib.banking.statements.columns import ALIASES, Header, find_header, fold
from chalicelib.banking.statements.model import Format, ParsedStatement, StatementLine, unreadable
from chalicelib.banking.statements.structured import balance_mismatch, cents, clean, optional, valid_iban

Row = tuple[int, Sequence[object]]  # (1-based line or row number in the file, cells)

_IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?)\b")
_CURRENCY = re.compile(r"\b(EUR|USD|GBP|CHF|XOF|XAF|CAD)\b")
_OPENING = ("ancien solde", "solde precedent", "solde initial", "solde de debut", "solde d ouverture",
            "solde au debut", "opening balance", "previous balance", "vorig saldo", "beginsaldo", "oud saldo")
_CLOSING = ("nouveau solde", "solde final", "solde de fin", "solde de cloture", "solde actuel", "closing balance",
            "new balance", "nieuw saldo", "eindsaldo")
_TOTAL = ("total", "totaux", "sous total", "totaal", "montant total", "report", "solde a reporter", "a reporter",
          "solde reporte")
_DATE_IN_TEXT = re.compile(r"(\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4})")


@dataclass
class Balances:
    opening: Decimal | None = None
    closing: Decimal | None = None
    opening_date: dt.date | None = None
    closing_date: dt.date | None = None

    def read(self, text: str, amount: Decimal | None, *, before_movements: bool) -> bool:
        """Take a stated balance from a row's text; ``True`` when the row was a balance or total row."""
        name = fold(text)
        if any(name.startswith(word) for word in _TOTAL):  # "Solde à reporter" is a carried total, not a balance
            return True
        found = _DATE_IN_TEXT.search(text)
        day = maybe_date(found.group(1)) if found else None
        if any(name.startswith(word) for word in _OPENING):
            self.opening, self.opening_date = amount if amount is not None else self.opening, day
            return True
        if any(name.startswith(word) for word in _CLOSING):
            self.closing, self.closing_date = amount if amount is not None else self.closing, day
            return True
        if name.startswith(("solde au", "solde le", "solde en date", "saldo op", "balance at", "balance on")):
            if before_movements:
                self.opening, self.opening_date = amount, day
            else:
                self.closing, self.closing_date = amount, day
            return True
        return False


@dataclass
class _Reading:
    header: Header
    lines: list[StatementLine] = field(default_factory=list)
    balances: Balances = field(default_factory=Balances)
    running: list[tuple[Decimal, Decimal]] = field(default_factory=list)  # (amount, balance after) per line
    extra: dict[int, list[str]] = field(default_factory=dict)  # continuation text per line index

    def cell(self, cells: Sequence[object], role: str) -> object:
        index = self.header.columns.get(role)  # type: ignore[call-overload]
        return cells[index] if index is not None and index < len(cells) else None

    def text(self, cells: Sequence[object], role: str) -> str | None:
        value = self.cell(cells, role)
        return optional(str(value)) if value is not None else None


def _cells_text(cells: Sequence[object]) -> str:
    return clean(" ".join(str(c) for c in cells if c is not None and str(c).strip()))


def _preamble(rows: Sequence[Row]) -> tuple[str | None, str | None]:
    """The IBAN and the currency stated above the header."""
    iban = currency = None
    for _, cells in rows:
        text = _cells_text(cells)
        if iban is None:
            for candidate in _IBAN.findall(text.upper()):
                iban = valid_iban(candidate) or iban
        found = _CURRENCY.search(text.upper()) if currency is None and "devise" in fold(text) else None
        if found:
            currency = found.group(1)
    return iban, currency


def _amount(reading: _Reading, cells: Sequence[object], line_no: int) -> Decimal | None:
    signed: Decimal | None = None
    for role, sign in (("debit", -1), ("credit", 1)):
        value = reading.cell(cells, role)
        if value is None or not str(value).strip():
            continue
        try:
            part = abs(parse_amount(value)) * sign
        except ValueError as exc:
            raise unreadable(f"the {role} {str(value)[:40]!r} is not an amount", line=line_no) from exc
        signed = part if signed is None else signed + part
    value = reading.cell(cells, "amount")
    if signed is None and value is not None and str(value).strip():
        try:
            signed = parse_amount(value)
        except ValueError as exc:
            raise unreadable(f"the amount {str(value)[:40]!r} is not an amount", line=line_no) from exc
    return None if signed is None else cents(signed)


def _label(reading: _Reading, cells: Sequence[object]) -> str:
    parts = [reading.text(cells, "label"), reading.text(cells, "extra_label")]
    label = clean(" ".join(p for p in parts if p))
    if label:
        return label
    used = set(reading.header.columns.values())
    return _cells_text([c for i, c in enumerate(cells) if i not in used and maybe_amount(c) is None])


def _movement(reading: _Reading, cells: Sequence[object], line_no: int, day: dt.date) -> None:
    amount = _amount(reading, cells, line_no)
    if amount is None:
        raise unreadable("the movement has no amount", line=line_no)
    value_date = reading.cell(cells, "value_date")
    currency = reading.text(cells, "currency")
    reading.lines.append(StatementLine(
        booking_date=day, amount=amount, label=_label(reading, cells) or "(sans libellé)",
        value_date=maybe_date(value_date), reference=reading.text(cells, "reference"),
        counterparty=reading.text(cells, "counterparty"), currency=currency.upper() if currency else None,
        line_no=line_no))
    balance = maybe_amount(reading.cell(cells, "balance"))
    if balance is not None:
        reading.running.append((amount, balance))


def _row(reading: _Reading, line_no: int, cells: Sequence[object]) -> None:
    text = _cells_text(cells)
    if not text:
        return
    raw_date = reading.cell(cells, "date")
    day = maybe_date(raw_date)
    if day is not None:
        _movement(reading, cells, line_no, day)
        return
    amounts = [a for a in (maybe_amount(c) for c in cells) if a is not None]
    if reading.balances.read(text, amounts[-1] if amounts else None, before_movements=not reading.lines):
        return
    if not amounts and reading.lines:  # text only, whatever its column: the label above, continued
        reading.extra.setdefault(len(reading.lines) - 1, []).append(text)
        return
    if raw_date is not None and str(raw_date).strip():
        try:
            parse_date(raw_date)
        except ValueError as exc:
            raise unreadable(str(exc), line=line_no) from exc
    raise unreadable("the row has no date (a movement needs its booking date)", line=line_no)


def _joined(reading: _Reading) -> list[StatementLine]:
    lines = reading.lines
    for index, texts in reading.extra.items():
        line = lines[index]
        lines[index] = replace(line, label=clean(" ".join([line.label, *texts])))
    return lines


def _from_running(reading: _Reading, lines: list[StatementLine]) -> None:
    """Opening and closing balances told by a balance column, when the file does not state them."""
    if len(reading.running) != len(lines) or not lines or reading.balances.opening is not None:
        return
    ascending = lines[0].booking_date <= lines[-1].booking_date
    first, last = (reading.running[0], reading.running[-1]) if ascending else (reading.running[-1],
                                                                                 reading.running[0])
    reading.balances.opening = first[1] - first[0]
    reading.balances.closing = last[1]


def to_statement(fmt: Format, rows: Sequence[Row]) -> ParsedStatement:
    """The statement of a table's rows (``(line number, cells)``, in file order)."""
    header = find_header([cells for _, cells in rows])
    if header is None:
        known = ", ".join(ALIASES["date"][:3] + ALIASES["amount"][:2] + ALIASES["debit"][:1] + ALIASES["credit"][:1])
        raise unreadable(f"no header row naming a date column and an amount (or debit/credit) column in the first "
                         f"15 rows (names understood include: {known})", code="statement_no_header")
    iban, currency = _preamble(rows[:header.row])
    reading = _Reading(header)
    for _, cells in rows[:header.row]:
        amounts = [a for a in (maybe_amount(c) for c in cells) if a is not None]
        reading.balances.read(_cells_text(cells), amounts[-1] if amounts else None, before_movements=True)
    for line_no, cells in rows[header.row + 1:]:
        _row(reading, line_no, cells)
    lines = _joined(reading)
    if not lines:
        raise unreadable("the table has a header but no movement under it")
    _from_running(reading, lines)
    balances = reading.balances
    warnings = [w for w in [balance_mismatch(balances.opening, lines, balances.closing)] if w]
    currencies = {line.currency for line in lines if line.currency}
    return ParsedStatement(format=fmt, lines=lines, iban=iban,
                           currency=currency or (currencies.pop() if len(currencies) == 1 else None),
                           opening_balance=balances.opening, closing_balance=balances.closing,
                           opening_date=balances.opening_date, closing_date=balances.closing_date,
                           warnings=warnings)

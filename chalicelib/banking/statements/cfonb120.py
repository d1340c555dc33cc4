"""CFONB 120, the French bank statement of 120-character records: read in-house from the field table of the format.

Records: ``01`` opening balance, ``04`` movement, ``05`` complement of the movement before it (a qualifier and 70
characters: ``LIB`` more label, ``NPY``/``NBE`` payer/beneficiary name, ``REF`` bank reference, ``LCC``/``LC2``/``LCS``
remittance information, ``RCN`` the payer's reference), ``07`` closing balance. Amounts are 13 digits and an
overpunch character carrying the last digit and the sign (``{``/``A``–``I`` positive, ``}``/``J``–``R`` negative),
scaled by the number of decimals in position 20; positive is a credit. Dates are ``JJMMAA``; a two-digit year above
60 is read in the 1900s, as pennylane-hq/cfonb does, any other in the 2000s. Trailing blanks may have been trimmed
by the tool that copied the file: shorter records are padded, but one that stops before its amount is truncated.
A file of several statements gives one statement per account (see ``structured.assemble``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from chalicelib.banking.statements.detect import text_of
from chalicelib.banking.statements.model import ParsedStatement, StatementLine, unreadable
from chalicelib.banking.statements.structured import Part, assemble, cents, clean, french_iban, optional

WIDTH = 120
_POSITIVE = "{ABCDEFGHI"
_NEGATIVE = "}JKLMNOPQR"
_AMOUNT_END = 104  # the balance or movement amount ends at position 104


@dataclass
class _Movement:
    """A ``04`` record and the ``05`` complements that follow it."""

    line_no: int
    booking_date: dt.date
    value_date: dt.date | None
    amount: Decimal
    currency: str
    label: str
    bank_ref: str
    extra: dict[str, list[str]] = field(default_factory=dict)

    def text(self, *qualifiers: str) -> str | None:
        """The first of ``qualifiers`` the complements carry, its records joined."""
        for qualifier in qualifiers:
            if qualifier in self.extra:
                return optional(" ".join(self.extra[qualifier]))
        return None

    def line(self) -> StatementLine:
        # the other party: the payer of money in, the beneficiary of money out
        counterparty = self.text("NPY", "NBE") if self.amount > 0 else self.text("NBE", "NPY")
        return StatementLine(
            booking_date=self.booking_date, amount=self.amount, value_date=self.value_date,
            label=clean(" ".join([self.label, *self.extra.get("LIB", [])])),
            bank_ref=optional(self.bank_ref) or self.text("REF"), counterparty=counterparty,
            reference=_remittance(self), currency=self.currency, line_no=self.line_no)


def _remittance(movement: _Movement) -> str | None:
    unstructured = [text for text in (movement.text("LCC"), movement.text("LC2")) if text]
    return " ".join(unstructured) if unstructured else movement.text("LCS", "RCN")


def _amount(record: str, line_no: int) -> Decimal:
    decimals, digits, punch = record[19], record[90:103], record[103]
    if not decimals.isdigit():
        raise unreadable(f"the number of decimals (position 20) is {decimals!r}, not a digit", line=line_no)
    if not digits.isdigit() or punch not in _POSITIVE + _NEGATIVE:
        raise unreadable(f"the amount {record[90:104].strip()!r} (positions 91-104) is not a CFONB amount",
                         line=line_no)
    negative = punch in _NEGATIVE
    last = (_NEGATIVE if negative else _POSITIVE).index(punch)
    return cents(Decimal(f"{'-' if negative else ''}{digits}{last}").scaleb(-int(decimals)))


def _date(value: str, line_no: int, what: str) -> dt.date:
    error = unreadable(f"the {what} {value.strip()!r} is not a JJMMAA date", line=line_no)
    if not (len(value) == 6 and value.isdigit()):
        raise error
    day, month, year = int(value[:2]), int(value[2:4]), int(value[4:])
    try:
        return dt.date(year + (1900 if year > 60 else 2000), month, day)
    except ValueError as exc:
        raise error from exc


def _currency(record: str, line_no: int) -> str:
    code = record[16:19]
    if not (code.isascii() and code.isalpha()):
        raise unreadable(f"the currency {code!r} (positions 17-19) is not an ISO 4217 code", line=line_no)
    return code.upper()


class _Reader:
    """Reads the records in order, keeping the statement and the movement they belong to."""

    def __init__(self) -> None:
        self.parts: list[Part] = []
        self.statement: Part | None = None
        self.started = 0  # line of the open statement's 01
        self.movement: _Movement | None = None

    def feed(self, line_no: int, record: str) -> None:
        code = record[:2]
        if code not in ("01", "04", "05", "07"):
            raise unreadable(f"the record code is {code!r}; CFONB 120 records are 01, 04, 05 or 07", line=line_no)
        if code != "05" and len(record.rstrip()) < _AMOUNT_END:
            raise unreadable(f"the record stops at character {len(record.rstrip())}, before the end of its amount "
                             f"(position {_AMOUNT_END}): the file is truncated", line=line_no)
        padded = record.ljust(WIDTH)
        if code == "01":
            self._open(line_no, padded)
            return
        statement = self._current(line_no, code)
        if code == "04":
            self._flush(statement)
            self.movement = self._movement(line_no, padded)
        elif code == "05":
            self._complement(line_no, padded)
        else:
            self._close(line_no, padded, statement)

    def _current(self, line_no: int, code: str) -> Part:
        if self.statement is None:
            raise unreadable(f"a {code} record comes before any opening balance (01) record", line=line_no)
        return self.statement

    def _open(self, line_no: int, record: str) -> None:
        if self.statement is not None:
            raise unreadable(f"a new statement (01) starts before the closing balance (07) of the one opened "
                             f"line {self.started}", line=line_no)
        bank, branch, account = record[2:7], record[11:16], record[21:32].strip()
        self.statement = Part(
            account=f"{bank}{branch}{account}", account_number=f"{bank}{branch}{account}",
            iban=french_iban(bank, branch, account), currency=_currency(record, line_no),
            opening_balance=_amount(record, line_no), opening_date=_date(record[34:40], line_no, "balance date"))
        self.started = line_no

    def _movement(self, line_no: int, record: str) -> _Movement:
        value_date = record[42:48]
        return _Movement(
            line_no=line_no, booking_date=_date(record[34:40], line_no, "accounting date"),
            value_date=_date(value_date, line_no, "value date") if value_date.strip() else None,
            amount=_amount(record, line_no), currency=_currency(record, line_no), label=record[48:79],
            bank_ref=record[104:120])

    def _complement(self, line_no: int, record: str) -> None:
        if self.movement is None:
            raise unreadable("a complement (05) record comes before any movement (04) record", line=line_no)
        qualifier = record[45:48].strip().upper()
        if not qualifier:
            raise unreadable("the complement (05) record has no qualifier (positions 46-48)", line=line_no)
        self.movement.extra.setdefault(qualifier, []).append(record[48:118])

    def _flush(self, statement: Part) -> None:
        if self.movement is not None:
            statement.lines.append(self.movement.line())
            self.movement = None

    def _close(self, line_no: int, record: str, statement: Part) -> None:
        self._flush(statement)
        statement.closing_balance = _amount(record, line_no)
        statement.closing_date = _date(record[34:40], line_no, "balance date")
        self.parts.append(statement)
        self.statement = None

    def finish(self, last_line: int) -> list[Part]:
        if self.statement is not None:
            raise unreadable(f"the file ends before the closing balance (07) of the statement opened line "
                             f"{self.started}: it is truncated", line=last_line)
        return self.parts


def parse(data: bytes) -> ParsedStatement:
    reader = _Reader()
    last = 0
    for line_no, raw in enumerate(text_of(data).split("\n"), start=1):
        record = raw.rstrip("\r").rstrip(" ")
        if not record.strip():
            continue
        if len(record) > WIDTH:
            raise unreadable(f"the record is {len(record)} characters long; CFONB 120 records have {WIDTH}",
                             line=line_no)
        reader.feed(line_no, record)
        last = line_no
    return assemble("cfonb120", reader.finish(last))

"""CODA, the Belgian statement of 128-character records (Febelfin), read with the ``febelfin-coda`` library.

A statement runs from its header (record 0) to its trailer (9): old balance (1), movements (21/22/23, their
details 3x), free communications (4), new balance (8). The movements of the statement (transaction types 0 to 3,
the ones booked on the account) become lines; the details of a globalised movement stay inside it. A structured
communication (OGM/VCS) is given as it is printed, ``+++123/4567/89012+++``.

Worked around in the library: ``CODA(name)`` opens a ``str`` or ``bytes`` argument as a file path, so the records
go in as an iterator (which also tells the line a failure is on); it slices fixed positions, so records whose
trailing blanks were trimmed are padded back to 128 characters; and it checks the trailer with ``assert``
(AssertionError, or nothing under ``python -O``), so the balances are checked again in ``structured.assemble``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from coda import CODA

from chalicelib.banking.statements.detect import text_of
from chalicelib.banking.statements.model import ParsedStatement, StatementLine, unreadable
from chalicelib.banking.statements.structured import Part, assemble, cents, clean, optional, valid_iban

WIDTH = 128
_STRUCTURED = {"101", "102"}  # the communication types of the OGM/VCS (12 digits, the last 2 a mod-97 check)
_IBAN_STRUCTURES = {"2", "3"}  # account structures 2 (Belgian IBAN) and 3 (foreign IBAN); 0 and 1 are national
# what the library raises on a record it cannot read: a bad date or number (ValueError), a record out of place
# (AttributeError, IndexError, KeyError), a trailer that does not match (AssertionError)
_LIBRARY_ERRORS = (ValueError, ArithmeticError, AttributeError, IndexError, KeyError, TypeError, AssertionError)


class _Records:
    """The file's records for the library, padded to 128 characters, remembering the line being read."""

    def __init__(self, text: str) -> None:
        self.records: list[tuple[int, str]] = []
        for line_no, raw in enumerate(text.split("\n"), start=1):
            record = raw.rstrip("\r").rstrip(" ")
            if not record:
                continue
            if len(record) > WIDTH:
                raise unreadable(f"the record is {len(record)} characters long; CODA records have {WIDTH}",
                                 line=line_no)
            self.records.append((line_no, record.ljust(WIDTH) + "\n"))
        self.current: int | None = None

    def __iter__(self) -> Iterator[str]:
        for line_no, record in self.records:
            self.current = line_no
            yield record

    def movement_lines(self) -> list[dict[tuple[str, str], int]]:
        """For each statement, the line of each movement's first record (21), by sequence and detail number."""
        statements: list[dict[tuple[str, str], int]] = []
        for line_no, record in self.records:
            if record[0] == "0":
                statements.append({})
            elif record[:2] == "21" and statements:
                statements[-1].setdefault((record[2:6], record[6:10]), line_no)
        return statements


def _communication(move: Any) -> str | None:
    text = move.communication
    if move.communication_type in _STRUCTURED and text and text.isdigit() and len(text) == 12:
        return f"+++{text[:3]}/{text[3:7]}/{text[7:]}+++"
    return optional(text)


def _line(move: Any, line_no: int | None) -> StatementLine:
    counterparty = optional(move.counterparty_name)
    communication = _communication(move)
    label = clean(" ".join(filter(None, (counterparty, communication))))
    return StatementLine(
        booking_date=move.entry_date, amount=cents(move.amount), value_date=move.value_date,
        label=label or f"transaction {move.transaction_code}", bank_ref=optional(move.bank_reference),
        counterparty=counterparty, reference=communication or optional(move.customer_reference), line_no=line_no)


def _part(statement: Any, movement_lines: dict[tuple[str, str], int]) -> Part:
    account = clean(statement.account)
    iban = valid_iban(account) if statement._account_structure in _IBAN_STRUCTURES else None
    lines = [_line(move, movement_lines.get((move.sequence, move.detail_sequence))) for move in statement.moves]
    return Part(account=iban or account, iban=iban, account_number=None if iban else account,
                currency=clean(statement.account_currency) or None, lines=lines,
                opening_balance=cents(statement.old_balance), closing_balance=cents(statement.new_balance),
                opening_date=statement.old_balance_date, closing_date=statement.new_balance_date)


def _library_error(exc: Exception, records: _Records) -> Exception:
    record = dict(records.records).get(records.current or 0, "")
    if isinstance(exc, AssertionError) and record[:1] == "9":
        reason = "the totals or the record count of the trailer (record 9) do not match the records before it"
    else:
        reason = f"the record cannot be read ({exc or type(exc).__name__})"
    return unreadable(reason, line=records.current)


def parse(data: bytes) -> ParsedStatement:
    records = _Records(text_of(data))
    try:
        statements = CODA(iter(records)).statements
        if any(statement.number_records is None for statement in statements):
            raise unreadable("the file ends before the trailer (record 9) of its last statement: it is truncated",
                             line=records.current)
        parts = [_part(statement, lines) for statement, lines in zip(statements, records.movement_lines(),
                                                                      strict=False)]
    except _LIBRARY_ERRORS as exc:
        raise _library_error(exc, records) from exc
    return assemble("coda", parts)

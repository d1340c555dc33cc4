"""What every statement parser produces: one statement (account, period, balances) and its signed lines.

Parsers are pure: bytes in, a ``ParsedStatement`` out, or ``StatementUnreadable`` naming the line and the reason.
Amounts are ``Decimal`` and signed from the account holder's side: a credit (money in) is positive, a debit negative.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from chalicelib.core.errors import ValidationFailed

Format = Literal["csv", "xlsx", "xls", "pdf", "camt053", "ofx", "cfonb120", "mt940", "coda"]
FORMATS: tuple[str, ...] = ("csv", "xlsx", "xls", "pdf", "camt053", "ofx", "cfonb120", "mt940", "coda")


@dataclass(frozen=True)
class StatementLine:
    """One booked movement of the statement."""

    booking_date: dt.date
    amount: Decimal  # signed: > 0 money in, < 0 money out
    label: str  # the bank's wording, continuation lines joined with a space
    value_date: dt.date | None = None
    bank_ref: str | None = None  # the bank's own unique id of the movement (FITID, AcctSvcrRef, CFONB/MT940 ref)
    counterparty: str | None = None  # payer or payee name when the format carries it
    reference: str | None = None  # remittance information (structured communication, end-to-end id...)
    currency: str | None = None  # when the line says it (else the statement's)
    line_no: int | None = None  # 1-based line (or row) of the file it came from


@dataclass(frozen=True)
class ParsedStatement:
    """One account's statement. A file holding several accounts or periods is merged per account by the parser
    only when they are the same account; otherwise the parser keeps the first and warns."""

    format: Format
    lines: list[StatementLine]
    iban: str | None = None  # normalised, no spaces, upper case
    account_number: str | None = None  # the national account number when there is no IBAN (CFONB, some CSV)
    currency: str | None = None
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    opening_date: dt.date | None = None
    closing_date: dt.date | None = None
    warnings: list[str] = field(default_factory=list)


class StatementUnreadable(ValidationFailed):
    """The file cannot be read as a statement: answers 422 with the line (when known) and the reason."""

    default_code = "statement_unreadable"


def unreadable(reason: str, *, line: int | None = None, code: str | None = None) -> StatementUnreadable:
    where = f"line {line}: " if line is not None else ""
    details: dict[str, object] = {"file": [f"{where}{reason}"], "reason": reason}
    if line is not None:
        details["line"] = line
    return StatementUnreadable(f"the statement cannot be read: {where}{reason}", code=code, details=details)

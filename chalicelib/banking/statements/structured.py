"""What the parsers of the structured formats (camt.053, OFX, CFONB 120, MT940, CODA) share.

Each of them reads its file into one ``Part`` per statement block, then ``assemble`` turns the parts into the one
``ParsedStatement`` the model promises: the blocks of the first account merged in file order (opening balance of
the first block, closing balance of the last), any other account left out with a warning, and a warning (not an
error: the movements are still worth importing) when opening + Σ movements ≠ closing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from chalicelib.banking.statements.model import Format, ParsedStatement, StatementLine, unreadable

_CENT = Decimal("0.01")


@dataclass
class Part:
    """One statement block of a file, as its parser read it."""

    account: str  # what identifies the account in this format (IBAN, national number...), compared between blocks
    lines: list[StatementLine] = field(default_factory=list)
    iban: str | None = None
    account_number: str | None = None
    currency: str | None = None
    opening_balance: Decimal | None = None
    closing_balance: Decimal | None = None
    opening_date: dt.date | None = None
    closing_date: dt.date | None = None


def clean(text: str | None) -> str:
    """The text stripped, its inner whitespace (line breaks and fixed-width padding included) collapsed."""
    return " ".join(text.split()) if text else ""


def optional(text: str | None) -> str | None:
    """``clean(text)``, or None when nothing is left."""
    return clean(text) or None


def cents(amount: Decimal) -> Decimal:
    """The amount with two decimals when that loses nothing (``1250`` -> ``1250.00``, ``-1250.4`` -> ``-1250.40``),
    so every parser gives the same scale; an amount with more decimals is kept as it is."""
    rounded = amount.quantize(_CENT)
    return rounded if rounded == amount else amount


def valid_iban(value: str | None) -> str | None:
    """The IBAN compacted (no spaces, upper case) when ``value`` is one with a valid checksum, else None."""
    if not value:
        return None
    try:
        return str(IBAN(value).compact)
    except SchwiftyException:
        return None


def french_iban(bank: str, branch: str, account: str) -> str | None:
    """The French IBAN of a bank code (5 digits), branch code (5 digits) and account number (11 characters).

    The RIB key the BBAN ends with is not in CFONB or OFX records; schwifty computes it from the three parts with
    the rule of the French banks (letters of the account folded to digits), so the IBAN is the account's.
    """
    if not (len(bank) == 5 and bank.isdigit() and len(branch) == 5 and branch.isdigit()
            and len(account) == 11 and account.isalnum()):
        return None
    try:
        return str(IBAN.generate("FR", bank_code=bank, branch_code=branch, account_code=account.upper()).compact)
    except SchwiftyException:
        return None


def assemble(fmt: Format, parts: list[Part], warnings: list[str] | None = None) -> ParsedStatement:
    """Merge the blocks of the file's first account into one statement, with the warnings of the reading."""
    if not parts:
        raise unreadable("the file holds no statement")
    first = parts[0]
    key = (first.account, first.currency)
    kept = [part for part in parts if (part.account, part.currency) == key]
    notes = list(warnings or [])
    others = sorted({f"{part.account} ({part.currency})" if part.currency else part.account
                     for part in parts if (part.account, part.currency) != key})
    if others:
        notes.append(f"the file also holds the statements of {', '.join(others)}: only those of {first.account} "
                     "were read; import the other accounts from their own files")
    last = kept[-1]
    lines = [line for part in kept for line in part.lines]
    mismatch = balance_mismatch(first.opening_balance, lines, last.closing_balance)
    if mismatch:
        notes.append(mismatch)
    return ParsedStatement(
        format=fmt, lines=lines, iban=first.iban, account_number=first.account_number, currency=first.currency,
        opening_balance=first.opening_balance, closing_balance=last.closing_balance,
        opening_date=first.opening_date, closing_date=last.closing_date, warnings=notes)


def balance_mismatch(opening: Decimal | None, lines: list[StatementLine], closing: Decimal | None) -> str | None:
    """A warning when the opening balance plus the movements is not the closing balance (both balances known)."""
    if opening is None or closing is None:
        return None
    movements = sum((line.amount for line in lines), Decimal(0))
    expected = opening + movements
    if expected == closing:
        return None
    return (f"the balances do not add up: opening {opening} + movements {movements} = {expected}, "
            f"but the closing balance is {closing}; some movements may be missing")

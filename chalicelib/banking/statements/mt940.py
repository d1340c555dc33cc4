"""MT940, the SWIFT customer statement, read with the ``mt-940`` library (one statement block per ``:20:``).

``:25:`` gives the account (an IBAN, possibly as ``BIC/IBAN``), ``:60F:``/``:60M:`` the opening balance,
``:62F:``/``:62M:`` the closing one, each ``:61:`` a movement (value date, entry date, mark, amount, the customer
reference and the bank's after ``//``) and the ``:86:`` after it the details: either the structured ``?00``/``?20``…
``?32`` subfields the library splits (posting text and purpose make the label, ``?32`` the counterparty, ``EREF+``
the reference), or free text, where the ``/REMI/``-style codes of the French banks give the reference and the name.

Worked around in the library: it decodes bytes as UTF-8 else cp852 (a Central European code page), so the file is
decoded here (UTF-8 else Windows-1252); it cuts ``:25:`` at the 35 characters of the SWIFT field, which a
``BIC/IBAN`` of a French IBAN overruns, so ``:25:`` is read from the text; and its 5.0.0 defaults (reversals of
credits counted as credits, ``:86:`` cut after nine chunks, ``?31`` glued to the name) are switched off by options.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
from decimal import Decimal
from typing import Any

import mt940

from chalicelib.banking.statements.detect import text_of
from chalicelib.banking.statements.model import ParsedStatement, StatementLine, unreadable
from chalicelib.banking.statements.structured import Part, assemble, cents, clean, optional, valid_iban

# The library logs the text of a field it cannot read at ERROR: statement contents must not reach the logs (the
# error reaches the caller as a 422 instead).
logging.getLogger("mt940").setLevel(logging.CRITICAL)

_OPTIONS = mt940.Options(reversal_sign=True, case_insensitive_marks=True, unbounded_details=True, strip_bom=True,
                         applicant_iban=True, merge_keeps_values=True)
_BLOCK = re.compile(r"(?m)^(?=:20:)")
_ACCOUNT = re.compile(r"(?m)^:25:(.*)$")
_ENTRY = re.compile(r"(?m)^:61:")
_CODES = ("EREF", "KREF", "MREF", "CRED", "DEBT", "REMI", "ORDP", "BENM", "NAME", "ADDR", "PURP", "ULTC", "ULTD",
          "ULTB", "IBAN", "BIC", "CSID", "MARF", "RTRN", "OCMT", "CHGS", "EXCH", "COAM", "OAMT", "SVWZ")
_CODE = re.compile(r"/({})/".format("|".join(_CODES)))
_CONTINUATION = re.compile(r"\?2[1-9]")
_OTHER_SUBFIELD = re.compile(r"\?\d{2}")
_NO_REFERENCE = {"", "NONREF", "NOTPROVIDED"}
_LINE_WIDTH = 65  # a full :86: line was wrapped by the bank; a shorter one ended where the text did
# what the library raises on a tag it cannot read (RuntimeError, with the tag's text), a bad date (ValueError),
# a bad amount (decimal.InvalidOperation) or a tag missing the parts a processor expects
_LIBRARY_ERRORS = (RuntimeError, ValueError, ArithmeticError, KeyError, IndexError, TypeError, AttributeError)


def _date(value: dt.date) -> dt.date:
    return dt.date(value.year, value.month, value.day)  # the library's Date subclass, as a plain date


def _line_of(text: str, fragment: str) -> int | None:
    found = text.find(fragment) if fragment else -1
    return text.count("\n", 0, found) + 1 if found >= 0 else None


def _unwrap(details: str) -> str:
    lines = details.split("\n")
    return "".join(line + ("" if len(line) >= _LINE_WIDTH else " ") for line in lines)


def _codes(text: str) -> dict[str, str] | None:
    """The ``/CODE/value`` pairs of a free-text ``:86:``, or None when it is not written that way."""
    pieces = _CODE.split(text.strip())
    if len(pieces) < 3 or pieces[0].strip():
        return None
    pairs: dict[str, str] = {}
    for code, value in zip(pieces[1::2], pieces[2::2], strict=True):
        pairs.setdefault(code, clean(value))
    return pairs


def _details(data: dict[str, Any]) -> tuple[str, str | None, str | None]:
    """Label, counterparty and reference of a movement, from its ``:86:``."""
    if "transaction_details" not in data and ("posting_text" in data or "purpose" in data):
        label = clean(" ".join(filter(None, (data.get("posting_text"), data.get("purpose"),
                                             data.get("additional_purpose")))))
        reference = data.get("end_to_end_reference") or ""
        return label, optional(data.get("applicant_name")), None if reference in _NO_REFERENCE else clean(reference)
    text = _unwrap(data.get("transaction_details") or "")
    # subfields the library leaves when the details do not open with a 3-digit code: ?21-?29 continue the purpose
    # ?20 opened, any other starts another part
    text = _OTHER_SUBFIELD.sub(" ", _CONTINUATION.sub("", text))
    pairs = _codes(text)
    if pairs is None:
        return clean(text), None, None
    label = clean(" ".join(value for value in pairs.values() if value not in _NO_REFERENCE))
    reference = pairs.get("REMI") or pairs.get("EREF") or ""
    return label, optional(pairs.get("NAME")), None if reference in _NO_REFERENCE else reference


def _line(data: dict[str, Any], line_no: int | None) -> StatementLine:
    label, counterparty, reference = _details(data)
    customer = (data.get("customer_reference") or "").strip()
    value_date = _date(data["date"])
    return StatementLine(
        booking_date=_date(data.get("entry_date") or value_date), amount=cents(data["amount"].amount),
        label=label or clean(data.get("extra_details")) or str(data.get("id") or ""), value_date=value_date,
        bank_ref=optional(data.get("bank_reference")) or (None if customer.upper() in _NO_REFERENCE else customer),
        counterparty=counterparty, reference=reference, line_no=line_no)


def _balance(block: mt940.models.Transactions, kinds: tuple[str, ...], tag: str,
             first: int) -> tuple[Decimal, str | None, dt.date | None]:
    for kind in kinds:
        balance = block.data.get(kind)
        if isinstance(balance, mt940.models.Balance) and isinstance(balance.amount, mt940.models.Amount):
            return cents(balance.amount.amount), balance.amount.currency, _date(balance.date) if balance.date else None
    raise unreadable(f"the statement has no {tag} balance: the file is truncated or not MT940", line=first)


def _account(text: str, first: int) -> tuple[str, str | None]:
    found = _ACCOUNT.search(text)
    if not found or not found.group(1).strip():
        raise unreadable("the statement has no account (:25:)", line=first)
    raw = "".join(found.group(1).split())
    candidates = [raw, *raw.split("/")]
    return raw, next((iban for iban in map(valid_iban, candidates) if iban), None)


def _library_error(exc: Exception, text: str, first: int) -> Exception:
    if isinstance(exc, RuntimeError) and len(exc.args) == 3 and isinstance(exc.args[1], mt940.tags.Tag):
        value = str(exc.args[2]).split("\n")[0]
        where = _line_of(text, value)
        return unreadable(f"the :{exc.args[1].id}: field {value!r} cannot be read",
                          line=first + where - 1 if where else first)
    return unreadable(f"the statement cannot be read as MT940 ({exc})", line=first)


def _part(text: str, first: int) -> Part:
    try:
        # a str naming an existing file would be read as that file: the text goes in as a stream
        block = mt940.parse(io.StringIO(text), options=_OPTIONS)
    except _LIBRARY_ERRORS as exc:
        raise _library_error(exc, text, first) from exc
    raw, iban = _account(text, first)
    opening, currency, opening_date = _balance(
        block, ("final_opening_balance", "intermediate_opening_balance", "opening_balance"), "opening (:60F:)", first)
    closing, _, closing_date = _balance(
        block, ("final_closing_balance", "intermediate_closing_balance", "closing_balance"), "closing (:62F:)", first)
    starts = [first + text.count("\n", 0, match.start()) for match in _ENTRY.finditer(text)]
    if len(starts) != len(block):
        starts = []
    lines = [_line(entry.data, starts[index] if starts else None) for index, entry in enumerate(block)]
    return Part(account=iban or raw, iban=iban, account_number=None if iban else raw, currency=currency, lines=lines,
                opening_balance=opening, closing_balance=closing, opening_date=opening_date, closing_date=closing_date)


def parse(data: bytes) -> ParsedStatement:
    text = text_of(data).replace("\r\n", "\n").replace("\r", "\n")
    parts: list[Part] = []
    first = 1
    for block in _BLOCK.split(text):
        if block.startswith(":20:"):
            parts.append(_part(block, first))
        first += block.count("\n")
    if not parts:
        raise unreadable("no MT940 statement in the file (no line opens with :20:)")
    return assemble("mt940", parts)

"""OFX (1.x SGML and 2.x XML) bank and card statements, read with ``ofxparse``.

Each ``STMTRS``/``CCSTMTRS`` is a statement block: the account (``ACCTID``: an IBAN for some French banks, else the
national number, from which with ``BANKID``/``BRANCHID`` the French IBAN is built when they have its shape), the
movements (``STMTTRN``: ``FITID`` is the bank's reference, ``NAME`` and ``MEMO`` the label, ``CHECKNUM`` the
reference) and the closing balance (``LEDGERBAL``); OFX gives no opening balance. French banks write comma decimals
(``-12,50``), which ofxparse reads exactly as ``Decimal``.

Worked around in ofxparse 0.21: it picks its codec from the SGML header only (ASCII for OFX 2.x, whose header is an
XML declaration, and an error for a charset it does not know), so the file is decoded here (its declared charset,
else UTF-8, else Windows-1252) and handed over as ASCII, other characters as character references its HTML parser
turns back; and it shifts ``DTPOSTED`` to UTC, which moves a posting at midnight in Paris to the day before, so
dates are read as the bank wrote them.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
from collections import defaultdict, deque
from typing import Any

from bs4 import XMLParsedAsHTMLWarning
from ofxparse import OfxParser
from ofxparse.ofxparse import AccountType, OfxParserException

from chalicelib.banking.statements.detect import text_of
from chalicelib.banking.statements.model import ParsedStatement, StatementLine, unreadable
from chalicelib.banking.statements.structured import Part, assemble, cents, clean, french_iban, optional, valid_iban

_XML_ENCODING = re.compile(r"""<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")
_HEADER = re.compile(r"(?im)^\s*(ENCODING|CHARSET)\s*:\s*(\S*)")
_ASCII_HEADERS = {"ENCODING": "USASCII", "CHARSET": "1252"}
_MOVEMENT = re.compile(r"(?i)<STMTTRN>")
_END = re.compile(r"(?i)</OFX>")
_FITID = re.compile(r"(?i)<FITID>\s*([^<\r\n]*)")
# what ofxparse raises besides its own exception: a header line it cannot split, an empty or missing tag, a number
# or a date it cannot read
_LIBRARY_ERRORS = (OfxParserException, ValueError, ArithmeticError, IndexError, KeyError, TypeError, AttributeError)


class _Parser(OfxParser):
    @classmethod
    def parseOfxDateTime(cls, ofxDateTime: str) -> dt.datetime | None:
        value = ofxDateTime.strip()
        return None if value[:8] == "00000000" else dt.datetime.strptime(value[:8], "%Y%m%d")


def _declared(head: str) -> str | None:
    xml = _XML_ENCODING.search(head)
    if xml:
        return xml.group(1)
    headers = {name.upper(): value.upper() for name, value in _HEADER.findall(head)}
    if headers.get("ENCODING") in ("UTF-8", "UNICODE"):
        return "utf-8-sig"
    charset = headers.get("CHARSET", "")
    if charset.isdigit():
        return f"cp{charset}"
    return "iso-8859-1" if charset in ("8859-1", "ISO-8859-1") else None


def _decode(data: bytes) -> str:
    head = data[:1024].decode("ascii", errors="replace")
    encoding = _declared(head)
    if encoding:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: read it as any other text file
    return text_of(data)


def _for_ofxparse(text: str) -> bytes:
    text = text.lstrip("\ufeff")
    start = text.find("<")
    head, body = (text[:start], text[start:]) if start > 0 else ("", text)
    # its codec then is ASCII, whatever the file declared: the other characters are references by now
    head = _HEADER.sub(lambda match: f"{match.group(1)}:{_ASCII_HEADERS[match.group(1).upper()]}", head)
    return (head + body).encode("ascii", errors="xmlcharrefreplace")


def _movement_lines(text: str) -> dict[str, deque[int]]:
    """The line each ``STMTTRN`` starts on, by its FITID (in file order, for FITIDs given twice)."""
    lines: dict[str, deque[int]] = defaultdict(deque)
    starts = [match.start() for match in _MOVEMENT.finditer(text)]
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        fitid = _FITID.search(text, start, end)
        if fitid:
            lines[fitid.group(1).strip()].append(text.count("\n", 0, start) + 1)
    return lines


def _day(value: Any) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else None


def _line(transaction: Any, lines: dict[str, deque[int]]) -> StatementLine:
    payee, memo = clean(transaction.payee), clean(transaction.memo)
    label = payee if not memo or memo in payee else clean(f"{payee} {memo}")
    queue = lines.get(transaction.id)
    booked = _day(transaction.date)
    if booked is None:
        raise unreadable(f"the movement {transaction.id!r} has no posting date (DTPOSTED)",
                         line=queue[0] if queue else None)
    return StatementLine(booking_date=booked, amount=cents(transaction.amount), label=label or transaction.type,
                         bank_ref=optional(transaction.id), reference=optional(transaction.checknum),
                         line_no=queue.popleft() if queue else None)


def _part(account: Any, lines: dict[str, deque[int]]) -> Part:
    statement = account.statement
    acctid = clean(account.account_id)
    iban = valid_iban(acctid)
    built = None if iban else french_iban(clean(account.routing_number), clean(account.branch_id), acctid)
    if not (iban or acctid):
        raise unreadable("the statement names no account (ACCTID)")
    return Part(account=iban or acctid, iban=iban or built, account_number=None if iban else acctid,
                currency=(statement.currency or account.curdef or "").upper() or None,
                lines=[_line(transaction, lines) for transaction in statement.transactions],
                closing_balance=cents(statement.balance) if getattr(statement, "balance", None) is not None else None,
                opening_date=_day(statement.start_date),
                closing_date=_day(getattr(statement, "balance_date", None)) or _day(statement.end_date))


def parse(data: bytes) -> ParsedStatement:
    text = _decode(data)
    if not _END.search(text):
        # ofxparse closes an aggregate whose end tag it never sees as if it were a leaf, so a cut file would give
        # an empty statement rather than an error
        raise unreadable("the file ends before </OFX>: it is truncated", line=text.count("\n") + 1)
    try:
        with warnings.catch_warnings():
            # bs4 warns that OFX 2.x is XML read with its HTML parser, which is how ofxparse reads both versions,
            # and that ofxparse calls its old method names
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            ofx = _Parser.parse(io.BytesIO(_for_ofxparse(text)))
    except _LIBRARY_ERRORS as exc:
        raise unreadable(f"the OFX file cannot be read ({exc})") from exc
    accounts = [account for account in ofx.accounts
                if account.type in (AccountType.Bank, AccountType.CreditCard) and account.statement is not None]
    if not accounts:
        raise unreadable("the OFX file holds no bank or card statement (STMTRS or CCSTMTRS)")
    lines = _movement_lines(text)
    status = getattr(ofx, "status", None) or {}
    notes = [f"the bank reported the status {status.get('code')} ({status.get('message') or 'no message'}) "
                "for this statement"] if status.get("code") not in (None, 0) else []
    return assemble("ofx", [_part(account, lines) for account in accounts], notes)

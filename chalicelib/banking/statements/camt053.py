"""camt.053, the ISO 20022 bank-to-customer statement, read with ``pycamt`` and checked where it falls short.

Each ``Stmt`` is a statement block: the account (``Acct/Id/IBAN``, else ``Othr/Id``), the opening balance (``OPBD``,
else ``PRCD``) and the closing one (``CLBD``), each signed by its ``CdtDbtInd``, and the entries (``Ntry``). Only
booked entries (``Sts`` ``BOOK``, or none) become lines; pending ones are counted in a warning. A batched entry
whose transactions (``TxDtls``) each carry an amount adding up to the entry's becomes one line per transaction,
so each payment can be matched; otherwise the entry is one line, as booked.

Worked around in ``pycamt`` 1.1.1: it signs a debit balance through ``float`` (``-1250.4``), so balances and
amounts are read here from the elements; it gives a batched entry's transactions the entry's ``AcctSvcrRef``, so
each transaction's own reference is read; and it keeps no element, so the line numbers come from walking the
entries in the order it walks them. Its lxml parser resolves no entity and loads nothing from the network, but a
statement never needs a DTD: a file declaring one is refused before parsing, by ``defusedxml``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as checked_xml
from lxml import etree
from pycamt.parser import Camt053ParseError, Camt053Parser

from chalicelib.banking.statements.model import ParsedStatement, StatementLine, unreadable
from chalicelib.banking.statements.structured import Part, assemble, cents, clean, optional, valid_iban

_NO_REFERENCE = {"", "NOTPROVIDED", "NONREF"}


def _path(*names: str) -> str:
    return "/".join(f"*[local-name()='{name}']" for name in names)  # whatever the namespace (version) of the file


def _element(parent: Any, *names: str) -> Any:
    found = parent.xpath(_path(*names))
    return found[0] if found else None


def _text(parent: Any, *names: str) -> str | None:
    found = _element(parent, *names)
    return optional(found.text) if found is not None else None


def _date(value: str | None, line: int) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError as exc:
        raise unreadable(f"the date {value!r} is not an ISO date", line=line) from exc


def _amount(parent: Any, indicator: str | None, *path: str) -> tuple[Decimal, str | None] | None:
    """The amount at ``path`` signed by ``indicator`` (``DBIT`` negative) and its currency, or None if absent."""
    element = _element(parent, *path)
    if element is None:
        return None
    try:
        value = cents(Decimal((element.text or "").strip()))
    except InvalidOperation as exc:
        raise unreadable(f"the amount {element.text!r} is not a number", line=element.sourceline) from exc
    return (-value if indicator == "DBIT" else value), element.get("Ccy")


def _balances(statement: Any, part: Part) -> None:
    for balance in statement.xpath(_path("Bal")):
        code = _text(balance, "Tp", "CdOrPrtry", "Cd")
        amount = _amount(balance, _text(balance, "CdtDbtInd"), "Amt")
        if amount is None:
            continue
        when = _date(_text(balance, "Dt", "Dt") or _text(balance, "Dt", "DtTm"), balance.sourceline)
        if code == "OPBD" or (code == "PRCD" and part.opening_balance is None):
            part.opening_balance, part.opening_date = amount[0], when
        elif code == "CLBD" and part.closing_balance is None:
            part.closing_balance, part.closing_date = amount[0], when
        part.currency = part.currency or amount[1]


def _transactions(entry: Any) -> list[Any]:
    # the TxDtls in the order pycamt lists them: by NtryDtls, then by TxDtls
    return [tx for details in entry.xpath(_path("NtryDtls")) for tx in details.xpath(_path("TxDtls"))]


def _line(entry: Any, info: dict[str, Any], amount: Decimal, currency: str | None, extra: list[str],
          bank_ref: str | None, line: int) -> StatementLine:
    counterparty = optional(info.get("DebtorName") if amount > 0 else info.get("CreditorName"))
    remittance = optional(info.get("RemittanceInformationFull") or info.get("RemittanceInformation"))
    end_to_end = optional(info.get("EndToEndId"))
    reference = remittance or (end_to_end if end_to_end and end_to_end.upper() not in _NO_REFERENCE else None)
    codes = "/".join(filter(None, (info.get("BankTransactionCode"), info.get("TransactionFamilyCode"),
                                   info.get("TransactionSubFamilyCode"))))
    label = clean(" ".join([info.get("AdditionalEntryInformation") or "", *extra]))
    label = label or remittance or counterparty or codes
    booked = _date(info.get("BookingDate"), line)
    if booked is None:
        raise unreadable("the entry has no booking date (BookgDt)", line=entry.sourceline)
    return StatementLine(booking_date=booked, amount=amount, label=label, value_date=_date(info.get("ValueDate"), line),
                         bank_ref=bank_ref, counterparty=counterparty, reference=reference, currency=currency,
                         line_no=line)


def _split(entry: Any, infos: list[dict[str, Any]], total: Decimal, currency: str | None,
           entry_ref: str | None) -> list[StatementLine] | None:
    """One line per transaction of a batched entry, when their amounts add up to the entry's; else None."""
    txs = _transactions(entry)
    if len(txs) < 2 or len(txs) != len(infos):
        return None
    amounts = [_amount(tx, info.get("CreditDebitIndicator"), "AmtDtls", "TxAmt", "Amt") or _amount(
        tx, info.get("CreditDebitIndicator"), "Amt") for tx, info in zip(txs, infos, strict=True)]
    if any(amount is None or amount[1] != currency for amount in amounts):
        return None
    signed = [amount[0] for amount in amounts if amount is not None]
    if sum(signed, Decimal(0)) != total:
        return None
    lines = []
    for index, (tx, info, amount) in enumerate(zip(txs, infos, signed, strict=True), start=1):
        own = _text(tx, "Refs", "AcctSvcrRef")
        counterparty = info.get("DebtorName") if amount > 0 else info.get("CreditorName")
        extra = [text for text in (counterparty, info.get("RemittanceInformationFull")) if text]
        lines.append(_line(entry, info, amount, currency, extra, own or (f"{entry_ref}-{index}" if entry_ref else None),
                           tx.sourceline))
    return lines


def _entry_lines(entry: Any, infos: list[dict[str, Any]]) -> list[StatementLine]:
    indicator = _text(entry, "CdtDbtInd")
    amount = _amount(entry, indicator, "Amt")
    if amount is None or indicator not in ("CRDT", "DBIT"):
        raise unreadable("the entry has no amount (Amt) or no credit/debit indicator (CdtDbtInd)",
                         line=entry.sourceline)
    total, currency = amount
    entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    split = _split(entry, infos, total, currency, entry_ref) if len(infos) > 1 else None
    if split is not None:
        return split
    # one line, as booked: details only when the entry has one transaction, since several would not agree
    info = infos[0] if len(infos) == 1 else {key: infos[0].get(key) for key in (
        "Status", "BookingDate", "ValueDate", "AdditionalEntryInformation", "BankTransactionCode",
        "TransactionFamilyCode", "TransactionSubFamilyCode")}
    return [_line(entry, info, total, currency, [], entry_ref, entry.sourceline)]


def _part(statement: Any, entries: list[Any], infos: list[dict[str, Any]], pending: list[str]) -> Part:
    raw = _text(statement, "Acct", "Id", "IBAN")
    iban = valid_iban(raw)
    other = _text(statement, "Acct", "Id", "Othr", "Id")
    account = iban or raw or other
    if not account:
        raise unreadable("the statement names no account (Acct/Id)", line=statement.sourceline)
    part = Part(account=account, iban=iban, account_number=None if iban else (raw or other),
                currency=_text(statement, "Acct", "Ccy"))
    _balances(statement, part)
    position = 0
    for entry in entries:
        count = max(1, len(_transactions(entry)))
        entry_infos = infos[position:position + count]
        position += count
        status = (entry_infos[0].get("Status") or "BOOK").upper()
        if status != "BOOK":
            pending.append(f"line {entry.sourceline} ({status})")
            continue
        part.lines.extend(_entry_lines(entry, entry_infos))
    return part


def _read(data: bytes) -> tuple[Camt053Parser, list[dict[str, Any]]]:
    try:
        checked_xml(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise unreadable("the XML declares a DTD or entities, which a bank statement never needs: refused") from exc
    except ParseError as exc:
        raise unreadable(f"the XML is malformed or truncated ({exc})", line=exc.position[0]) from exc
    try:
        parser = Camt053Parser(data)
        return parser, parser.get_transactions()
    except Camt053ParseError as exc:
        raise unreadable("the XML holds no camt.053 statement (Stmt)") from exc
    except (etree.LxmlError, AttributeError, TypeError, ValueError) as exc:
        raise unreadable(f"the camt.053 statement cannot be read ({exc})") from exc


def parse(data: bytes) -> ParsedStatement:
    parser, infos = _read(data)
    statements = [(statement, statement.findall(".//Ntry", parser.namespaces))
                  for statement in parser.tree.findall(".//Stmt", parser.namespaces)]
    counts = [sum(max(1, len(_transactions(entry))) for entry in entries) for _, entries in statements]
    if not statements or sum(counts) != len(infos):
        # pycamt falls back to the Rpt of a camt.052 report, which is no statement
        raise unreadable("the XML holds no camt.053 statement (BkToCstmrStmt/Stmt)")
    pending: list[str] = []
    parts: list[Part] = []
    position = 0
    for (statement, entries), count in zip(statements, counts, strict=True):
        parts.append(_part(statement, entries, infos[position:position + count], pending))
        position += count
    warnings = [f"entries not booked yet were left out: {', '.join(pending)}"] if pending else []
    return assemble("camt053", parts, warnings)

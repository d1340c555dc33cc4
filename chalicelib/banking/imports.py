"""Statement import: preview an uploaded file, confirm it (book its transactions), or discard it.

The preview parses the file (422 naming the line and the reason when it cannot), keeps it in the blob store,
finds the account (``account_id``, else the account with the file's IBAN), and says what confirming would book:
every transaction has a dedupe key (the bank's reference, else date + amount + folded label + its occurrence
among identical lines of the file), and one already booked on the account is a duplicate, booked never twice.

Confirming re-reads the stored file and books what is not a duplicate, all or nothing (see the repository for
how a confirm larger than one store transaction stays all-or-nothing), then raises the alerts the new balance
and debits call for.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.banking import repository as repo
from chalicelib.banking.accounts import balance_of, event, require_account
from chalicelib.banking.models import BankAccount, BankTransaction, ImportOut, PreviewRow, StatementImport
from chalicelib.banking.statements.model import ParsedStatement, StatementLine
from chalicelib.core.errors import Conflict, NotFound, PayloadTooLarge, ValidationFailed
from chalicelib.core.ids import is_uuid
from chalicelib.core.money import ZERO, quantize
from chalicelib.core.text import fold
from chalicelib.store.deps import Deps
from chalicelib.store.port import MAX_TRANSACT_OPS, Check, ConditionFailed, Item, MustExist, Operation
from chalicelib.store.unit import commit, plain, retrying

MAX_FILE_BYTES = 10 * 1024 * 1024
PREVIEW_ROWS = 20
_PER_BATCH = (MAX_TRANSACT_OPS - 4) // 2  # two operations per transaction (item + marker)


def dedupe_keys(lines: list[StatementLine]) -> list[str]:
    seen: Counter[str] = Counter()
    keys = []
    for line in lines:
        if line.bank_ref and line.bank_ref.strip():
            base = "ref|" + line.bank_ref.strip()
        else:
            label = "".join(c for c in fold(line.label) if c.isalnum())
            base = f"{line.booking_date.isoformat()}|{quantize(line.amount)}|{label}"
        keys.append(hashlib.sha256(f"{base}|{seen[base]}".encode()).hexdigest()[:32])
        seen[base] += 1
    return keys


def _parse(data: bytes, filename: str | None) -> ParsedStatement:
    from chalicelib.banking.statements import parse  # lazy: parsers load pdfplumber, openpyxl, lxml on use

    return parse(data, filename)


def _account_for(deps: Deps, org_id: str, parsed: ParsedStatement, account_id: str | None) -> BankAccount | None:
    if account_id:
        return require_account(deps, org_id, account_id)
    found = repo.account_by_iban(deps.store, org_id, parsed.iban) if parsed.iban else None
    return repo.get_account(deps.store, org_id, found) if found else None


@dataclass(frozen=True)
class _Booked:
    """Which lines of a file a confirm would book, given the account's dedupe markers."""

    keys: list[str]
    duplicate: list[bool]
    markers: dict[str, Item]


def _classify(deps: Deps, org_id: str, account: BankAccount | None, lines: list[StatementLine]) -> _Booked:
    keys = dedupe_keys(lines)
    if account is None:
        return _Booked(keys, [False] * len(keys), {})
    markers = repo.markers(deps.store, org_id, account.id, keys)
    imports = repo.confirmed_imports(deps.store, org_id, {str(m.get("import_id")) for m in markers.values()})
    duplicate = [k in markers and str(markers[k].get("import_id")) in imports for k in keys]
    return _Booked(keys, duplicate, markers)


def _checked_size(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise PayloadTooLarge(f"a statement file is at most {MAX_FILE_BYTES} bytes (10 MiB)",
                              code="statement_too_large", details={"body": [f"{len(data)} bytes"]})
    if not data:
        raise ValidationFailed("the body is empty: send the statement file", code="statement_empty",
                               details={"body": ["the file is empty"]})


def _warnings(deps: Deps, parsed: ParsedStatement, account: BankAccount | None) -> list[str]:
    warnings = list(parsed.warnings)
    if account is not None and parsed.opening_balance is not None:
        balance = balance_of(deps, account)
        if balance != parsed.opening_balance:
            warnings.append(f"the statement opens at {parsed.opening_balance}, the account's balance is {balance}: "
                            "a statement is missing in between, or the account's opening balance is to be set")
    if account is None:
        warnings.append(f"no bank account has the IBAN {parsed.iban}; pass account_id to confirm" if parsed.iban
                        else "the file names no IBAN; pass account_id to confirm")
    elif parsed.iban and parsed.iban != account.iban:
        warnings.append(f"the file's IBAN {parsed.iban} is not the account's {account.iban}")
    if account is not None and parsed.currency and parsed.currency.upper() != account.currency:
        warnings.append(f"the file is in {parsed.currency}, the account in {account.currency}")
    return warnings


def preview_import(deps: Deps, org_id: str, data: bytes, filename: str | None, account_id: str | None) -> ImportOut:
    _checked_size(data)
    parsed = _parse(data, filename)
    account = _account_for(deps, org_id, parsed, account_id)
    booked = _classify(deps, org_id, account, parsed.lines)
    import_id, now = deps.new_id(), deps.clock.now()
    key = f"org/{org_id}/bank-imports/{import_id}"
    days = [line.booking_date for line in parsed.lines]
    record = StatementImport(
        id=import_id, org_id=org_id, status="parsed", format=parsed.format, filename=filename, size=len(data),
        account_id=account.id if account else None, iban=parsed.iban,
        currency=(parsed.currency or (account.currency if account else None)),
        period_start=parsed.opening_date or (min(days) if days else None),
        period_end=parsed.closing_date or (max(days) if days else None),
        opening_balance=parsed.opening_balance, closing_balance=parsed.closing_balance,
        transaction_count=len(parsed.lines), duplicates=sum(booked.duplicate),
        to_book=len(parsed.lines) - sum(booked.duplicate),
        credits=sum((line.amount for line in parsed.lines if line.amount > 0), ZERO),
        debits=-sum((line.amount for line in parsed.lines if line.amount < 0), ZERO),
        rows=[PreviewRow(booking_date=line.booking_date, value_date=line.value_date, amount=line.amount,
                         label=line.label, counterparty=line.counterparty, reference=line.reference,
                         duplicate=booked.duplicate[n]) for n, line in enumerate(parsed.lines[:PREVIEW_ROWS])],
        warnings=_warnings(deps, parsed, account), created_at=now, blob_key=key)
    deps.blobs.put(key, data, "application/octet-stream")
    try:
        retrying(deps.store, lambda: commit(deps.store, plain([repo.put_import(record, None)])))
    except Exception:
        deps.blobs.delete(key)
        raise
    return to_out(record)


def to_out(record: StatementImport) -> ImportOut:
    return ImportOut.model_construct(**{name: getattr(record, name) for name in ImportOut.model_fields})


def require_import(deps: Deps, org_id: str, import_id: str) -> StatementImport:
    record = repo.get_import(deps.store, org_id, import_id) if is_uuid(import_id) else None
    if record is None or record.status == "discarded":
        raise NotFound(f"import {import_id} not found", code="import_not_found")
    return record


def get_import(deps: Deps, org_id: str, import_id: str) -> ImportOut:
    return to_out(require_import(deps, org_id, import_id))


def _claim(deps: Deps, org_id: str, import_id: str, account_id: str | None
           ) -> tuple[StatementImport, BankAccount, bool]:
    """Turn the import ``confirming``; says whether it already was (a confirm that stopped midway, to resume)."""

    def attempt() -> tuple[StatementImport, BankAccount, bool]:
        record = require_import(deps, org_id, import_id)
        if record.status == "confirmed":
            raise Conflict("this import is already confirmed", code="import_already_confirmed")
        account = require_account(deps, org_id, account_id or record.account_id or "") if (
            account_id or record.account_id) else None
        if account is None:
            raise ValidationFailed("no bank account for this statement: pass account_id", code="account_required",
                                   details={"account_id": ["required: the file's IBAN is no account's"]})
        if record.currency and record.currency.upper() != account.currency:
            raise ValidationFailed(f"the statement is in {record.currency}, the account in {account.currency}",
                                   code="currency_mismatch", details={"account_id": ["another currency"]})
        claimed = record.model_copy(update={"status": "confirming", "account_id": account.id,
                                            "version": record.version + 1})
        commit(deps.store, plain([repo.put_import(claimed, record.version)]))
        return claimed, account, record.status == "confirming"

    return retrying(deps.store, attempt)


def _new_transactions(deps: Deps, record: StatementImport, account: BankAccount, lines: list[StatementLine],
                      booked: _Booked) -> list[tuple[BankTransaction, Item | None]]:
    now, out = deps.clock.now(), []
    for line, key, dup in zip(lines, booked.keys, booked.duplicate, strict=True):
        marker = booked.markers.get(key)
        if dup or (marker is not None and marker.get("import_id") == record.id):
            continue
        txn = BankTransaction(id=deps.new_id(), org_id=record.org_id, account_id=account.id, import_id=record.id,
                              booking_date=line.booking_date, value_date=line.value_date,
                              amount=quantize(line.amount, account.currency), currency=account.currency,
                              label=line.label[:500] or "/", counterparty=line.counterparty,
                              reference=line.reference, bank_ref=line.bank_ref, dedupe_key=key, status="unmatched",
                              created_at=now)
        out.append((txn, marker))
    return out


def _clean(deps: Deps, record: StatementImport, account_id: str) -> None:
    """Remove what an unfinished confirm of ``record`` wrote (invisible, since the import is not confirmed)."""
    leftovers = repo.of_import(deps.store, record.org_id, record.id, account_id)
    ops: list[Operation] = [op for txn in leftovers for op in repo.delete_txn(txn)]
    for start in range(0, len(ops), MAX_TRANSACT_OPS):
        deps.store.transact(ops[start:start + MAX_TRANSACT_OPS])


def confirm_import(deps: Deps, org_id: str, import_id: str, account_id: str | None = None, *,
                   on_batch: Callable[[int], None] | None = None) -> ImportOut:
    """Book the import; ``on_batch(n)`` is told of each batch of ``n`` transactions written (a progress bar)."""
    record, account, resumed = _claim(deps, org_id, import_id, account_id)
    try:
        if resumed:  # a confirm that stopped midway (a killed process) left these: start again from nothing
            _clean(deps, record, account.id)
        parsed = _parse(deps.blobs.get(record.blob_key), record.filename)
        booked = _classify(deps, org_id, account, parsed.lines)
        new = _new_transactions(deps, record, account, parsed.lines, booked)
        for start in range(0, len(new), _PER_BATCH):
            batch = new[start:start + _PER_BATCH]
            deps.store.transact([op for txn, marker in batch for op in repo.insert_txn(txn, marker)])
            if on_batch is not None:
                on_batch(len(batch))
        done = _finish(deps, record, account, [txn for txn, _ in new])
    except BaseException as exc:
        _release(deps, record, account.id)
        if isinstance(exc, ConditionFailed):
            raise Conflict("another import booked some of these transactions meanwhile; preview the file again",
                           code="import_conflict") from exc
        raise
    from chalicelib.banking.alerts import after_booking  # lazy: alerts read invoices (billing) only when booking

    after_booking(deps, org_id, account, [txn for txn, _ in new])
    return to_out(done)


def _finish(deps: Deps, record: StatementImport, account: BankAccount, txns: list[BankTransaction]
            ) -> StatementImport:
    total = sum((txn.amount for txn in txns), Decimal(0))
    done = record.model_copy(update={"status": "confirmed", "booked": len(txns), "confirmed_at": deps.clock.now(),
                                     "version": record.version + 1})
    org_id = record.org_id
    commit(deps.store, plain([
        repo.put_import(done, record.version),
        Check(repo.org_pk(org_id), f"BANKACCOUNT#{account.id}", MustExist()),
        repo.add_to_totals(org_id, account.id, repo.to_minor(total, account.currency), len(txns),
                           {"unmatched": len(txns)}),
        event(deps, org_id, "bank.statement.imported", "bank_import", record.id,
              {"import_id": record.id, "account_id": account.id, "format": record.format, "booked": len(txns),
               "duplicates": record.transaction_count - len(txns), "credits": str(record.credits),
               "debits": str(record.debits)})]))
    return done


def _release(deps: Deps, record: StatementImport, account_id: str) -> None:
    """After a failed confirm: remove what it wrote and give the import back its ``parsed`` state."""
    _clean(deps, record, account_id)
    current = repo.get_import(deps.store, record.org_id, record.id)
    if current is not None and current.status == "confirming":
        back = current.model_copy(update={"status": "parsed", "version": current.version + 1})
        deps.store.transact([repo.put_import(back, current.version)])


def discard_import(deps: Deps, org_id: str, import_id: str) -> None:
    record = require_import(deps, org_id, import_id)
    if record.status == "confirmed":
        raise Conflict("a confirmed import cannot be discarded; unmatch or ignore its transactions instead",
                       code="import_already_confirmed")
    if record.account_id:
        _clean(deps, record, record.account_id)
    gone = record.model_copy(update={"status": "discarded", "version": record.version + 1})
    retrying(deps.store, lambda: commit(deps.store, plain([repo.put_import(gone, record.version)])))
    deps.blobs.delete(record.blob_key)

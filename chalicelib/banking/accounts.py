"""Bank account use cases: create, read, list with the total balance per currency, update, delete.

An account's balance is its opening balance plus every booked transaction, read from the account's totals item
(kept in the transaction that books them), never by adding up transactions. One account per IBAN per organization
(409 ``iban_exists``). An account with booked transactions keeps its IBAN and currency and cannot be deleted
(409 ``bank_account_in_use``).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from chalicelib.auth.calendar import org_today
from chalicelib.banking import repository as repo
from chalicelib.banking.models import (
    BankAccount,
    BankAccountCreate,
    BankAccountList,
    BankAccountOut,
    BankAccountPatch,
    CurrencyTotal,
)
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.ids import is_uuid
from chalicelib.core.money import ZERO
from chalicelib.store.deps import Deps
from chalicelib.store.port import Item, Operation
from chalicelib.store.unit import commit, retrying
from chalicelib.webhooks.outbox import Event, record_event

_CHART_BANK = {"FR": "512", "BE": "550", "OHADA": "521"}


def event(deps: Deps, org_id: str, type_: str, entity: str, entity_id: str, payload: dict[str, Any]) -> Operation:
    return record_event(Event(id=deps.new_id(), org_id=org_id, type=type_, entity=entity, entity_id=entity_id,
                              payload=payload, occurred_at=deps.clock.now()))


def default_ledger_account(deps: Deps, org_id: str) -> str:
    """The books' bank account (their ``bank`` mapping), else the chart's of the company's country."""
    from chalicelib.ledger import repository as ledger_repo

    settings = ledger_repo.get_settings(deps.store, org_id)
    if settings is not None and settings.mappings.get("bank"):
        return settings.mappings["bank"]
    from chalicelib.company.service import get_company

    return _CHART_BANK.get(get_company(deps, org_id).accounting_country, "512")


def to_out(account: BankAccount, totals: Item | None) -> BankAccountOut:
    booked = repo.from_minor(int((totals or {}).get("booked", 0)), account.currency)
    return BankAccountOut(id=account.id, name=account.name, iban=account.iban, bic=account.bic,
                          bank_name=account.bank_name, currency=account.currency,
                          opening_balance=account.opening_balance, opening_date=account.opening_date,
                          ledger_account=account.ledger_account, balance=account.opening_balance + booked,
                          transaction_count=int((totals or {}).get("count", 0)),
                          created_at=account.created_at, updated_at=account.updated_at)


def require_account(deps: Deps, org_id: str, account_id: str) -> BankAccount:
    account = repo.get_account(deps.store, org_id, account_id) if is_uuid(account_id) else None
    if account is None:
        raise NotFound(f"bank account {account_id} not found", code="bank_account_not_found")
    return account


def balance_of(deps: Deps, account: BankAccount) -> Decimal:
    totals = repo.totals(deps.store, account.org_id, [account.id]).get(account.id)
    return account.opening_balance + repo.from_minor(int((totals or {}).get("booked", 0)), account.currency)


def _iban_taken() -> Conflict:
    return Conflict("another bank account of the organization has this IBAN", code="iban_exists",
                    details={"iban": ["already used by another bank account"]})


def _commit(deps: Deps, ops: list[Operation]) -> None:
    commit(deps.store, [(op, _iban_taken() if repo.claims_iban(op) else None) for op in ops])


def create_account(deps: Deps, org_id: str, data: BankAccountCreate) -> BankAccountOut:
    now = deps.clock.now()
    fields = data.model_dump()
    fields["opening_date"] = data.opening_date or org_today(deps, org_id)
    fields["ledger_account"] = data.ledger_account or default_ledger_account(deps, org_id)
    account = BankAccount(**fields, id=deps.new_id(), org_id=org_id, created_at=now, updated_at=now)
    out = to_out(account, None)
    retrying(deps.store, lambda: _commit(deps, [*repo.insert_account(account), event(
        deps, org_id, "bank.account.created", "bank_account", account.id, out.model_dump(mode="json"))]))
    return out


def get_account(deps: Deps, org_id: str, account_id: str) -> BankAccountOut:
    account = require_account(deps, org_id, account_id)
    return to_out(account, repo.totals(deps.store, org_id, [account.id]).get(account.id))


def list_accounts(deps: Deps, org_id: str) -> BankAccountList:
    accounts = repo.accounts(deps.store, org_id)
    totals = repo.totals(deps.store, org_id, [a.id for a in accounts])
    outs = [to_out(a, totals.get(a.id)) for a in accounts]
    per: dict[str, list[Decimal]] = defaultdict(list)
    for out in outs:
        per[out.currency].append(out.balance)
    return BankAccountList(accounts=outs, totals=[CurrencyTotal(currency=c, balance=sum(v, ZERO), accounts=len(v))
                                                  for c, v in sorted(per.items())])


def update_account(deps: Deps, org_id: str, account_id: str, data: BankAccountPatch) -> BankAccountOut:
    changes = data.model_dump(exclude_unset=True)
    changes = {k: v for k, v in changes.items() if v is not None or k in ("bic", "bank_name")}

    def attempt() -> BankAccountOut:
        current = require_account(deps, org_id, account_id)
        totals = repo.totals(deps.store, org_id, [current.id]).get(current.id)
        booked = int((totals or {}).get("count", 0))
        for name in ("iban", "currency"):
            if booked and name in changes and changes[name] != getattr(current, name):
                raise Conflict(f"the {name} of an account with booked transactions cannot change",
                               code="bank_account_in_use", details={name: ["fixed once transactions are booked"]})
        updated = current.model_copy(update={**changes, "updated_at": deps.clock.now(),
                                             "version": current.version + 1})
        out = to_out(updated, totals)
        _commit(deps, [*repo.replace_account(updated, current), event(
            deps, org_id, "bank.account.updated", "bank_account", updated.id,
            {**out.model_dump(mode="json"), "changed": sorted(changes)})])
        return out

    return retrying(deps.store, attempt)


def delete_account(deps: Deps, org_id: str, account_id: str) -> None:
    def attempt() -> None:
        account = require_account(deps, org_id, account_id)
        totals = repo.totals(deps.store, org_id, [account.id]).get(account.id)
        if int((totals or {}).get("count", 0)):
            raise Conflict("a bank account with booked transactions cannot be deleted", code="bank_account_in_use",
                           details={"transaction_count": [str((totals or {}).get("count"))]})
        _commit(deps, [*repo.remove_account(account), event(deps, org_id, "bank.account.deleted", "bank_account",
                                                            account.id, {"id": account.id, "iban": account.iban})])

    retrying(deps.store, attempt)

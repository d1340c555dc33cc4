"""The bank's share of a backup: its accounts and their booked transactions (``records["bank"]`` is
``{accounts, transactions}``). Restored transactions stand on their own (no import), with their dedupe markers,
the expense links of their matches and each account's running totals rebuilt. Previews not confirmed, the
statement files and the alerts are not backed up."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from chalicelib.banking import repository as repo
from chalicelib.banking.models import BankAccount, BankTransaction
from chalicelib.banking.transactions import visible_items
from chalicelib.store.backup_parts import BadRecord, Restoration, parsed, record, unique_ids
from chalicelib.store.deps import Deps
from chalicelib.store.port import MustNotExist, Operation, Put


class BankPart:
    name = "bank"
    kinds = ("accounts", "transactions")

    def export(self, deps: Deps, org_id: str) -> dict[str, Any]:
        accounts = repo.accounts(deps.store, org_id)
        items = [i for a in accounts for i in visible_items(deps, org_id, account_id=a.id, status=None, start=None,
                                                            end=None)]
        return {"accounts": [record(a) for a in accounts],
                "transactions": [record(repo.from_txn_item(i).model_copy(update={"import_id": None}))
                                 for i in items]}

    def holds_data(self, deps: Deps, org_id: str) -> bool:
        return bool(repo.accounts(deps.store, org_id))

    def restore(self, org_id: str, records: Any) -> Restoration:
        if not isinstance(records, dict):
            raise BadRecord("", "must be an object with accounts and transactions")
        accounts = parsed(BankAccount, records.get("accounts", []), org_id, ".accounts")
        txns = parsed(BankTransaction, records.get("transactions", []), org_id, ".transactions")
        unique_ids(accounts, ".accounts")
        unique_ids(txns, ".transactions")
        known = {a.id: a for a in accounts}
        ops: list[Operation] = [op for a in accounts for op in repo.insert_account(a)]
        booked: dict[str, int] = defaultdict(int)
        statuses: dict[str, Counter[str]] = defaultdict(Counter)
        for n, txn in enumerate(txns):
            if txn.account_id not in known:
                raise BadRecord(f".transactions[{n}].account_id", "is no account of the backup")
            alone = txn.model_copy(update={"import_id": None})
            ops += repo.insert_txn(alone, None)
            ops += [Put({"pk": repo.org_pk(org_id), "sk": f"BANKLINK#expense#{link.id}", "entity": "bank_link",
                         "transaction_id": txn.id}, MustNotExist()) for link in txn.matched if link.kind == "expense"]
            booked[txn.account_id] += repo.to_minor(txn.amount, known[txn.account_id].currency)
            statuses[txn.account_id][txn.status] += 1
        ops += [repo.add_to_totals(org_id, account_id, booked[account_id], sum(statuses[account_id].values()),
                                   dict(statuses[account_id])) for account_id in statuses]
        return Restoration(operations=ops)


PART = BankPart()

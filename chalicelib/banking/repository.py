"""Persistence of bank accounts, statement imports, bank transactions and their markers.

Key formats and access patterns:

| pattern                              | index | key condition                                                      |
|--------------------------------------|-------|--------------------------------------------------------------------|
| account by id                        | table | pk=``ORG#<org>``, sk=``BANKACCOUNT#<id>``                           |
| accounts by creation                 | gsi1  | gsi1pk=``ORG#<org>#BANKACCOUNTS``, gsi1sk=``<created_at>#<id>``     |
| IBAN uniqueness marker               | table | pk=``ORG#<org>``, sk=``BANKIBAN#<iban>`` (``account_id``)           |
| an account's running totals (1)      | table | pk=``ORG#<org>``, sk=``BANKTOTAL#<account>``                        |
| import by id                         | table | pk=``ORG#<org>``, sk=``BANKIMPORT#<id>``                            |
| imports, newest first                | gsi1  | gsi1pk=``ORG#<org>#BANKIMPORTS``, gsi1sk=``<created_at>#<id>``      |
| transaction by id                    | table | pk=``ORG#<org>#BANKTXN``, sk=``TXN#<id>``                           |
| an account's transactions by date    | gsi1  | gsi1pk=``ORG#<org>#BANKTXNS#<account>``, gsi1sk=``<date>#<id>``     |
| transactions of a status by date     | gsi2  | gsi2pk=``ORG#<org>#BANKSTATUS#<status>``, gsi2sk=``<date>#<id>``    |
| dedupe marker of a transaction       | table | pk=``ORG#<org>#BANKTXN``, sk=``DEDUP#<account>#<dedupe key>``       |
| expense matched to a transaction     | table | pk=``ORG#<org>``, sk=``BANKLINK#expense#<expense id>``              |
| number of accounts                   | table | pk=``ORG#<org>``, sk=``COUNTER#bank_accounts``                      |

(1) attributes ``booked`` (the sum of booked transactions, in minor units), ``count`` and ``n_<status>`` (how
many transactions are unmatched, matched, ignored), moved by ``Increment`` in the transactions that change them.

A confirmed import's transactions are written in batches of at most 100 operations (the store's transaction size)
and become visible together when the import's own item turns ``confirmed``, in the last transaction, with the
account's totals: every reader keeps only transactions whose import is confirmed (``visible``), so a confirm that
stops midway books nothing, and the next confirm or discard of that import removes what it wrote. Dedupe markers
carry the transaction and import they belong to; a marker of an import that never confirmed does not count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from chalicelib.banking.models import BankAccount, BankTransaction, StatementImport
from chalicelib.core.clock import iso
from chalicelib.core.money import exponent
from chalicelib.core.text import fold
from chalicelib.store.port import (
    AttributeAtMost,
    Delete,
    ExpectedVersion,
    Increment,
    Item,
    MustNotExist,
    Operation,
    Page,
    Put,
    Store,
)

ACCOUNTS_COUNTER = "COUNTER#bank_accounts"


def org_pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def txn_pk(org_id: str) -> str:
    return f"ORG#{org_id}#BANKTXN"


def to_minor(amount: Decimal, currency: str) -> int:
    """An amount as an integer count of the currency's minor units (what the running totals add up)."""
    return int(amount / exponent(currency))


def from_minor(value: int, currency: str) -> Decimal:
    return Decimal(value) * exponent(currency)


# --- accounts -------------------------------------------------------------------------------------------------


def account_item(account: BankAccount) -> Item:
    return {"pk": org_pk(account.org_id), "sk": f"BANKACCOUNT#{account.id}",
            "gsi1pk": f"ORG#{account.org_id}#BANKACCOUNTS", "gsi1sk": f"{iso(account.created_at)}#{account.id}",
            "entity": "bank_account", **account.model_dump(mode="json")}


def get_account(store: Store, org_id: str, account_id: str) -> BankAccount | None:
    item = store.get(org_pk(org_id), f"BANKACCOUNT#{account_id}")
    return BankAccount.model_validate(item) if item else None


def accounts(store: Store, org_id: str) -> list[BankAccount]:
    from chalicelib.store.pagination import all_items

    return [BankAccount.model_validate(i) for i in all_items(
        lambda cursor: store.query(f"ORG#{org_id}#BANKACCOUNTS", index="gsi1", limit=1000, cursor=cursor))]


def iban_marker(org_id: str, iban: str) -> str:
    return f"BANKIBAN#{iban}"


def account_by_iban(store: Store, org_id: str, iban: str) -> str | None:
    item = store.get(org_pk(org_id), iban_marker(org_id, iban))
    return str(item["account_id"]) if item else None


def claims_iban(op: Operation) -> bool:
    return isinstance(op, Put) and op.item.get("entity") == "bank_iban"


def _claim_iban(account: BankAccount) -> Put:
    return Put({"pk": org_pk(account.org_id), "sk": iban_marker(account.org_id, account.iban), "entity": "bank_iban",
                "account_id": account.id}, MustNotExist())


def insert_account(account: BankAccount) -> list[Operation]:
    return [Put(account_item(account), MustNotExist()), _claim_iban(account),
            Increment(org_pk(account.org_id), ACCOUNTS_COUNTER, "count", 1)]


def replace_account(updated: BankAccount, current: BankAccount) -> list[Operation]:
    ops: list[Operation] = [Put(account_item(updated), ExpectedVersion(current.version))]
    if updated.iban != current.iban:
        ops += [Delete(org_pk(current.org_id), iban_marker(current.org_id, current.iban)), _claim_iban(updated)]
    return ops


def remove_account(account: BankAccount) -> list[Operation]:
    pk = org_pk(account.org_id)
    return [Delete(pk, f"BANKACCOUNT#{account.id}", ExpectedVersion(account.version)),
            Delete(pk, iban_marker(account.org_id, account.iban)),
            Delete(pk, f"BANKTOTAL#{account.id}", AttributeAtMost("count", 0)),  # nothing booked meanwhile
            Increment(pk, ACCOUNTS_COUNTER, "count", -1)]


def totals(store: Store, org_id: str, account_ids: Sequence[str]) -> dict[str, Item]:
    """Each account's totals item (``booked`` minor units, ``count``, ``unmatched``/``matched``/``ignored``)."""
    found = store.batch_get([(org_pk(org_id), f"BANKTOTAL#{a}") for a in account_ids])
    return {str(item["sk"]).split("#", 1)[1]: item for item in found}


def add_to_totals(org_id: str, account_id: str, booked_minor: int, count: int, status_moves: dict[str, int]
                  ) -> Increment:
    """Move an account's totals: the booked sum and count (imports) and the count of each status."""
    also = tuple((f"n_{status}", by) for status, by in sorted(status_moves.items()) if by)
    return Increment(org_pk(org_id), f"BANKTOTAL#{account_id}", "booked", booked_minor,
                     also=(("count", count), *also), fields={"entity": "bank_totals", "account_id": account_id})


# --- imports --------------------------------------------------------------------------------------------------


def import_item(record: StatementImport) -> Item:
    return {"pk": org_pk(record.org_id), "sk": f"BANKIMPORT#{record.id}",
            "gsi1pk": f"ORG#{record.org_id}#BANKIMPORTS", "gsi1sk": f"{iso(record.created_at)}#{record.id}",
            "entity": "bank_import", **record.model_dump(mode="json")}


def get_import(store: Store, org_id: str, import_id: str) -> StatementImport | None:
    item = store.get(org_pk(org_id), f"BANKIMPORT#{import_id}")
    return StatementImport.model_validate(item) if item else None


def put_import(record: StatementImport, expected_version: int | None) -> Put:
    return Put(import_item(record), MustNotExist() if expected_version is None else ExpectedVersion(expected_version))


def query_imports(store: Store, org_id: str, limit: int, cursor: str | None) -> Page:
    return store.query(f"ORG#{org_id}#BANKIMPORTS", index="gsi1", forward=False, limit=limit, cursor=cursor)


def confirmed_imports(store: Store, org_id: str, import_ids: Iterable[str]) -> set[str]:
    """Which of ``import_ids`` are confirmed (a transaction is visible only then)."""
    wanted = sorted(set(import_ids))
    found = store.batch_get([(org_pk(org_id), f"BANKIMPORT#{i}") for i in wanted])
    return {str(item["id"]) for item in found if item.get("status") == "confirmed"}


# --- transactions ---------------------------------------------------------------------------------------------


def txn_item(txn: BankTransaction) -> Item:
    texts = (txn.label, txn.counterparty, txn.reference, txn.bank_ref)
    day = txn.booking_date.isoformat()
    return {"pk": txn_pk(txn.org_id), "sk": f"TXN#{txn.id}",
            "gsi1pk": f"ORG#{txn.org_id}#BANKTXNS#{txn.account_id}", "gsi1sk": f"{day}#{txn.id}",
            "gsi2pk": f"ORG#{txn.org_id}#BANKSTATUS#{txn.status}", "gsi2sk": f"{day}#{txn.id}",
            "entity": "bank_transaction", "search_text": " | ".join(fold(t) for t in texts if t),
            **txn.model_dump(mode="json")}


def from_txn_item(item: Item) -> BankTransaction:
    return BankTransaction.model_validate(item)


def get_txn(store: Store, org_id: str, txn_id: str) -> BankTransaction | None:
    item = store.get(txn_pk(org_id), f"TXN#{txn_id}")
    return from_txn_item(item) if item else None


def dedupe_sk(account_id: str, key: str) -> str:
    return f"DEDUP#{account_id}#{key}"


def markers(store: Store, org_id: str, account_id: str, keys: Sequence[str]) -> dict[str, Item]:
    found: dict[str, Item] = {}
    for start in range(0, len(keys), 100):
        batch = keys[start:start + 100]
        for item in store.batch_get([(txn_pk(org_id), dedupe_sk(account_id, k)) for k in batch]):
            found[str(item["sk"]).rsplit("#", 1)[1]] = item
    return found


def insert_txn(txn: BankTransaction, marker: Item | None) -> list[Operation]:
    """The transaction and its dedupe marker (taking over ``marker`` when it is a dead import's)."""
    condition = MustNotExist() if marker is None else ExpectedVersion(int(marker.get("version", 1)))
    version = 1 if marker is None else int(marker.get("version", 1)) + 1
    return [Put(txn_item(txn), MustNotExist()),
            Put({"pk": txn_pk(txn.org_id), "sk": dedupe_sk(txn.account_id, txn.dedupe_key), "entity": "bank_dedupe",
                 "transaction_id": txn.id, "import_id": txn.import_id, "version": version}, condition)]


def replace_txn(updated: BankTransaction, current: BankTransaction) -> Put:
    return Put(txn_item(updated), ExpectedVersion(current.version))


def delete_txn(txn: BankTransaction) -> list[Operation]:
    return [Delete(txn_pk(txn.org_id), f"TXN#{txn.id}"),
            Delete(txn_pk(txn.org_id), dedupe_sk(txn.account_id, txn.dedupe_key))]


def of_account(store: Store, org_id: str, account_id: str, *, start: str | None, end: str | None, forward: bool,
               limit: int, cursor: str | None) -> Page:
    return store.query(f"ORG#{org_id}#BANKTXNS#{account_id}", index="gsi1", forward=forward, limit=limit,
                       cursor=cursor, **_range(start, end))


def of_status(store: Store, org_id: str, status: str, *, start: str | None, end: str | None, forward: bool,
              limit: int, cursor: str | None) -> Page:
    return store.query(f"ORG#{org_id}#BANKSTATUS#{status}", index="gsi2", forward=forward, limit=limit,
                       cursor=cursor, **_range(start, end))


def of_import(store: Store, org_id: str, import_id: str, account_id: str) -> list[BankTransaction]:
    """Every transaction an import wrote (visible or not): for cleaning up a confirm that stopped midway."""
    from chalicelib.store.pagination import all_items

    items = all_items(lambda cursor: of_account(store, org_id, account_id, start=None, end=None, forward=True,
                                                limit=1000, cursor=cursor))
    return [from_txn_item(i) for i in items if i.get("import_id") == import_id]


def _range(start: str | None, end: str | None) -> dict[str, str]:
    bounds: dict[str, str] = {}
    if start:
        bounds["start"] = start
    if end:
        bounds["end"] = end + "#\uffff"
    return bounds

"""Persistence of expenses.

Key formats and access patterns:

| pattern                                  | index | key condition                                                  |
|------------------------------------------|-------|----------------------------------------------------------------|
| expense by id                            | table | pk=``ORG#<org>``, sk=``EXPENSE#<id>``                           |
| expenses by expense date (+ date range)  | gsi1  | gsi1pk=``ORG#<org>#EXPENSES``,                                  |
|                                          |       | gsi1sk=``<expense_date>#<created_at>#<id>`` (``start``/``end``)  |
| a client's expenses by date (+ range)    | gsi2  | gsi2pk=``ORG#<org>#EXPENSES#CLIENT#<client>``, gsi2sk=as gsi1sk |
|                                          |       | (only expenses with a client carry gsi2 keys)                  |
| number of expenses (``meta.total``)      | table | pk=``ORG#<org>``, sk=``COUNTER#expenses`` (attribute ``count``) |
| documents referring to a client          | table | pk=``ORG#<org>``, sk=``CLIENTREFS#<client>`` (``count``; owned  |
|                                          |       | by clients, kept +1/-1 here in the expense's transaction)      |

Sort keys start with the ISO expense date, so a date range is a key range: ``start=<start_date>`` and
``end=<end_date>$`` (``$`` sorts right after the ``#`` separator, so every key of the end day is included).
Every expense item carries ``search_text`` (folded supplier, description and reference) for search.

Receipt files live in the blob store under ``org/<org>/expenses/<id>/receipt/<upload id>``: one key per upload,
so a new upload never overwrites the file the stored expense still points to.

Version checks: every write of an existing expense expects its ``version``; ``unchanged`` is that precondition
alone, for a change decided on the expense that writes other items (the books' backfill). Other modules
build no key of this table: they call these functions.
"""

from __future__ import annotations

from datetime import date

from chalicelib.billing.clients.repository import refs_sk
from chalicelib.billing.expenses.models import Expense
from chalicelib.core.clock import iso
from chalicelib.core.text import fold
from chalicelib.store.port import (
    Check,
    Delete,
    ExpectedVersion,
    Increment,
    IndexName,
    Item,
    MustExist,
    MustNotExist,
    Operation,
    Page,
    Put,
    Store,
    prefix_upper_bound,
)

COUNTER_SK = "COUNTER#expenses"


def _pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def _sk(expense_id: str) -> str:
    return f"EXPENSE#{expense_id}"


def list_pk(org_id: str) -> str:
    return f"ORG#{org_id}#EXPENSES"


def client_pk(org_id: str, client_id: str) -> str:
    return f"ORG#{org_id}#EXPENSES#CLIENT#{client_id}"


def receipt_key(org_id: str, expense_id: str, upload_id: str) -> str:
    return f"org/{org_id}/expenses/{expense_id}/receipt/{upload_id}"


def to_item(expense: Expense) -> Item:
    date_key = f"{expense.expense_date.isoformat()}#{iso(expense.created_at)}#{expense.id}"
    item: Item = {
        "pk": _pk(expense.org_id),
        "sk": _sk(expense.id),
        "gsi1pk": list_pk(expense.org_id),
        "gsi1sk": date_key,
        "entity": "expense",
        "search_text": " | ".join(fold(v) for v in (expense.supplier, expense.description, expense.reference) if v),
        **expense.model_dump(mode="json"),
    }
    if expense.client_id:
        item.update(gsi2pk=client_pk(expense.org_id, expense.client_id), gsi2sk=date_key)
    return item


def from_item(item: Item) -> Expense:
    return Expense.model_validate(item)


def get(store: Store, org_id: str, expense_id: str) -> Expense | None:
    item = store.get(_pk(org_id), _sk(expense_id))
    return from_item(item) if item else None


def unchanged(org_id: str, expense_id: str, version: int | None) -> Check:
    """A precondition: the expense is still at ``version`` (unversioned: it still exists)."""
    return Check(_pk(org_id), _sk(expense_id), ExpectedVersion(version) if version else MustExist())


def client_refs(org_id: str, client_id: str | None, by: int) -> list[Operation]:
    """Keep the client's reference counter (its deletion guard) in step: +1 per expense, -1 when it goes."""
    return [Increment(_pk(org_id), refs_sk(client_id), "count", by)] if client_id else []


def insert(expense: Expense) -> list[Operation]:
    return [Put(to_item(expense), MustNotExist()), Increment(_pk(expense.org_id), COUNTER_SK, "count", 1),
            *client_refs(expense.org_id, expense.client_id, 1)]


def replace(expense: Expense, current: Expense) -> list[Operation]:
    """``current`` replaced by ``expense`` if its version did not move; moves the client reference if changed."""
    ops: list[Operation] = [Put(to_item(expense), ExpectedVersion(current.version))]
    if expense.client_id != current.client_id:
        ops += client_refs(current.org_id, current.client_id, -1) + client_refs(expense.org_id, expense.client_id, 1)
    return ops


def remove(expense: Expense) -> list[Operation]:
    return [Delete(_pk(expense.org_id), _sk(expense.id), ExpectedVersion(expense.version)),
            Increment(_pk(expense.org_id), COUNTER_SK, "count", -1),
            *client_refs(expense.org_id, expense.client_id, -1)]


def count(store: Store, org_id: str) -> int:
    item = store.get(_pk(org_id), COUNTER_SK)
    return int(item["count"]) if item else 0


def query(store: Store, org_id: str, *, client_id: str | None = None, start: date | None = None,
          end: date | None = None, newest_first: bool = True, limit: int, cursor: str | None) -> Page:
    """One page of expenses by expense date, of the organization or of one client, within a date range."""
    index: IndexName = "gsi2" if client_id else "gsi1"
    pk = client_pk(org_id, client_id) if client_id else list_pk(org_id)
    return store.query(pk, index=index, start=start.isoformat() if start else None,
                       end=prefix_upper_bound(f"{end.isoformat()}#") if end else None, forward=not newest_first,
                       limit=limit, cursor=cursor)

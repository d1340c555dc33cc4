"""Persistence of quotes, their number markers and numbering counters.

Key formats and access patterns:

| pattern                                   | index | key condition                                                   |
|-------------------------------------------|-------|-----------------------------------------------------------------|
| quote by id                               | table | pk=``ORG#<org>``, sk=``QUOTE#<id>``                              |
| quotes by date (range, newest first)      | gsi1  | gsi1pk=``ORG#<org>#QUOTES``, gsi1sk=``<date>#<id>``              |
| quotes of a client by date | gsi2 | gsi2pk=``ORG#<org>#CLIENT#<client>#QUOTES``, gsi2sk=``<date>#<id>`` |
| number uniqueness (per organization)  | table | pk=``ORG#<org>``, sk=``QUONUM#<NUMBER>`` → ``quote_id``           |
| last number of a year | table | pk=``ORG#<org>``, sk=``COUNTER#quote_number#<year>`` (version: last number)    |
| number of quotes (``meta.total``)         | table | pk=``ORG#<org>``, sk=``COUNTER#quotes`` (``count``)              |

A quote keeps its client undeletable: the transaction that creates it checks that the client still exists and adds
1 to the client's reference counter (``CLIENTREFS#<client id>``, owned by the clients repository); moving a draft
to another client moves the reference, deleting it removes it. Every quote is numbered at creation; the number
of a deleted draft is released (quotes are not legal documents, so the yearly sequence may have gaps).

Each quote item carries ``search_text`` (folded number, notes, reference and client name).
"""

from __future__ import annotations

from chalicelib.billing.clients import repository as clients_repo
from chalicelib.billing.clients.models import Client
from chalicelib.billing.numbering import QUOTES
from chalicelib.billing.quotes.models import Quote
from chalicelib.core.text import fold
from chalicelib.store.port import (
    Check,
    Delete,
    ExpectedVersion,
    Increment,
    Item,
    MustExist,
    MustNotExist,
    Operation,
    Page,
    Put,
    Store,
)

COUNTER_SK = "COUNTER#quotes"


def _pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def _sk(quote_id: str) -> str:
    return f"QUOTE#{quote_id}"


def to_item(quote: Quote) -> Item:
    data = quote.model_dump(mode="json", exclude={"quote_date"})
    return {
        "pk": _pk(quote.org_id),
        "sk": _sk(quote.id),
        "gsi1pk": f"ORG#{quote.org_id}#QUOTES",
        "gsi1sk": f"{quote.date.isoformat()}#{quote.id}",
        "gsi2pk": f"ORG#{quote.org_id}#CLIENT#{quote.client_id}#QUOTES",
        "gsi2sk": f"{quote.date.isoformat()}#{quote.id}",
        "entity": "quote",
        "search_text": " | ".join(fold(v) for v in (quote.quote_number, quote.notes, quote.reference,
                                                    quote.client_name) if v),
        **data,
    }


def from_item(item: Item) -> Quote:
    quote = Quote.model_validate(item)
    quote.quote_date = quote.date
    return quote


def get(store: Store, org_id: str, quote_id: str) -> Quote | None:
    item = store.get(_pk(org_id), _sk(quote_id))
    return from_item(item) if item else None


def client_check(client: Client) -> Check:
    """The quote's client must still exist (its failure: the client was deleted meanwhile)."""
    key = clients_repo.to_item(client)
    return Check(key["pk"], key["sk"], MustExist())


def insert(quote: Quote) -> list[Operation]:
    """The new quote, the ``meta.total`` counter and the client's reference count (the number marker, the
    numbering counter and the client check are the caller's: each has its own meaning on failure)."""
    return [Put(to_item(quote), MustNotExist()), Increment(_pk(quote.org_id), COUNTER_SK, "count", 1),
            Increment(_pk(quote.org_id), clients_repo.refs_sk(quote.client_id), "count", 1)]


def replace(quote: Quote, expected_version: int) -> Put:
    return Put(to_item(quote), ExpectedVersion(expected_version))


def remove(quote: Quote) -> list[Operation]:
    return [Delete(_pk(quote.org_id), _sk(quote.id), ExpectedVersion(quote.version)),
            Increment(_pk(quote.org_id), COUNTER_SK, "count", -1),
            Increment(_pk(quote.org_id), clients_repo.refs_sk(quote.client_id), "count", -1),
            QUOTES.release(quote.org_id, quote.quote_number)]


def move_client_refs(org_id: str, old_client: str, new_client: str) -> list[Operation]:
    return [Increment(_pk(org_id), clients_repo.refs_sk(old_client), "count", -1),
            Increment(_pk(org_id), clients_repo.refs_sk(new_client), "count", 1)]


def count(store: Store, org_id: str) -> int:
    item = store.get(_pk(org_id), COUNTER_SK)
    return int(item["count"]) if item else 0


def query_by_date(store: Store, org_id: str, *, client_id: str | None, start: str | None, end: str | None,
                  limit: int, cursor: str | None) -> Page:
    """Quotes ordered by date, newest first, of one client or all, within an inclusive date range."""
    if client_id:
        return store.query(f"ORG#{org_id}#CLIENT#{client_id}#QUOTES", index="gsi2", start=start,
                           end=f"{end}~" if end else None, forward=False, limit=limit, cursor=cursor)
    # Sort keys are "<date>#<id>": "~" sorts after every id character, so the end day is included whole.
    return store.query(f"ORG#{org_id}#QUOTES", index="gsi1", start=start, end=f"{end}~" if end else None,
                       forward=False, limit=limit, cursor=cursor)

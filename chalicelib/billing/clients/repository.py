"""Persistence of clients.

Key formats and access patterns:

| pattern                                  | index | key condition                                                 |
|------------------------------------------|-------|---------------------------------------------------------------|
| client by id                             | table | pk=``ORG#<org>``, sk=``CLIENT#<id>``                           |
| clients by creation time                 | gsi1  | gsi1pk=``ORG#<org>#CLIENTS``, gsi1sk=``<created_at>#<id>``     |
| clients by name                          | gsi2  | gsi2pk=``ORG#<org>#CLIENTS``, gsi2sk=``<folded name>#<id>``    |
| number of clients (``meta.total``)       | table | pk=``ORG#<org>``, sk=``COUNTER#clients`` (attribute ``count``) |
| documents still referring to a client    | table | pk=``ORG#<org>``, sk=``CLIENTREFS#<id>`` (``count``, kept by   |
|                                          |       | billing documents; deletion requires it to be 0)              |

Every client item carries ``search_text`` (folded company name, contact name and e-mail) for search.
"""

from __future__ import annotations

from chalicelib.billing.clients.models import Client
from chalicelib.core.clock import iso
from chalicelib.core.text import fold
from chalicelib.store.port import (
    AttributeAtMost,
    Check,
    Delete,
    ExpectedVersion,
    Increment,
    IndexName,
    Item,
    MustNotExist,
    Operation,
    Page,
    Put,
    Store,
)

COUNTER_SK = "COUNTER#clients"


def _pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def list_pk(org_id: str) -> str:
    return f"ORG#{org_id}#CLIENTS"


def refs_sk(client_id: str) -> str:
    return f"CLIENTREFS#{client_id}"


def sort_prefix(name: str) -> str:
    """The folded name cut to 400 UTF-8 bytes: folding can expand text (U+FDFA is 18 characters), and a sort key
    must stay under DynamoDB's 1024 bytes."""
    return fold(name).encode()[:400].decode(errors="ignore")


def to_item(client: Client) -> Item:
    return {
        "pk": _pk(client.org_id),
        "sk": f"CLIENT#{client.id}",
        "gsi1pk": list_pk(client.org_id),
        "gsi1sk": f"{iso(client.created_at)}#{client.id}",
        "gsi2pk": list_pk(client.org_id),
        "gsi2sk": f"{sort_prefix(client.company_name)}#{client.id}",
        "entity": "client",
        "search_text": " | ".join(fold(v) for v in (client.company_name, client.contact_name, client.email) if v),
        **client.model_dump(mode="json"),
    }


def from_item(item: Item) -> Client:
    return Client.model_validate(item)


def get(store: Store, org_id: str, client_id: str) -> Client | None:
    item = store.get(_pk(org_id), f"CLIENT#{client_id}")
    return from_item(item) if item else None


def insert(client: Client) -> list[Operation]:
    return [Put(to_item(client), MustNotExist()), Increment(_pk(client.org_id), COUNTER_SK, "count", 1)]


def replace(client: Client, expected_version: int) -> Operation:
    return Put(to_item(client), ExpectedVersion(expected_version))


def remove(client: Client) -> list[Operation]:
    return [
        Delete(_pk(client.org_id), f"CLIENT#{client.id}", ExpectedVersion(client.version)),
        Check(_pk(client.org_id), refs_sk(client.id), AttributeAtMost("count", 0)),
        Increment(_pk(client.org_id), COUNTER_SK, "count", -1),
    ]


def count(store: Store, org_id: str) -> int:
    item = store.get(_pk(org_id), COUNTER_SK)
    return int(item["count"]) if item else 0


def query(store: Store, org_id: str, sort: str, limit: int, cursor: str | None) -> Page:
    index: IndexName = "gsi2" if sort.lstrip("-") == "company_name" else "gsi1"
    return store.query(list_pk(org_id), index=index, forward=not sort.startswith("-"), limit=limit, cursor=cursor)

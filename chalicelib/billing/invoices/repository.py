"""Persistence of invoices, their number markers and numbering counters.

Key formats and access patterns:

| pattern                                   | index | key condition                                                   |
|-------------------------------------------|-------|-----------------------------------------------------------------|
| invoice by id                             | table | pk=``ORG#<org>``, sk=``INVOICE#<id>``                            |
| invoices by date (range, newest first)    | gsi1  | gsi1pk=``ORG#<org>#INVOICES``, gsi1sk=``<date>#<id>``            |
| invoices of a client by date | gsi2 | gsi2pk=``ORG#<org>#CLIENT#<client>#INVOICES``, gsi2sk=``<date>#<id>`` |

| next number of a year | table | pk=``ORG#<org>``, sk=``COUNTER#invoice_number#<year>`` (version: last number) |
| number of invoices (``meta.total``) | table | pk=``ORG#<org>``, sk=``COUNTER#invoices`` (``count``) |

Each invoice item carries ``search_text`` (folded number, notes, reference and client name).

Version checks: every write of an existing invoice expects its ``version``; ``unchanged`` is that precondition
alone, for a change decided on the invoice that writes other items (the books' backfill). Other modules
build no key of this table: they call these functions.
"""

from __future__ import annotations

from chalicelib.billing.clients.repository import refs_sk
from chalicelib.billing.invoices.models import Invoice
from chalicelib.billing.numbering import INVOICES
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

COUNTER_SK = "COUNTER#invoices"


def _pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def to_item(invoice: Invoice) -> Item:
    data = invoice.model_dump(mode="json", exclude={"invoice_date"})
    return {
        "pk": _pk(invoice.org_id),
        "sk": f"INVOICE#{invoice.id}",
        "gsi1pk": f"ORG#{invoice.org_id}#INVOICES",
        "gsi1sk": f"{invoice.date.isoformat()}#{invoice.id}",
        "gsi2pk": f"ORG#{invoice.org_id}#CLIENT#{invoice.client_id}#INVOICES",
        "gsi2sk": f"{invoice.date.isoformat()}#{invoice.id}",
        "entity": "invoice",
        "search_text": " | ".join(fold(v) for v in (invoice.invoice_number, invoice.notes, invoice.reference,
                                                    invoice.client_name) if v),
        **data,
    }


def from_item(item: Item) -> Invoice:
    invoice = Invoice.model_validate(item)
    invoice.invoice_date = invoice.date
    return invoice


def get(store: Store, org_id: str, invoice_id: str) -> Invoice | None:
    item = store.get(_pk(org_id), f"INVOICE#{invoice_id}")
    return from_item(item) if item else None


def unchanged(org_id: str, invoice_id: str, version: int | None) -> Check:
    """A precondition: the invoice is still at ``version`` (unversioned: it still exists)."""
    return Check(_pk(org_id), f"INVOICE#{invoice_id}", ExpectedVersion(version) if version else MustExist())


def insert(invoice: Invoice) -> list[Operation]:
    """The new invoice, the ``meta.total`` counter and the client's reference count (the number marker is the
    caller's: a stated number may collide, an automatic one is claimed with its counter)."""
    return [Put(to_item(invoice), MustNotExist()), Increment(_pk(invoice.org_id), COUNTER_SK, "count", 1),
            Increment(_pk(invoice.org_id), refs_sk(invoice.client_id), "count", 1)]


def replace(invoice: Invoice, expected_version: int) -> Put:
    return Put(to_item(invoice), ExpectedVersion(expected_version))


def remove(invoice: Invoice) -> list[Operation]:
    ops: list[Operation] = [Delete(_pk(invoice.org_id), f"INVOICE#{invoice.id}", ExpectedVersion(invoice.version)),
                            Increment(_pk(invoice.org_id), COUNTER_SK, "count", -1),
                            Increment(_pk(invoice.org_id), refs_sk(invoice.client_id), "count", -1)]
    if invoice.invoice_number:
        ops.append(INVOICES.release(invoice.org_id, invoice.invoice_number))
    return ops


def move_client_refs(org_id: str, old_client: str, new_client: str) -> list[Operation]:
    return [Increment(_pk(org_id), refs_sk(old_client), "count", -1),
            Increment(_pk(org_id), refs_sk(new_client), "count", 1)]


def count(store: Store, org_id: str) -> int:
    item = store.get(_pk(org_id), COUNTER_SK)
    return int(item["count"]) if item else 0


def query_by_date(store: Store, org_id: str, *, client_id: str | None, start: str | None, end: str | None,
                  limit: int, cursor: str | None, forward: bool = False) -> Page:
    """Invoices ordered by date (newest first by default), of one client or all, within an inclusive range."""
    if client_id:
        pk, index = f"ORG#{org_id}#CLIENT#{client_id}#INVOICES", "gsi2"
    else:
        pk, index = f"ORG#{org_id}#INVOICES", "gsi1"
    # Sort keys are "<date>#<id>": "~" sorts after every id character, so the end day is included whole.
    return store.query(pk, index=index, start=start, end=f"{end}~" if end else None,  # type: ignore[arg-type]
                       forward=forward, limit=limit, cursor=cursor)

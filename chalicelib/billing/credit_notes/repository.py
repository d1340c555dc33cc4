"""Persistence of credit notes, their links to invoices, number markers and numbering counters.

Key formats and access patterns:

| pattern | index | key condition |
|---|---|---|
| credit note by id | table | pk=``ORG#<org>``, sk=``CREDITNOTE#<id>`` |
| credit notes by date (newest first) | gsi1 | gsi1pk=``ORG#<org>#CREDITNOTES``, gsi1sk=``<date>#<id>`` |
| credit notes of a client by date | gsi2 | gsi2pk=``ORG#<org>#CLIENT#<client>#CREDITNOTES``, gsi2sk=``<date>#<id>`` |
| credit notes of an invoice | table | pk=``ORG#<org>``, sk begins ``INVCREDIT#<invoice>#`` (→ ``credit_note_id``) |
| number uniqueness (per organization) | table | pk=``ORG#<org>``, sk=``CNNUM#<NUMBER>`` → ``credit_note_id`` |
| last number of a year | table | pk=``ORG#<org>``, sk=``COUNTER#credit_note_number#<year>`` (version: last) |
| number of credit notes (``meta.total``) | table | pk=``ORG#<org>``, sk=``COUNTER#credit_notes`` (``count``) |

Credit notes are legal documents: gapless yearly numbers claimed in the creating transaction, never deleted (a
cancelled one keeps its number, its link and its client reference: a client with credit notes cannot be deleted).

Version checks: every write of an existing credit note expects its ``version``; ``unchanged`` is that precondition
alone, for a change decided on the credit note that writes other items (the books' backfill). Other modules
build no key of this table: they call these functions.
"""

from __future__ import annotations

from chalicelib.billing.clients.repository import refs_sk
from chalicelib.billing.credit_notes.models import CreditNote
from chalicelib.billing.numbering import CREDIT_NOTES
from chalicelib.store.pagination import all_items
from chalicelib.store.port import (
    Check,
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

COUNTER_SK = "COUNTER#credit_notes"


def _pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def _sk(credit_note_id: str) -> str:
    return f"CREDITNOTE#{credit_note_id}"


def _link_sk(invoice_id: str, credit_note_id: str) -> str:
    return f"INVCREDIT#{invoice_id}#{credit_note_id}"


def to_item(note: CreditNote) -> Item:
    key = f"{note.date.isoformat()}#{note.id}"
    return {"pk": _pk(note.org_id), "sk": _sk(note.id), "gsi1pk": f"ORG#{note.org_id}#CREDITNOTES", "gsi1sk": key,
            "gsi2pk": f"ORG#{note.org_id}#CLIENT#{note.client_id}#CREDITNOTES", "gsi2sk": key,
            "entity": "credit_note", **note.model_dump(mode="json", exclude={"credit_note_date"})}


def from_item(item: Item) -> CreditNote:
    note = CreditNote.model_validate(item)
    note.credit_note_date = note.date
    return note


def get(store: Store, org_id: str, credit_note_id: str) -> CreditNote | None:
    item = store.get(_pk(org_id), _sk(credit_note_id))
    return from_item(item) if item else None


def unchanged(org_id: str, credit_note_id: str, version: int | None) -> Check:
    """A precondition: the credit note is still at ``version`` (unversioned: it still exists)."""
    return Check(_pk(org_id), _sk(credit_note_id), ExpectedVersion(version) if version else MustExist())


def insert(note: CreditNote) -> list[Operation]:
    """The new credit note, its link to the invoice, its number marker, the ``meta.total`` counter and the client's
    reference count (the numbering counter and the invoice are the caller's)."""
    pk = _pk(note.org_id)
    return [Put(to_item(note), MustNotExist()),
            Put({"pk": pk, "sk": _link_sk(note.invoice_id, note.id), "entity": "invoice_credit_note",
                 "credit_note_id": note.id}, MustNotExist()),
            CREDIT_NOTES.reserve(note.org_id, note.credit_note_number, note.id),
            Increment(pk, COUNTER_SK, "count", 1), Increment(pk, refs_sk(note.client_id), "count", 1)]


def replace(note: CreditNote, expected_version: int) -> Put:
    return Put(to_item(note), ExpectedVersion(expected_version))


def of_invoice(store: Store, org_id: str, invoice_id: str) -> list[CreditNote]:
    """Every credit note of an invoice (cancelled ones too), oldest first."""
    refs = all_items(lambda cursor: store.query(_pk(org_id), prefix=f"INVCREDIT#{invoice_id}#", limit=1000,
                                                cursor=cursor))
    keys = [(_pk(org_id), _sk(i["credit_note_id"])) for i in refs]
    return sorted((from_item(i) for i in store.batch_get(keys)), key=lambda n: (n.date, n.created_at, n.id))


def count(store: Store, org_id: str) -> int:
    item = store.get(_pk(org_id), COUNTER_SK)
    return int(item["count"]) if item else 0


def query_by_date(store: Store, org_id: str, *, client_id: str | None, start: str | None, end: str | None,
                  limit: int, cursor: str | None) -> Page:
    """Credit notes ordered by date, newest first, of one client or all, within an inclusive date range."""
    # Sort keys are "<date>#<id>": "~" sorts after every id character, so the end day is included whole.
    if client_id:
        return store.query(f"ORG#{org_id}#CLIENT#{client_id}#CREDITNOTES", index="gsi2", start=start,
                           end=f"{end}~" if end else None, forward=False, limit=limit, cursor=cursor)
    return store.query(f"ORG#{org_id}#CREDITNOTES", index="gsi1", start=start, end=f"{end}~" if end else None,
                       forward=False, limit=limit, cursor=cursor)

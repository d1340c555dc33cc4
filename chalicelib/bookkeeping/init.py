"""Initializing the books: open them in the ledger, then post every billing document issued before.

Standing above billing and the ledger, this is the one place that reads billing's documents for the books'
sake. Each document posts in its own transaction, checked against the document's current version (its
repository's ``unchanged`` precondition), so a change racing with the backfill is either included or posts itself.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from typing import Any

from chalicelib.billing import posting_rules as rules
from chalicelib.billing.credit_notes import repository as notes_repo
from chalicelib.billing.expenses import repository as expenses_repo
from chalicelib.billing.invoices import repository as invoices_repo
from chalicelib.billing.payments import repository as payments_repo
from chalicelib.core.errors import Conflict
from chalicelib.ledger import repository as ledger_repo
from chalicelib.ledger import service as ledger
from chalicelib.ledger.models import InitResult
from chalicelib.ledger.posting import Draft, Posting
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import all_items
from chalicelib.store.port import Check
from chalicelib.store.unit import commit, retrying

# per kind of document: how to read it, the draft it posts, and the precondition that it did not change
_KINDS: dict[str, tuple[Callable[..., Any], Callable[[Any], Draft], Callable[[str, str, int | None], Check]]] = {
    "invoice": (invoices_repo.get, rules.sale, invoices_repo.unchanged),
    "credit_note": (notes_repo.get, rules.credit_note, notes_repo.unchanged),
    "payment": (payments_repo.get, rules.payment, payments_repo.unchanged),
    "expense": (expenses_repo.get, rules.purchase, expenses_repo.unchanged),
}


def init_accounting(deps: Deps, org_id: str, country_value: str | None) -> tuple[InitResult, bool]:
    """Load the country's chart, journals, default mappings and VAT rates, then post the documents issued before.

    Returns the result and whether this call initialized the books (``False``: they already were, in that
    country; the backfill then completes an initialization interrupted before its end). Switching country is
    refused once entries exist.
    """
    settings, created = ledger.set_up_books(deps, org_id, country_value)
    posted = backfill(deps, org_id)
    return ledger.init_result(settings, posted, already=not created), created


def _documents(deps: Deps, org_id: str) -> Iterator[tuple[dt.date, int, str, Any]]:
    """Every document that belongs in the books, with its date and a rank that orders same-day documents."""
    every: Any = {"client_id": None, "start": None, "end": None, "limit": 500}  # the whole date range
    for item in all_items(lambda c: invoices_repo.query_by_date(deps.store, org_id, cursor=c, forward=True, **every)):
        invoice = invoices_repo.from_item(item)
        if invoice.status != "draft":
            yield invoice.date, 0, "invoice", invoice
    for item in all_items(lambda c: notes_repo.query_by_date(deps.store, org_id, cursor=c, **every)):
        note = notes_repo.from_item(item)
        yield note.date, 1, "credit_note", note
    for item in all_items(lambda c: payments_repo.query_by_date(deps.store, org_id, cursor=c, **every)):
        paid = payments_repo.from_item(item)
        yield paid.payment_date, 2, "payment", paid
    for item in all_items(lambda c: expenses_repo.query(deps.store, org_id, limit=500, cursor=c)):
        expense = expenses_repo.from_item(item)
        yield expense.expense_date, 3, "expense", expense


def backfill(deps: Deps, org_id: str) -> int:
    """Post every document not yet in the books. Returns how many posted."""
    posted = 0
    for _, _, kind, document in sorted(_documents(deps, org_id), key=lambda d: (d[0], d[1], d[3].id)):
        if ledger_repo.get_marker(deps.store, org_id, kind, document.id) is not None:
            continue
        if kind in {"invoice", "credit_note"} and document.status == "cancelled" \
                and ledger_repo.entries_of_source(deps.store, org_id, document.id):
            continue  # posted and reversed already
        try:
            if retrying(deps.store, functools.partial(_post_existing, deps, org_id, kind, document.id)):
                posted += 1
        except Conflict as exc:
            if exc.code != "already_posted":
                raise
    return posted


def _post_existing(deps: Deps, org_id: str, kind: str, document_id: str) -> bool:
    """Post one document as it is now; ``False`` when it is gone or is a draft again."""
    read, draft_of, unchanged = _KINDS[kind]
    document = read(deps.store, org_id, document_id)
    if document is None or getattr(document, "status", None) == "draft":
        return False
    posting = Posting.open(deps, org_id)
    if kind in {"invoice", "credit_note"} and document.status == "cancelled":
        # issued then cancelled before the books existed: the sale and its reversal, neither live any more
        entry = posting.post(draft_of(document), live=False)
        if entry is not None:
            day = (document.cancelled_at or deps.clock.now()).date()
            posting.mirror(entry, event=f"{kind}.cancelled", day=day)
    else:
        posting.post(draft_of(document))
    guard = unchanged(org_id, document.id, getattr(document, "version", None))
    commit(deps.store, [*posting.steps(), (guard, None)])  # changed meanwhile: the next attempt reads it again
    return True

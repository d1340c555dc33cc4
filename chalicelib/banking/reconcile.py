"""Reconciliation: score the unmatched bank transactions against the open invoices and expenses, book the
automatic matches, and answer the suggestions.

Open documents: issued invoices (sent or overdue) with a balance due, and expenses no bank transaction is matched
to yet. The scoring, the optimal assignment and the grouped matches are ``chalicelib.banking.matching`` (pure);
each automatic match is then booked like a manual one (``matches``), one transaction each, so a match that can no
longer be made (a document paid meanwhile) is skipped and counted as left.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.banking import repository as repo
from chalicelib.banking.matches import link_sk, match_expense, match_invoices
from chalicelib.banking.models import (
    MatchLink,
    MatchRequest,
    ReconciliationResult,
    ScoreOut,
    SuggestionOut,
)
from chalicelib.banking.transactions import require_transaction, visible_items
from chalicelib.core.errors import DomainError
from chalicelib.store.deps import Deps

if TYPE_CHECKING:
    from chalicelib.banking import matching


def _txn(item: dict[str, object]) -> matching.Txn:
    from chalicelib.banking import matching  # lazy: the engine (and scipy) load with the first reconciliation

    txn = repo.from_txn_item(item)
    return matching.Txn(id=txn.id, booking_date=txn.booking_date, amount=txn.amount, label=txn.label,
                        counterparty=txn.counterparty, reference=txn.reference)


def open_documents(deps: Deps, org_id: str) -> list[matching.Doc]:
    from chalicelib.banking import matching
    from chalicelib.billing.expenses import repository as expenses_repo
    from chalicelib.billing.invoices import repository as invoices_repo
    from chalicelib.billing.invoices.service import scan_by_date
    from chalicelib.store.pagination import all_items

    docs = []
    for item in scan_by_date(deps, org_id, None, None, None):
        invoice = invoices_repo.from_item(item)
        if invoice.status in ("sent", "overdue") and invoice.balance_due > 0:
            docs.append(matching.Doc(id=invoice.id, kind="invoice", open_amount=invoice.balance_due,
                                     date=invoice.date, due_date=invoice.due_date, number=invoice.invoice_number,
                                     party_id=invoice.client_id, party_name=invoice.client_name))
    expenses = [expenses_repo.from_item(i) for i in all_items(
        lambda cursor: expenses_repo.query(deps.store, org_id, limit=1000, cursor=cursor))]
    linked = set()
    for start in range(0, len(expenses), 100):
        keys = [(repo.org_pk(org_id), link_sk("expense", e.id)) for e in expenses[start:start + 100]]
        linked |= {str(i["sk"]).rsplit("#", 1)[1] for i in deps.store.batch_get(keys)}
    docs += [matching.Doc(id=e.id, kind="expense", open_amount=e.amount, date=e.expense_date, number=e.reference,
                          party_name=e.supplier) for e in expenses if e.id not in linked and e.amount]
    return docs


def _out(found: matching.Match, docs: dict[str, matching.Doc]) -> SuggestionOut:
    per_doc: dict[str, MatchLink] = {}
    for allocation in found.allocations:
        doc = docs[allocation.doc_id]
        link = per_doc.get(doc.id)
        amount = allocation.amount + (link.amount if link else 0)
        per_doc[doc.id] = MatchLink(kind=doc.kind, id=doc.id, number=doc.number, amount=amount)
    parts = found.parts
    return SuggestionOut(kind=docs[found.doc_ids[0]].kind, documents=list(per_doc.values()),
                         transaction_ids=list(found.txn_ids),
                         score=ScoreOut(amount=parts.amount, date=parts.date, reference=parts.reference,
                                        name=parts.name, total=parts.total), auto=found.kind == "auto")


def _book(deps: Deps, org_id: str, found: matching.Match, docs: dict[str, matching.Doc]) -> bool:
    """Book one automatic match; ``False`` when it can no longer be made."""
    try:
        for txn_id in found.txn_ids:
            mine = [a for a in found.allocations if a.txn_id == txn_id]
            if docs[mine[0].doc_id].kind == "expense":
                match_expense(deps, org_id, txn_id, mine[0].doc_id, score=found.parts.total)
            else:
                match_invoices(deps, org_id, txn_id, MatchRequest(invoice_ids=[a.doc_id for a in mine],
                                                                  amounts=[a.amount for a in mine]),
                               score=found.parts.total)
    except DomainError:
        return False
    return True


def run(deps: Deps, org_id: str, account_id: str | None = None) -> ReconciliationResult:
    items = visible_items(deps, org_id, account_id=account_id, status=None if account_id else "unmatched",
                          start=None, end=None)
    txns = [_txn(i) for i in items if i.get("status") == "unmatched"]
    docs = open_documents(deps, org_id)
    by_id = {d.id: d for d in docs}
    from chalicelib.banking import matching

    result = matching.reconcile(txns, docs)
    booked = [m for m in result.auto if _book(deps, org_id, m, by_id)]
    left = len(txns) - sum(len(m.txn_ids) for m in booked) - sum(len(m.txn_ids) for m in result.suggested)
    return ReconciliationResult(auto_matched=sum(len(m.txn_ids) for m in booked),
                                suggested=sum(len(m.txn_ids) for m in result.suggested), left=left,
                                matches=[_out(m, by_id) for m in booked],
                                suggestions=[_out(m, by_id) for m in result.suggested])


def suggestions(deps: Deps, org_id: str, txn_id: str, limit: int = 10) -> list[SuggestionOut]:
    txn = require_transaction(deps, org_id, txn_id)
    if txn.status != "unmatched":
        return []
    docs = open_documents(deps, org_id)
    from chalicelib.banking import matching

    index = matching.DocIndex(docs)
    found = matching.suggestions(_txn(repo.txn_item(txn)), index, limit=limit)
    by_id = {d.id: d for d in docs}
    return [_out(m, by_id) for m in found]

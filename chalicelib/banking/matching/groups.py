"""Grouped matches: one transfer paying several invoices of one party, several transfers paying one invoice.

Looked for among what the one-to-one assignment left, with the exact amount only (the sum to the cent, so the
allocations are the amounts):
- **one transaction → several invoices** (2 to ``MAX_GROUP``) of a party the wording names or whose invoice
  numbers it carries; the party's ``MAX_OPEN`` open invoices closest to the transaction's date are searched;
- **several transactions → one invoice** (2 to ``MAX_GROUP``): the credits whose wording carries the invoice's
  number or names its party, the ``MAX_OPEN`` closest in date.
A group scores amount 50, the best date points of its members, reference 20 when every member's number is in the
wording (10 when some is), and name 5 when the party is named. The search is a depth-first subset sum over amounts
in cents, bounded by ``MAX_GROUP`` and ``MAX_OPEN``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chalicelib.banking.matching.index import DocIndex, cents
from chalicelib.banking.matching.model import Allocation, Doc, Match, ScoreParts, Txn
from chalicelib.banking.matching.scoring import date_points, day_gap, name_points, reference_points

MAX_GROUP = 6
MAX_OPEN = 20
MAX_SOLUTIONS = 50


def subsets(amounts: Sequence[int], target: int, *, tolerance: int = 0) -> list[tuple[int, ...]]:
    """Index sets of 2 to ``MAX_GROUP`` amounts adding up to ``target`` (± ``tolerance`` cents)."""
    order = sorted(range(len(amounts)), key=lambda i: amounts[i], reverse=True)
    found: list[tuple[int, ...]] = []

    def walk(start: int, chosen: list[int], total: int) -> None:
        if len(found) >= MAX_SOLUTIONS:
            return
        if len(chosen) >= 2 and abs(total - target) <= tolerance:
            found.append(tuple(sorted(chosen)))
        if len(chosen) == MAX_GROUP:
            return
        for k in range(start, len(order)):
            value = amounts[order[k]]
            if total + value > target + tolerance or value <= 0:
                continue
            walk(k + 1, [*chosen, order[k]], total + value)

    walk(0, [], 0)
    return found


def _best(options: list[Match]) -> Match | None:
    return max(options, key=lambda m: (m.parts.total, -len(m.doc_ids) - len(m.txn_ids)), default=None)


def one_txn_many_docs(txn: Txn, text: str, index: DocIndex, free: Callable[[Doc], bool]) -> Match | None:
    """The best group of a party's open invoices the credit ``txn`` pays exactly, or ``None``."""
    if txn.amount <= 0:
        return None
    parties = set(index.parties_named(txn))
    parties |= {d.party_id or "" for d in index.by_reference(text) if d.kind == "invoice" and d.party_id}
    options = []
    for party in parties:
        docs = sorted((d for d in index.party_docs.get(party, []) if free(d)),
                      key=lambda d: day_gap(txn.booking_date, d) or 0)[:MAX_OPEN]
        for chosen in subsets([cents(d.open_amount) for d in docs], cents(txn.amount)):
            members = [docs[i] for i in chosen]
            refs = [reference_points(d, text) for d in members]
            parts = ScoreParts(amount=50, date=max(date_points(txn.booking_date, d) for d in members),
                               reference=20 if all(r == 20 for r in refs) else 10 if any(refs) else 0,
                               name=max(name_points(d, text) for d in members))
            allocations = tuple(Allocation(txn.id, d.id, d.open_amount) for d in members)
            options.append(Match((txn.id,), tuple(d.id for d in members), allocations, parts,
                                 "auto" if parts.total >= 70 else "suggestion"))
    return _best(options)


def many_txns_one_doc(doc: Doc, txns: Sequence[tuple[Txn, str]]) -> Match | None:
    """The best group of credits ``txns`` (with their squashed wording) paying the invoice ``doc`` exactly."""
    if doc.kind != "invoice":
        return None
    near = sorted(txns, key=lambda pair: day_gap(pair[0].booking_date, doc) or 0)[:MAX_OPEN]
    options = []
    for chosen in subsets([cents(t.amount) for t, _ in near], cents(doc.open_amount)):
        members = [near[i] for i in chosen]
        refs = [reference_points(doc, text) for _, text in members]
        parts = ScoreParts(amount=50, date=max(date_points(t.booking_date, doc) for t, _ in members),
                           reference=20 if all(r == 20 for r in refs) else 10 if any(refs) else 0,
                           name=max(name_points(doc, text) for _, text in members))
        allocations = tuple(Allocation(t.id, doc.id, t.amount) for t, _ in members)
        options.append(Match(tuple(t.id for t, _ in members), (doc.id,), allocations, parts,
                             "auto" if parts.total >= 70 else "suggestion"))
    return _best(options)

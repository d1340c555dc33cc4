"""The matching engine: which open documents the unmatched bank transactions pay (pure, no store).

``reconcile`` scores every transaction against its candidate documents (``index``: never all n × m pairs) with the
guide's scoring (``scoring``), solves the optimal one-to-one assignment (``assign``), keeps the pairs at 70 or
more that can be booked as automatic matches, then looks for grouped matches among what is left (``groups``), and
answers the best remaining pairs (50 to 69, or 70+ that a payment cannot book as such: a transfer larger than the
invoice) as suggestions — at most one per transaction and per document. ``suggestions`` ranks every candidate of
one transaction, for the manual screen.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from chalicelib.banking.matching.assign import Pair, assign
from chalicelib.banking.matching.groups import many_txns_one_doc, one_txn_many_docs
from chalicelib.banking.matching.index import DocIndex
from chalicelib.banking.matching.model import (
    AUTO_THRESHOLD,
    SUGGESTION_THRESHOLD,
    Allocation,
    Doc,
    Match,
    Result,
    ScoreParts,
    Txn,
)
from chalicelib.banking.matching.scoring import score, score_from, txn_text

__all__ = ["Allocation", "Doc", "DocIndex", "Match", "Result", "ScoreParts", "Txn", "reconcile", "score",
           "suggestions"]


def _bookable(pair: Pair) -> bool:
    # a payment cannot exceed what the invoice still owes: a larger transfer is left to a person
    return pair.doc.kind == "expense" or abs(pair.txn.amount) <= pair.doc.open_amount


def _single(pair: Pair, kind: str) -> Match:
    return Match((pair.txn.id,), (pair.doc.id,), (Allocation(pair.txn.id, pair.doc.id, abs(pair.txn.amount)),),
                 pair.parts, "auto" if kind == "auto" else "suggestion")


def _pairs(txns: Sequence[Txn], texts: dict[str, str], index: DocIndex) -> list[Pair]:
    pairs = []
    for txn in txns:
        text = texts[txn.id]
        for doc in index.candidates(txn, text):
            parts = score_from(txn, doc, text, SUGGESTION_THRESHOLD)
            if parts is not None:
                pairs.append(Pair(txn, doc, parts))
    return pairs


def _credits_per_doc(free: Sequence[Txn], texts: dict[str, str], index: DocIndex) -> dict[str, list[Txn]]:
    """For each open invoice, the free credits that carry its number or name its party."""
    per_doc: dict[str, dict[str, Txn]] = defaultdict(dict)
    for txn in free:
        if txn.amount <= 0:
            continue
        for doc in index.by_reference(texts[txn.id]):
            per_doc[doc.id][txn.id] = txn
        for party in index.parties_named(txn):
            for doc in index.party_docs.get(party, []):
                per_doc[doc.id][txn.id] = txn
    return {doc_id: list(found.values()) for doc_id, found in per_doc.items() if len(found) >= 2}


class _Taken:
    def __init__(self) -> None:
        self.txns: set[str] = set()
        self.docs: set[str] = set()

    def free(self, match: Match) -> bool:
        return not (self.txns & set(match.txn_ids)) and not (self.docs & set(match.doc_ids))

    def take(self, match: Match) -> None:
        self.txns |= set(match.txn_ids)
        self.docs |= set(match.doc_ids)


def _keep(group: Match | None, result: Result, taken: _Taken, pending: list[Match]) -> None:
    if group is None:
        return
    if group.kind == "auto":
        result.auto.append(group)
        taken.take(group)
    else:
        pending.append(group)


def reconcile(txns: Sequence[Txn], docs: Iterable[Doc]) -> Result:
    """Automatic matches, suggestions and the transactions left, for the unmatched ``txns``."""
    index = DocIndex(docs)
    texts = {t.id: txn_text(t) for t in txns}
    result, taken, pending = Result(), _Taken(), list[Match]()
    for pair in assign(_pairs(txns, texts, index)):
        auto = pair.parts.total >= AUTO_THRESHOLD and _bookable(pair)
        _keep(_single(pair, "auto" if auto else "suggestion"), result, taken, pending)
    for txn in txns:
        if txn.id not in taken.txns:
            _keep(one_txn_many_docs(txn, texts[txn.id], index, lambda d: d.id not in taken.docs),
                  result, taken, pending)
    free = [t for t in txns if t.id not in taken.txns]
    for doc_id, credits in _credits_per_doc(free, texts, index).items():
        if doc_id not in taken.docs:
            members = [(t, texts[t.id]) for t in credits if t.id not in taken.txns]
            _keep(many_txns_one_doc(index.docs[doc_id], members), result, taken, pending)
    for match in sorted(pending, key=lambda m: m.parts.total, reverse=True):
        if taken.free(match):
            result.suggested.append(match)
            taken.take(match)
    result.left = [t.id for t in txns if t.id not in taken.txns]
    return result


def suggestions(txn: Txn, index: DocIndex, limit: int = 10) -> list[Match]:
    """Every candidate of ``txn`` with a score above zero, best first (a grouped match among them)."""
    text = txn_text(txn)
    found = []
    for doc in index.candidates(txn, text):
        parts = score(txn, doc, text)
        if parts.total > 0:
            pair = Pair(txn, doc, parts)
            found.append((pair.weight, _single(pair, "auto" if parts.total >= AUTO_THRESHOLD and _bookable(pair)
                                               else "suggestion")))
    group = one_txn_many_docs(txn, text, index, lambda d: True)
    if group is not None:
        found.append((group.parts.total * 1_000_000, group))
    found.sort(key=lambda item: item[0], reverse=True)
    return [match for _, match in found[:limit]]


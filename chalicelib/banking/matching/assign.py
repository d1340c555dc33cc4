"""The optimal one-to-one assignment of transactions to documents over the scored candidate pairs.

The pairs form a bipartite graph whose edges weigh the score (ties broken by the smaller amount gap, then the
smaller day gap); the assignment maximises the total weight. Each connected component is solved on its own: a
small one (up to ``DENSE_LIMIT`` cells) as a dense matrix with scipy's ``linear_sum_assignment``, a larger one as a
sparse graph with ``min_weight_full_bipartite_matching`` (LAPJVsp), whose cost follows the edges, not n × m — every
transaction gets a private "no match" column so that a full matching always exists. The original's greedy pass
(best pair first) is kept only as the reference the tests compare with.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from chalicelib.banking.matching.index import cents
from chalicelib.banking.matching.model import Doc, ScoreParts, Txn
from chalicelib.banking.matching.scoring import day_gap

DENSE_LIMIT = 10_000


@dataclass(frozen=True)
class Pair:
    txn: Txn
    doc: Doc
    parts: ScoreParts

    @property
    def weight(self) -> int:
        """The score first; a smaller amount gap, then a smaller day gap, break ties (each below one point)."""
        gap = min(abs(cents(abs(self.txn.amount)) - cents(self.doc.open_amount)), 9_999)
        days = day_gap(self.txn.booking_date, self.doc)
        return self.parts.total * 1_000_000 - gap * 100 - min(99 if days is None else days, 99)


def _components(pairs: Sequence[Pair]) -> list[list[Pair]]:
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for pair in pairs:
        a, b = root("t" + pair.txn.id), root("d" + pair.doc.id)
        if a != b:
            parent[a] = b
    groups: dict[str, list[Pair]] = defaultdict(list)
    for pair in pairs:
        groups[root("t" + pair.txn.id)].append(pair)
    return list(groups.values())


def _greedy(pairs: list[Pair]) -> list[Pair]:
    taken_txns: set[str] = set()
    taken_docs: set[str] = set()
    chosen = []
    for pair in sorted(pairs, key=lambda p: p.weight, reverse=True):
        if pair.txn.id not in taken_txns and pair.doc.id not in taken_docs:
            chosen.append(pair)
            taken_txns.add(pair.txn.id)
            taken_docs.add(pair.doc.id)
    return chosen


def _optimal(pairs: list[Pair]) -> list[Pair]:
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    txn_ids = sorted({p.txn.id for p in pairs})
    doc_ids = sorted({p.doc.id for p in pairs})
    row = {t: i for i, t in enumerate(txn_ids)}
    col = {d: j for j, d in enumerate(doc_ids)}
    weights = np.zeros((len(txn_ids), len(doc_ids)), dtype=np.int64)  # integer scores, never money
    by_cell: dict[tuple[int, int], Pair] = {}
    for pair in pairs:
        cell = (row[pair.txn.id], col[pair.doc.id])
        by_cell[cell] = pair
        weights[cell] = pair.weight
    rows, cols = linear_sum_assignment(weights, maximize=True)
    return [by_cell[(r, c)] for r, c in zip(rows.tolist(), cols.tolist(), strict=True) if (r, c) in by_cell]


def _sparse(pairs: list[Pair]) -> list[Pair]:
    import numpy as np
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    txn_ids = sorted({p.txn.id for p in pairs})
    doc_ids = sorted({p.doc.id for p in pairs})
    row = {t: i for i, t in enumerate(txn_ids)}
    col = {d: j for j, d in enumerate(doc_ids)}
    n, m = len(txn_ids), len(doc_ids)
    # costs, all positive: a real pair costs less than staying unmatched by exactly its weight
    ceiling = max(p.weight for p in pairs) + 1
    rows = [row[p.txn.id] for p in pairs] + list(range(n))
    cols = [col[p.doc.id] for p in pairs] + [m + i for i in range(n)]
    costs = [ceiling - p.weight for p in pairs] + [ceiling] * n  # integer scores (below 2**53), never money
    graph = coo_array((np.array(costs, dtype=np.int64), (np.array(rows), np.array(cols))), shape=(n, m + n)).tocsr()
    matched_rows, matched_cols = min_weight_full_bipartite_matching(graph)
    by_cell = {(row[p.txn.id], col[p.doc.id]): p for p in pairs}
    return [by_cell[(r, c)] for r, c in zip(matched_rows.tolist(), matched_cols.tolist(), strict=True) if c < m]


def assign(pairs: Sequence[Pair]) -> list[Pair]:
    """The pairs of a maximum-score one-to-one assignment (each transaction and each document at most once)."""
    chosen: list[Pair] = []
    for component in _components(pairs):
        if len(component) == 1:
            chosen += component
            continue
        n_txns = len({p.txn.id for p in component})
        n_docs = len({p.doc.id for p in component})
        chosen += _sparse(component) if n_txns * n_docs > DENSE_LIMIT else _optimal(component)
    return chosen

"""Finding the documents a transaction can score at least 50 against, without comparing it with every document.

What it takes to reach 50 decides the indexes (the reference's 20 or 10 points are found by the reference index):
- the exact amount (50) alone: an **amount index**, per document kind the open amounts in cents, sorted, searched
  by bisection within a cent. When thousands of documents share the amount, the ``AMOUNT_CAP`` closest in date
  are kept — the engine's one approximation;
- 1 % (40) needs the date within 7 days (10), 5 % (20) within 3 days (20 + 20 + partial 10, 20 + 25 + name 5,
  20 + 30): an **amount-by-day index**, the amounts of the documents dated or due on each day, searched by bisection
  for each day of the window;
- a reference (20 or 10) with any amount: a **reference index** of the last 70 % of each document's squashed
  number (``FA-2026-0042`` → ``fa20260042`` → ``0260042``), which every wording scoring its reference points
  contains, and of its structured communication; the transaction's wording is slid over the index's lengths.
Each lookup is O(log n + k), so a run over n transactions and m documents costs O((n + m) log m + candidates).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from chalicelib.banking.matching.model import Doc, DocKind, Txn
from chalicelib.banking.matching.scoring import LEGAL_FORMS, day_gap, name_key, partial_run, squash, words

AMOUNT_CAP = 200
_HUNDRED = Decimal(100)


def cents(amount: Decimal) -> int:
    return int((amount * _HUNDRED).to_integral_value())


def _reference_runs(doc: Doc) -> set[str]:
    """The runs of the document's references that a wording scoring reference points must contain."""
    runs = set()
    if doc.structured_ref:
        digits = "".join(ch for ch in doc.structured_ref if ch.isdigit())
        if len(digits) >= 3:
            runs.add(digits)
    number = squash(doc.number or "")
    if len(number) >= 3:
        runs.add(number[-partial_run(len(number)):])
    return runs


class DocIndex:
    """The open documents of one organization, indexed by amount, by number and by party name."""

    def __init__(self, docs: Iterable[Doc]) -> None:
        self.docs: dict[str, Doc] = {d.id: d for d in docs}
        self.party_docs: dict[str, list[Doc]] = defaultdict(list)  # party key → its open invoices
        self._by_ref: dict[str, list[Doc]] = defaultdict(list)
        for doc in self.docs.values():
            for run in _reference_runs(doc):
                self._by_ref[run].append(doc)
        self._ref_lengths = sorted({len(k) for k in self._by_ref})
        self._file_amounts()
        self._file_parties()

    def _file_amounts(self) -> None:
        rows: dict[DocKind, list[tuple[int, str]]] = {"invoice": [], "expense": []}
        days: dict[tuple[DocKind, int], list[tuple[int, str]]] = defaultdict(list)
        for doc in self.docs.values():
            rows[doc.kind].append((cents(doc.open_amount), doc.id))
            for day in {d.toordinal() for d in (doc.date, doc.due_date) if d is not None}:
                days[(doc.kind, day)].append((cents(doc.open_amount), doc.id))
        self._amounts = {kind: [a for a, _ in sorted(found)] for kind, found in rows.items()}
        self._ids = {kind: [i for _, i in sorted(found)] for kind, found in rows.items()}
        self._by_day = {key: ([a for a, _ in sorted(found)], [i for _, i in sorted(found)])
                        for key, found in days.items()}

    def _file_parties(self) -> None:
        self._party_words: dict[str, frozenset[str]] = {}
        for doc in self.docs.values():
            party = doc.party_id or name_key(doc.party_name or "")
            if doc.kind != "invoice" or not party:
                continue
            self.party_docs[party].append(doc)
            significant = frozenset(w for w in words(doc.party_name or "") if len(w) >= 3 and w not in LEGAL_FORMS)
            if significant:
                self._party_words[party] = significant
        # each party is filed under the rarest word of its name: a wording naming it holds that word, and a common
        # word ("client", "garage") does not pull in every party that has it
        frequency: dict[str, int] = defaultdict(int)
        for significant in self._party_words.values():
            for word in significant:
                frequency[word] += 1
        self._by_party_word: dict[str, set[str]] = defaultdict(set)
        for party, significant in self._party_words.items():
            self._by_party_word[min(significant, key=lambda w: (frequency[w], w))].add(party)

    @staticmethod
    def _band(paid: Decimal, share: str) -> tuple[int, int]:
        """The open amounts (in cents, widened by one) ``paid`` is within ``share`` of."""
        low = int((paid * 100 / (1 + Decimal(share))).to_integral_value(ROUND_FLOOR)) - 1
        high = int((paid * 100 / (1 - Decimal(share))).to_integral_value(ROUND_CEILING)) + 1
        return low, high

    def by_amount(self, txn: Txn) -> list[Doc]:
        kind: DocKind = "invoice" if txn.amount > 0 else "expense"
        paid = cents(abs(txn.amount))
        amounts, ids = self._amounts[kind], self._ids[kind]
        start, end = bisect_left(amounts, paid - 1), bisect_right(amounts, paid + 1)
        exact = [self.docs[i] for i in ids[start:end]]
        if len(exact) > AMOUNT_CAP:
            exact = sorted(exact, key=lambda d: day_gap(txn.booking_date, d) or 0)[:AMOUNT_CAP]
        found = exact
        day = txn.booking_date.toordinal()
        for share, reach in (("0.01", 7), ("0.05", 3)):
            low, high = self._band(abs(txn.amount), share)
            for near in range(day - reach, day + reach + 1):
                amounts, ids = self._by_day.get((kind, near), ([], []))
                found += [self.docs[i] for i in ids[bisect_left(amounts, low):bisect_right(amounts, high)]]
        return found

    def by_reference(self, text: str) -> list[Doc]:
        found: dict[str, Doc] = {}
        for length in self._ref_lengths:
            for start in range(0, len(text) - length + 1):
                for doc in self._by_ref.get(text[start:start + length], ()):
                    found[doc.id] = doc
        return list(found.values())

    def parties_named(self, txn: Txn) -> list[str]:
        """The parties every significant word of whose name is in the transaction's wording."""
        wording = set(words(" ".join(p for p in (txn.label, txn.counterparty, txn.reference) if p)))
        seen: set[str] = set()
        for word in wording:
            seen |= self._by_party_word.get(word, set())
        return [p for p in seen if self._party_words[p] <= wording]

    def candidates(self, txn: Txn, text: str) -> list[Doc]:
        """Every document ``txn`` may score at least 50 against (in the right direction)."""
        found = {d.id: d for d in self.by_amount(txn)}
        kind: DocKind = "invoice" if txn.amount > 0 else "expense"
        for doc in self.by_reference(text):
            if doc.kind == kind:
                found.setdefault(doc.id, doc)
        return list(found.values())

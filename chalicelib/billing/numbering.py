"""Document numbers: uniqueness per organization and yearly sequences, shared by invoices, quotes and credit notes.

Key formats (persisted: never rename a ``marker`` or ``counter`` without a migration):

| pattern                            | index | key condition                                                  |
|------------------------------------|-------|----------------------------------------------------------------|
| a number is used (uniqueness)      | table | pk=``ORG#<org>``, sk=``<marker>#<NUMBER>`` → ``document_id``    |
| last number of a year's sequence   | table | pk=``ORG#<org>``, sk=``COUNTER#<counter>#<year>`` (``version``) |

A sequence number is claimed in the same transaction as the document that takes it: the counter moves from the
value read to the new number under an expected-version condition, so a failed write claims nothing (gapless) and
two concurrent writers cannot take the same number (one retries). Numbers stated by hand in the same format are
skipped, not fought over.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.store.port import Delete, ExpectedVersion, MustNotExist, Operation, Put, Store


@dataclass(frozen=True)
class Numbering:
    """One kind of document number: ``<prefix>-<year>-<sequence:04d>``."""

    prefix: str
    marker: str
    counter: str
    digits: int = 4

    def format(self, year: int, sequence: int) -> str:
        return f"{self.prefix}-{year}-{sequence:0{self.digits}d}"

    def marker_key(self, org_id: str, number: str) -> tuple[str, str]:
        return f"ORG#{org_id}", f"{self.marker}#{number.upper()}"

    def counter_key(self, org_id: str, year: int) -> tuple[str, str]:
        return f"ORG#{org_id}", f"COUNTER#{self.counter}#{year}"

    def reserve(self, org_id: str, number: str, document_id: str) -> Put:
        """The uniqueness marker of ``number`` (fails when the organization already uses it)."""
        pk, sk = self.marker_key(org_id, number)
        return Put({"pk": pk, "sk": sk, "entity": "document_number", "document_id": document_id}, MustNotExist())

    def release(self, org_id: str, number: str) -> Delete:
        return Delete(*self.marker_key(org_id, number))

    def taken(self, store: Store, org_id: str, number: str) -> bool:
        return store.get(*self.marker_key(org_id, number)) is not None

    def last(self, store: Store, org_id: str, year: int) -> int:
        item = store.get(*self.counter_key(org_id, year))
        return int(item["version"]) if item else 0

    def sequences(self, store: Store, org_id: str) -> dict[int, int]:
        """The last number of each year's sequence, by year."""
        pk, sk = self.counter_key(org_id, 0)
        prefix = sk[:-1]
        page = store.query(pk, prefix=prefix, limit=1000)  # one counter per year: one page holds centuries
        return {int(item["sk"][len(prefix):]): int(item["version"]) for item in page.items}

    def claim(self, org_id: str, year: int, last: int, sequence: int) -> Put:
        """Move the year's counter from ``last`` to ``sequence``; fails if another writer moved it first."""
        pk, sk = self.counter_key(org_id, year)
        item = {"pk": pk, "sk": sk, "entity": "counter", "version": sequence}
        return Put(item, ExpectedVersion(last) if last else MustNotExist())

    def next(self, store: Store, org_id: str, year: int) -> tuple[str, Operation]:
        """The year's next free number and the operation claiming it (commit it with the document)."""
        last = self.last(store, org_id, year)
        sequence = last + 1
        while self.taken(store, org_id, self.format(year, sequence)):
            sequence += 1
        return self.format(year, sequence), self.claim(org_id, year, last, sequence)


INVOICES = Numbering(prefix="INV", marker="INVNUM", counter="invoice_number")
QUOTES = Numbering(prefix="QUO", marker="QUONUM", counter="quote_number")
CREDIT_NOTES = Numbering(prefix="AV", marker="CNNUM", counter="credit_note_number")
RECEIPTS = Numbering(prefix="REC", marker="RECNUM", counter="receipt_number", digits=6)
SEQUENCES = (INVOICES, QUOTES, CREDIT_NOTES, RECEIPTS)

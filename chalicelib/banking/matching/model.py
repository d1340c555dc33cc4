"""The values the matching engine works on: bank transactions, open documents, scores and matches.

Pure data: no store, no clock. Amounts are ``Decimal``; a transaction's amount is signed from the account holder's
side (a credit, money in, is positive), a document's open amount is positive.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

DocKind = Literal["invoice", "expense"]
MatchKind = Literal["auto", "suggestion"]

AUTO_THRESHOLD = 70  # the guide's threshold for an automatic match
SUGGESTION_THRESHOLD = 50  # below it a pair is not worth showing as a suggestion of the run


@dataclass(frozen=True)
class Txn:
    """One unmatched bank transaction."""

    id: str
    booking_date: dt.date
    amount: Decimal
    label: str
    counterparty: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class Doc:
    """One open document: an invoice awaiting payment (paid by credits) or an expense (paid by debits)."""

    id: str
    kind: DocKind
    open_amount: Decimal
    date: dt.date | None = None
    due_date: dt.date | None = None
    number: str | None = None
    party_id: str | None = None
    party_name: str | None = None
    structured_ref: str | None = None  # a Belgian structured communication (+++123/4567/89012+++), digits kept


@dataclass(frozen=True)
class ScoreParts:
    """The guide's score, part by part: amount (50/40/20), date (30/25/20/10), reference (20/10), name (5)."""

    amount: int = 0
    date: int = 0
    reference: int = 0
    name: int = 0

    @property
    def total(self) -> int:
        return min(100, self.amount + self.date + self.reference + self.name)


@dataclass(frozen=True)
class Allocation:
    """How much of one transaction goes to one document."""

    txn_id: str
    doc_id: str
    amount: Decimal


@dataclass(frozen=True)
class Match:
    """One match: a transaction and a document, one transaction and several documents of one party, or several
    transactions and one document. The allocations add up to every transaction's amount."""

    txn_ids: tuple[str, ...]
    doc_ids: tuple[str, ...]
    allocations: tuple[Allocation, ...]
    parts: ScoreParts
    kind: MatchKind


@dataclass
class Result:
    """What one run found: automatic matches, suggestions to confirm, and the ids of the transactions left."""

    auto: list[Match] = field(default_factory=list)
    suggested: list[Match] = field(default_factory=list)
    left: list[str] = field(default_factory=list)

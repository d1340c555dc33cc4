"""Automatic posting: turning a business change's drafts into numbered, chained entries whose writes join the
business change's own store transaction.

A use case opens a ``Posting`` with the data it read, asks it to ``post`` drafts or ``reverse`` what a document
posted earlier, and adds ``posting.steps()`` to the transaction it commits. Everything then happens together or
not at all: the document's new state, the entries, their index lines, the fiscal year's head (next number, last
hash, checked by version so concurrent postings serialize), the document's posting marker and the balance buckets.

Rules enforced here, for every posting: the organization's accounting is initialized (otherwise nothing posts);
entries balance; nothing is dated on or before the lock date; amounts are in the books' currency; numbers are
continuous within the fiscal year of the entry's date; each entry's hash covers its content and the previous
entry's hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from chalicelib.company import repository as company_repo
from chalicelib.company.models import fiscal_year_bounds
from chalicelib.company.service import organization_and_company
from chalicelib.core.errors import Conflict
from chalicelib.core.money import ZERO
from chalicelib.ledger import repository as repo
from chalicelib.ledger.accounts import account_names
from chalicelib.ledger.models import AccountingSettings, Entry, EntryLine, Journal, VatKind
from chalicelib.store.deps import Deps
from chalicelib.store.port import Operation

GENESIS = "0" * 64


@dataclass(frozen=True)
class DraftLine:
    """A line before posting. ``key`` names a mapping (``client``, ``vat_output``, ``expense.travel``...);
    ``account`` states a code directly (reversals copy the original's)."""

    label: str
    debit: Decimal = ZERO
    credit: Decimal = ZERO
    key: str | None = None
    account: str | None = None
    aux_account: str | None = None
    aux_name: str | None = None
    vat_rate: Decimal | None = None
    vat_kind: VatKind | None = None
    vat_base: Decimal | None = None


@dataclass(frozen=True)
class Draft:
    journal: Journal
    entry_date: dt.date
    piece_ref: str
    piece_date: dt.date
    label: str
    currency: str
    source_type: str
    source_id: str
    event: str
    lines: tuple[DraftLine, ...]
    reverses: str | None = None


@dataclass
class Books:
    """What posting needs to know about the organization, read once per attempt."""

    org_id: str
    settings: AccountingSettings
    account_names: Mapping[str, str]
    currency: str
    fiscal_year_start: str  # "MM-DD"
    timezone: str
    company_version: int  # the profile the currency and fiscal year were read from (0: never set)


def open_books(deps: Deps, org_id: str) -> Books | None:
    """The organization's books, or ``None`` when its accounting was never initialized (then nothing posts)."""
    settings = repo.get_settings(deps.store, org_id)
    if settings is None:
        return None
    org, company = organization_and_company(deps, org_id)
    return Books(org_id=org_id, settings=settings, account_names=account_names(deps.store, settings),
                 currency=org.currency, fiscal_year_start=company.fiscal_year_start, timezone=org.timezone,
                 company_version=company.version)


def entry_hash(prev_hash: str, entry: Entry) -> str:
    """SHA-256 over the previous hash and the entry's content (its organization excluded, so a restored copy of the
    books still verifies)."""
    content = entry.model_dump(mode="json", exclude={"hash", "org_id", "prev_hash"})
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


@dataclass
class _Head:
    fiscal_year: dt.date
    fiscal_year_end: dt.date
    number: int
    last_hash: str
    version: int | None


@dataclass
class Posting:
    """The entries of one business change, accumulated until the change commits."""

    deps: Deps
    books: Books | None
    entries: list[Entry] = field(default_factory=list)
    _heads: dict[dt.date, _Head] = field(default_factory=dict)
    _markers: dict[tuple[str, str], Operation] = field(default_factory=dict)
    _reversed: dict[tuple[str, str], int] = field(default_factory=dict)

    @classmethod
    def open(cls, deps: Deps, org_id: str) -> Posting:
        return cls(deps=deps, books=open_books(deps, org_id))

    @property
    def active(self) -> bool:
        return self.books is not None

    # --- the two things a use case asks for ------------------------------------------------------------------

    def post(self, draft: Draft, *, live: bool = True) -> Entry | None:
        """Post ``draft``; ``live`` records it as the document's current posting (what a later reversal undoes)."""
        if self.books is None or not draft.lines:
            return None
        entry = self._entry(draft)
        if live:
            source = (draft.source_type, draft.source_id)
            version = self._reversed.get(source)  # reversed in this same change: the marker moves to the new entry
            if version is None and repo.get_marker(self.deps.store, self.books.org_id, *source) is not None:
                raise Conflict(f"{draft.source_type} {draft.source_id} is already posted", code="already_posted")
            self._markers[source] = repo.put_marker(self.books.org_id, *source, entry, version)
        return entry

    def reverse(self, source_type: str, source_id: str, *, event: str, day: dt.date) -> Entry | None:
        """Post the mirror of the document's live entry in the OD journal (dated ``day``, or the original's date
        when that is later) and forget it as live. Nothing happens when the document has no live posting."""
        if self.books is None:
            return None
        org_id = self.books.org_id
        marker = repo.get_marker(self.deps.store, org_id, source_type, source_id)
        if marker is None:
            return None
        original = repo.get_entry(self.deps.store, org_id, dt.date.fromisoformat(marker["fiscal_year"]),
                                  int(marker["number"]))
        if original is None:  # a marker always names an entry written in the same transaction
            raise Conflict("the posting to reverse was not found", code="ledger_inconsistent")
        entry = self.mirror(original, event=event, day=day)
        self._reversed[(source_type, source_id)] = int(marker["version"])
        self._markers[(source_type, source_id)] = repo.delete_marker(org_id, source_type, source_id,
                                                                     int(marker["version"]))
        return entry

    def mirror(self, original: Entry, *, event: str, day: dt.date) -> Entry:
        """Post the reversal of ``original`` in the OD journal, dated ``day`` or the original's date if later."""
        lines = tuple(DraftLine(label=f"Annulation {line.label}"[:200], debit=line.credit, credit=line.debit,
                                account=line.account, aux_account=line.aux_account, aux_name=line.aux_name,
                                vat_rate=line.vat_rate, vat_kind=line.vat_kind,
                                vat_base=-line.vat_base if line.vat_base is not None else None)
                      for line in original.lines)
        draft = Draft(journal="OD", entry_date=max(day, original.entry_date), piece_ref=original.piece_ref,
                      piece_date=original.piece_date, label=f"Annulation {original.label}"[:200],
                      currency=original.currency, source_type=original.source_type, source_id=original.source_id,
                      event=event, lines=lines, reverses=original.id)
        return self._entry(draft)

    def steps(self) -> list[tuple[Operation, None]]:
        """Every write of the accumulated entries, to commit with the business change."""
        if self.books is None or not self.entries:
            return []
        org_id = self.books.org_id
        ops: list[Operation] = []
        for head in self._heads.values():
            ops.append(repo.put_head(org_id, head.fiscal_year, head.fiscal_year_end, head.number, head.last_hash,
                                     head.version))
        for entry in self.entries:
            ops += repo.insert_entry(entry)
        ops += repo.maintained(org_id, self.entries)
        # the books' currency and fiscal years were read from this version of the company profile
        company = company_repo.unchanged(org_id, self.books.company_version)
        return [(op, None) for op in [*ops, *self._markers.values(), company]]

    # --- building entries -------------------------------------------------------------------------------------

    def _entry(self, draft: Draft) -> Entry:
        books = self.books
        assert books is not None
        self._check(books, draft)
        head = self._head(books, draft.entry_date)
        head.number += 1
        lines = [self._line(books, n, line) for n, line in enumerate(draft.lines, start=1)]
        entry = Entry(id=self.deps.new_id(), org_id=books.org_id, fiscal_year=head.fiscal_year,
                      fiscal_year_end=head.fiscal_year_end, number=head.number, journal=draft.journal,
                      entry_date=draft.entry_date, piece_ref=draft.piece_ref[:100] or "-",
                      piece_date=draft.piece_date, label=draft.label[:200] or "/", currency=draft.currency,
                      validated_at=self.deps.clock.now(), source_type=draft.source_type, source_id=draft.source_id,
                      event=draft.event, reverses=draft.reverses, lines=lines, prev_hash=head.last_hash, hash="")
        entry.hash = entry_hash(head.last_hash, entry)
        head.last_hash = entry.hash
        self.entries.append(entry)
        return entry

    def _check(self, books: Books, draft: Draft) -> None:
        lock = books.settings.lock_date
        if lock is not None and draft.entry_date <= lock:
            raise Conflict(f"the books are locked up to {lock.isoformat()}: nothing can be posted on "
                           f"{draft.entry_date.isoformat()}", code="period_locked",
                           details={"date": [f"on or before the lock date {lock.isoformat()}"]})
        if draft.currency.upper() != books.currency.upper():
            raise Conflict(f"the books are kept in {books.currency}; a document in {draft.currency} cannot be posted "
                           f"(exchange rates are not supported)", code="currency_not_in_books",
                           details={"currency": [f"must be {books.currency} once accounting is initialized"]})
        debit = sum((line.debit for line in draft.lines), ZERO)
        credit = sum((line.credit for line in draft.lines), ZERO)
        if debit != credit or any((line.debit > 0) == (line.credit > 0) for line in draft.lines) \
                or any(line.debit < 0 or line.credit < 0 for line in draft.lines):
            raise AssertionError(f"unbalanced draft {draft}")  # a rule bug, never user input

    def _head(self, books: Books, day: dt.date) -> _Head:
        start, end = fiscal_year_bounds(books.fiscal_year_start, day)
        if start not in self._heads:
            item = repo.get_head(self.deps.store, books.org_id, start)
            self._heads[start] = (_Head(start, end, 0, GENESIS, None) if item is None else
                                  _Head(start, end, int(item["last_number"]), str(item["last_hash"]),
                                        int(item["version"])))
        return self._heads[start]

    def _line(self, books: Books, line_no: int, line: DraftLine) -> EntryLine:
        account = line.account or self._resolve(books, line.key or "")
        return EntryLine(line_no=line_no, account=account,
                         account_name=books.account_names.get(account, account),
                         aux_account=line.aux_account, aux_name=(line.aux_name or "")[:200] or None,
                         label=line.label[:200] or "/", debit=line.debit, credit=line.credit,
                         vat_rate=line.vat_rate, vat_kind=line.vat_kind, vat_base=line.vat_base)

    def _resolve(self, books: Books, key: str) -> str:
        mappings = books.settings.mappings
        for candidate in (key, key.split(".")[0] + ".other" if "." in key else "", key.split(".")[0]):
            if candidate and candidate in mappings:
                return mappings[candidate]
        raise Conflict(f"no account is mapped for '{key}'; set it in the accounting mappings",
                       code="mapping_missing", details={"mappings": [f"'{key}' is not mapped"]})


def with_lines(draft: Draft, lines: list[DraftLine]) -> Draft:
    return replace(draft, lines=tuple(line for line in lines if line.debit or line.credit))

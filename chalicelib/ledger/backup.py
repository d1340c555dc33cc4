"""The books' share of a backup: ``{"settings", "entries", "postings"}``.

``entries`` are the posted entries with their lines, numbers and hashes, oldest first in each fiscal year;
``postings`` say which entry each source document's live posting is (what a later reversal undoes). A restore
rebuilds what posting maintains besides: the per-account line index, the fiscal-year heads (last number and hash)
and the balance buckets. The hash chain excludes the organization id, so restored books verify.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from chalicelib.ledger import lines
from chalicelib.ledger import repository as repo
from chalicelib.ledger.models import AccountingSettings, Entry
from chalicelib.ledger.state import books_in_use
from chalicelib.store.backup_parts import BadRecord, Record, Restoration, parsed, parsed_one, record, unique_ids
from chalicelib.store.deps import Deps
from chalicelib.store.port import Operation

KINDS = ("settings", "entries", "postings")


class LivePosting(BaseModel):
    source_type: str
    source_id: str
    fiscal_year: dt.date
    number: int


def _entries(deps: Deps, org_id: str) -> list[Entry]:
    return [entry for head in repo.heads(deps.store, org_id)
            for entry in repo.entries_of_year(deps.store, org_id, dt.date.fromisoformat(str(head["fiscal_year"])))]


def _heads_and_balances(org_id: str, entries: list[Entry]) -> list[Operation]:
    last: dict[dt.date, Entry] = {}
    for entry in entries:
        if entry.fiscal_year not in last or entry.number > last[entry.fiscal_year].number:
            last[entry.fiscal_year] = entry
    ops: list[Operation] = [repo.put_head(org_id, e.fiscal_year, e.fiscal_year_end, e.number, e.hash, None)
                            for e in last.values()]
    return [*ops, *repo.maintained(org_id, entries), lines.counted_mark(org_id)]


def _markers(org_id: str, postings: list[LivePosting], entries: dict[tuple[dt.date, int], Entry]) -> list[Operation]:
    ops: list[Operation] = []
    seen: set[tuple[str, str]] = set()
    for i, posting in enumerate(postings):
        entry = entries.get((posting.fiscal_year, posting.number))
        if entry is None:
            raise BadRecord(f".postings[{i}]", "names an entry the backup does not hold")
        if (posting.source_type, posting.source_id) in seen:
            raise BadRecord(f".postings[{i}]", "a document has one live posting")
        seen.add((posting.source_type, posting.source_id))
        ops.append(repo.put_marker(org_id, posting.source_type, posting.source_id, entry, None))
    return ops


class AccountingPart:
    name = "accounting"
    kinds = KINDS

    def export(self, deps: Deps, org_id: str) -> Record:
        settings = repo.get_settings(deps.store, org_id)
        postings = [record(LivePosting(source_type=source_type, source_id=source_id,
                                       fiscal_year=dt.date.fromisoformat(str(item["fiscal_year"])),
                                       number=int(item["number"])))
                    for source_type, source_id, item in repo.markers(deps.store, org_id)]
        return {"settings": record(settings) if settings is not None else None,
                "entries": [record(entry) for entry in _entries(deps, org_id)], "postings": postings}

    def holds_data(self, deps: Deps, org_id: str) -> bool:
        return repo.get_settings(deps.store, org_id) is not None or books_in_use(deps.store, org_id)

    def restore(self, org_id: str, records: Any) -> Restoration:
        if not isinstance(records, dict) or set(records) - set(KINDS):
            raise BadRecord("", f"must be an object with {', '.join(KINDS)}")
        settings = [parsed_one(AccountingSettings, records["settings"], org_id, ".settings")] \
            if records.get("settings") is not None else []
        entries = parsed(Entry, records.get("entries", []), org_id, ".entries")
        unique_ids(entries, ".entries")
        by_number: dict[tuple[dt.date, int], Entry] = {}
        for i, entry in enumerate(entries):
            if by_number.setdefault((entry.fiscal_year, entry.number), entry) is not entry:
                raise BadRecord(f".entries[{i}].number", "is also the number of another entry of its fiscal year")
        ops: list[Operation] = [repo.put_settings(s, None) for s in settings]
        ops += [op for entry in entries for op in repo.insert_entry(entry)]
        ops += _heads_and_balances(org_id, entries)
        ops += _markers(org_id, parsed(LivePosting, records.get("postings", []), org_id, ".postings"), by_number)
        return Restoration(operations=ops)


PART = AccountingPart()

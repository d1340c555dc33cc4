"""Persistence of the books: settings, entries, fiscal-year heads, posting markers and the per-account balances
maintained at posting (the line index and the line counts are ``chalicelib.ledger.lines``'s).

Key formats and access patterns:

- accounting settings: pk=``ORG#<org>``, sk=``ACCOUNTING#SETTINGS``
- fiscal-year head (last number, last hash, version): pk=``ORG#<org>#LEDGERHEADS``, sk=``<fy start>``
- entries of a fiscal year in number (= validation) order: pk=``ORG#<org>#LEDGER#<fy start>``, sk=``E#<number:09d>``
- entries of a source document: gsi1pk=``ORG#<org>#SOURCE#<source id>``, gsi1sk=``<fy start>#<number:09d>``
- live posting of a document (what a reversal undoes): pk=``ORG#<org>``, sk=``POSTED#<source type>#<source id>``
- balance bucket of an account and side: pk=``ORG#<org>#BALANCES``, sk=``<Y|M|D>#<period>#<code>#<D|C>``
- entries of a fiscal year dated within a range: the line index (``lines``), then the entries by key

Balances are integer thousandths of the books' currency (exact for every ISO currency), incremented in the posting
transaction for the entry's year (``Y#2026``), month (``M#2026-03``) and day (``D#2026-03-15``): the balance of
every account at any date is then read from at most (years + 11 + 31) buckets per account and side, whatever the
number of entries. Each bucket also counts its lines (``lines``), which the listings' totals read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

from chalicelib.ledger import lines
from chalicelib.ledger.models import AccountingSettings, Entry
from chalicelib.ledger.state import heads_pk
from chalicelib.store import period_counts
from chalicelib.store.pagination import all_items
from chalicelib.store.port import (
    Delete,
    ExpectedVersion,
    Increment,
    Item,
    MustNotExist,
    Operation,
    Put,
    Store,
)

SETTINGS_SK = "ACCOUNTING#SETTINGS"
SCALE = Decimal(1000)


def org_pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def ledger_pk(org_id: str, fiscal_year: dt.date) -> str:
    return f"ORG#{org_id}#LEDGER#{fiscal_year.isoformat()}"


def balances_pk(org_id: str) -> str:
    return f"ORG#{org_id}#BALANCES"


# --- settings ---------------------------------------------------------------------------------------------------


def get_settings(store: Store, org_id: str) -> AccountingSettings | None:
    item = store.get(org_pk(org_id), SETTINGS_SK)
    return AccountingSettings.model_validate(item) if item else None


def put_settings(settings: AccountingSettings, expected_version: int | None) -> Put:
    item = {"pk": org_pk(settings.org_id), "sk": SETTINGS_SK, "entity": "accounting_settings",
            **settings.model_dump(mode="json")}
    return Put(item, MustNotExist() if expected_version is None else ExpectedVersion(expected_version))


# --- heads ------------------------------------------------------------------------------------------------------


def get_head(store: Store, org_id: str, fiscal_year: dt.date) -> Item | None:
    return store.get(heads_pk(org_id), fiscal_year.isoformat())


def put_head(org_id: str, fiscal_year: dt.date, fiscal_year_end: dt.date, number: int, last_hash: str,
             version: int | None) -> Put:
    item = {"pk": heads_pk(org_id), "sk": fiscal_year.isoformat(), "entity": "ledger_head",
            "fiscal_year": fiscal_year.isoformat(), "fiscal_year_end": fiscal_year_end.isoformat(),
            "last_number": number, "last_hash": last_hash, "version": (version or 0) + 1}
    return Put(item, MustNotExist() if version is None else ExpectedVersion(version))


def heads(store: Store, org_id: str) -> list[Item]:
    """Every fiscal year with entries, oldest first."""
    return list(all_items(lambda cursor: store.query(heads_pk(org_id), limit=1000, cursor=cursor)))


# --- entries ----------------------------------------------------------------------------------------------------


def entry_sk(number: int) -> str:
    return f"E#{number:09d}"


def entry_item(entry: Entry) -> Item:
    return {"pk": ledger_pk(entry.org_id, entry.fiscal_year), "sk": entry_sk(entry.number),
            "gsi1pk": f"ORG#{entry.org_id}#SOURCE#{entry.source_id}",
            "gsi1sk": f"{entry.fiscal_year.isoformat()}#{entry.number:09d}",
            "entity": "ledger_entry", **entry.model_dump(mode="json")}


def insert_entry(entry: Entry) -> list[Operation]:
    """The entry and its index lines: written once, never replaced (``MustNotExist``)."""
    return [Put(entry_item(entry), MustNotExist()), *lines.line_puts(entry)]


def get_entry(store: Store, org_id: str, fiscal_year: dt.date, number: int) -> Entry | None:
    item = store.get(ledger_pk(org_id, fiscal_year), entry_sk(number))
    return Entry.model_validate(item) if item else None


def entries_of_year(store: Store, org_id: str, fiscal_year: dt.date, page_size: int = 500) -> Iterator[Entry]:
    """Every entry of a fiscal year in number (= validation) order, read page by page."""
    pk = ledger_pk(org_id, fiscal_year)
    for item in all_items(lambda cursor: store.query(pk, prefix="E#", limit=page_size, cursor=cursor)):
        yield Entry.model_validate(item)


def entries_between(store: Store, org_id: str, fiscal_year: dt.date, start: dt.date, end: dt.date) -> Iterator[Entry]:
    """The entries of a fiscal year dated within [start, end], in number order: their keys are read from the line
    index of that range (no other entry is read), then the entries by key."""
    fy = fiscal_year.isoformat()
    keys = sorted({key for item in all_items(lambda cursor: lines.query_lines(
        store, org_id, account=None, journal=None, start=start.isoformat(), end=end.isoformat(), limit=1000,
        cursor=cursor)) if (key := lines.ref(item).entry_key)[0] == fy}, key=lambda key: key[1])
    for first in range(0, len(keys), 100):
        found = lines.entries_by_key(store, org_id, keys[first:first + 100])
        for key in keys[first:first + 100]:
            yield Entry.model_validate(found[key])


def entries_of_source(store: Store, org_id: str, source_id: str) -> list[Entry]:
    page = store.query(f"ORG#{org_id}#SOURCE#{source_id}", index="gsi1", limit=1000)
    return [Entry.model_validate(item) for item in page.items]


# --- posting markers --------------------------------------------------------------------------------------------


def marker_sk(source_type: str, source_id: str) -> str:
    return f"POSTED#{source_type}#{source_id}"


def get_marker(store: Store, org_id: str, source_type: str, source_id: str) -> Item | None:
    return store.get(org_pk(org_id), marker_sk(source_type, source_id))


def put_marker(org_id: str, source_type: str, source_id: str, entry: Entry, version: int | None) -> Put:
    item = {"pk": org_pk(org_id), "sk": marker_sk(source_type, source_id), "entity": "ledger_posting",
            "fiscal_year": entry.fiscal_year.isoformat(), "number": entry.number, "entry_id": entry.id,
            "version": (version or 0) + 1}
    return Put(item, MustNotExist() if version is None else ExpectedVersion(version))


def markers(store: Store, org_id: str) -> Iterator[tuple[str, str, Item]]:
    """Every live posting marker: (source type, source id, marker item)."""
    prefix = marker_sk("", "")[:-1]
    for item in all_items(lambda cursor: store.query(org_pk(org_id), prefix=prefix, limit=1000, cursor=cursor)):
        source_type, _, source_id = str(item["sk"])[len(prefix):].partition("#")
        yield source_type, source_id, item


def delete_marker(org_id: str, source_type: str, source_id: str, version: int) -> Delete:
    return Delete(org_pk(org_id), marker_sk(source_type, source_id), ExpectedVersion(version))


# --- balances ---------------------------------------------------------------------------------------------------


def to_units(amount: Decimal) -> int:
    return int(amount * SCALE)


def from_units(units: int) -> Decimal:
    return Decimal(units) / SCALE


bucket_keys = period_counts.bucket_keys


def balance_increment(org_id: str, bucket: str, account: str, side: str, units: int, count: int) -> Increment:
    return Increment(balances_pk(org_id), f"{bucket}#{account}#{side}", "units", units,
                     fields={"entity": "ledger_balance", "account": account, "side": side}, also=(("lines", count),))


def maintained(org_id: str, entries: list[Entry]) -> list[Operation]:
    """What posting ``entries`` adds to the balance buckets and the line counts, one increment per item."""
    sums: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for entry in entries:
        for line in entry.lines:
            side, amount = ("D", line.debit) if line.debit else ("C", line.credit)
            for bucket in bucket_keys(entry.entry_date):
                total = sums[(bucket, line.account, side)]
                total[0] += to_units(amount)
                total[1] += 1
    ops: list[Operation] = [balance_increment(org_id, bucket, account, side, units, count)
                            for (bucket, account, side), (units, count) in sums.items()]
    return ops + lines.journal_counts(org_id, entries)


def balance_items(store: Store, org_id: str, start: str, end: str) -> Iterator[Item]:
    """Balance buckets whose sort key lies in [start, end] (``~`` closes a range after every account code)."""
    return all_items(lambda cursor: store.query(balances_pk(org_id), start=start, end=end, limit=1000, cursor=cursor))

"""How many journal lines a listing holds, read from the counts kept at posting: by journal (the line counts of
``chalicelib.ledger.lines``) or by account (the ``lines`` attribute of the balance buckets), for any date range.

The count at a day sums at most (years + 11 + 31) buckets per journal or account, like a balance: its cost depends
on the calendar, never on the number of lines. There is no count by account *and* journal; that listing, and books
opened before the counts were kept, answer ``None`` (the caller counts by reading).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from chalicelib.ledger import lines
from chalicelib.ledger import repository as repo
from chalicelib.store.pagination import all_items
from chalicelib.store.port import Item, Store


def _ranges(day: dt.date | None) -> list[tuple[str, str]]:
    """The bucket ranges whose sum is everything up to ``day`` included (every bucket when ``day`` is None)."""
    if day is None:
        return [("Y#", "Y#~")]
    y, m = day.year, day.month
    ranges = [("Y#", f"Y#{y - 1:04d}~")]
    if m > 1:
        ranges.append((f"M#{y:04d}-01", f"M#{y:04d}-{m - 1:02d}~"))
    ranges.append((f"D#{day.isoformat()[:7]}-01", f"D#{day.isoformat()}~"))
    return ranges


def _cumulative(store: Store, pk: str, day: dt.date | None, keep: Callable[[Item], bool]) -> int:
    def bucket_range(start: str, end: str) -> Iterator[Item]:
        return all_items(lambda cursor: store.query(pk, start=start, end=end, limit=1000, cursor=cursor))

    return sum(int(item.get("lines", 0)) for start, end in _ranges(day) for item in bucket_range(start, end)
               if keep(item))


def line_total(store: Store, org_id: str, *, account: str | None, journal: str | None, start: dt.date | None,
               end: dt.date | None) -> int | None:
    """Lines of the account or journal (or all) dated within [start, end]; ``None`` when no count serves."""
    if (account and journal) or not lines.counts_kept(store, org_id):
        return None
    if account:
        pk, keep = repo.balances_pk(org_id), (lambda item: item.get("account") == account)
    else:
        pk, keep = lines.counts_pk(org_id), (lambda item: journal is None or item.get("journal") == journal)
    total = _cumulative(store, pk, end, keep)
    if start is not None:
        total -= _cumulative(store, pk, start - dt.timedelta(days=1), keep)
    return total

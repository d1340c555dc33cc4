"""Counts kept by period: year, month and day buckets incremented in the transaction of the change they count, so
how many items fall within any date range is read from at most (years + 11 + 31) buckets, never by reading the
items. Used by the books (lines per journal and account) and by payments (per organization and client).

A bucket's sort key is ``<prefix><Y|M|D>#<period><suffix>``: ``Y#2026``, ``M#2026-03``, ``D#2026-03-15``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from chalicelib.store.pagination import all_items
from chalicelib.store.port import Item, Store


def bucket_keys(day: dt.date) -> tuple[str, str, str]:
    return f"Y#{day.year:04d}", f"M#{day.isoformat()[:7]}", f"D#{day.isoformat()}"


def ranges(day: dt.date | None, prefix: str = "") -> list[tuple[str, str]]:
    """The sort-key ranges whose buckets sum everything up to ``day`` included (every bucket when ``None``)."""
    if day is None:
        return [(f"{prefix}Y#", f"{prefix}Y#~")]
    y, m = day.year, day.month
    found = [(f"{prefix}Y#", f"{prefix}Y#{y - 1:04d}~")]
    if m > 1:
        found.append((f"{prefix}M#{y:04d}-01", f"{prefix}M#{y:04d}-{m - 1:02d}~"))
    found.append((f"{prefix}D#{day.isoformat()[:7]}-01", f"{prefix}D#{day.isoformat()}~"))
    return found


def cumulative(store: Store, pk: str, day: dt.date | None, *, attribute: str, prefix: str = "",
               keep: Callable[[Item], bool] = lambda item: True) -> int:
    """The sum of ``attribute`` over the buckets up to ``day`` (all when ``None``) that ``keep`` accepts."""
    def bucket_range(start: str, end: str) -> Iterator[Item]:
        return all_items(lambda cursor: store.query(pk, start=start, end=end, limit=1000, cursor=cursor))

    return sum(int(item.get(attribute, 0)) for start, end in ranges(day, prefix)
               for item in bucket_range(start, end) if keep(item))


def between(store: Store, pk: str, start: dt.date | None, end: dt.date | None, *, attribute: str,
            prefix: str = "", keep: Callable[[Item], bool] = lambda item: True) -> int:
    """The sum over the days of [start, end] (open on a side given as ``None``)."""
    total = cumulative(store, pk, end, attribute=attribute, prefix=prefix, keep=keep)
    if start is not None:
        total -= cumulative(store, pk, start - dt.timedelta(days=1), attribute=attribute, prefix=prefix, keep=keep)
    return total

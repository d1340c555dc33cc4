"""How many journal lines a listing holds, read from the counts kept at posting: by journal (the line counts of
``chalicelib.ledger.lines``) or by account (the ``lines`` attribute of the balance buckets), for any date range
(``chalicelib.store.period_counts``: the cost depends on the calendar, never on the number of lines). There is no
count by account *and* journal; that listing, and books opened before the counts were kept, answer ``None`` (the
caller counts by reading).
"""

from __future__ import annotations

import datetime as dt

from chalicelib.ledger import lines
from chalicelib.ledger import repository as repo
from chalicelib.store import period_counts
from chalicelib.store.port import Store


def line_total(store: Store, org_id: str, *, account: str | None, journal: str | None, start: dt.date | None,
               end: dt.date | None) -> int | None:
    """Lines of the account or journal (or all) dated within [start, end]; ``None`` when no count serves."""
    if (account and journal) or not lines.counts_kept(store, org_id):
        return None
    if account:
        return period_counts.between(store, repo.balances_pk(org_id), start, end, attribute="lines",
                                     keep=lambda item: item.get("account") == account)
    return period_counts.between(store, lines.counts_pk(org_id), start, end, attribute="lines",
                                 keep=lambda item: journal is None or item.get("journal") == journal)

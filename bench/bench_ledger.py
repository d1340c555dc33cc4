"""Benchmark of the books, in-process on SQLite; prints figures (not a test).

(a) trial balance (``chalicelib.ledger.queries.trial_balance``) with 10 000 entries, then with 200 000 entries in
    the same organization: median wall time of 7 calls at each size, storage round trips and items read, and the
    ratio of the two times (it should stay near 1: the trial balance reads the year/month/day balance buckets
    maintained at posting, whose count depends on the calendar and the accounts, not on the entries);
(b) the FEC export (``chalicelib.exports.service.fec_export``) of the fiscal year holding the 200 000 entries
    (about 400 000 lines): wall time and peak Python memory (tracemalloc) while streaming it to a byte counter.

Entries are posted through the real posting engine (``Posting``: numbering, hash chain, balance buckets) in
transactions of 12 entries, alternating a sale (3 lines) and a payment (2 lines) spread over one year.

Run from the repository root: ``.venv/bin/python bench/bench_ledger.py [--small 10000 --large 200000]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chalicelib.auth.service import create_organization  # noqa: E402
from chalicelib.bookkeeping.init import init_accounting  # noqa: E402
from chalicelib.core.clock import FixedClock  # noqa: E402
from chalicelib.core.settings import Settings  # noqa: E402
from chalicelib.exports.service import fec_export  # noqa: E402
from chalicelib.ledger.posting import Draft, DraftLine, Posting  # noqa: E402
from chalicelib.ledger.queries import trial_balance  # noqa: E402
from chalicelib.store.deps import Deps  # noqa: E402
from chalicelib.store.port import Store  # noqa: E402
from chalicelib.wiring import build_deps  # noqa: E402

BATCH = 6


class CountingStore:
    """Forwards every call of the storage port and counts queries and the items they return (bench code)."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.queries = 0
        self.items = 0

    def query(self, *args: Any, **kwargs: Any) -> Any:
        page = self.inner.query(*args, **kwargs)
        self.queries += 1
        self.items += len(page.items)
        return page

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _draft(n: int, day: dt.date) -> Draft:
    client = f"C{n % 40:012d}"
    lines: tuple[DraftLine, ...]
    if n % 2 == 0:
        lines = (DraftLine(label="Facture", debit=Decimal("120.00"), key="client", aux_account=client,
                           aux_name=f"Client {n % 40}"),
                 DraftLine(label="Facture", credit=Decimal("100.00"), key="revenue", vat_rate=Decimal("20")),
                 DraftLine(label="TVA", credit=Decimal("20.00"), key="vat_output", vat_rate=Decimal("20"),
                           vat_kind="output", vat_base=Decimal("100.00")))
        journal, source = "VE", "invoice"
    else:
        lines = (DraftLine(label="Règlement", debit=Decimal("120.00"), key="bank"),
                 DraftLine(label="Règlement", credit=Decimal("120.00"), key="client", aux_account=client,
                           aux_name=f"Client {n % 40}"))
        journal, source = "BQ", "payment"
    return Draft(journal=journal, entry_date=day, piece_ref=f"P-{n}", piece_date=day, label=f"Pièce {n}",  # type: ignore[arg-type]
                 currency="EUR", source_type=source, source_id=f"bench-{n}", event=f"{source}.bench", lines=lines)


def post(deps: Deps, org_id: str, start: int, count: int) -> None:
    year = dt.date(2025, 1, 1)
    for first in range(start, start + count, BATCH):
        posting = Posting.open(deps, org_id)
        for n in range(first, min(first + BATCH, start + count)):
            posting.post(_draft(n, year + dt.timedelta(days=n % 365)), live=False)
        deps.store.transact([op for op, _ in posting.steps()])


def time_trial_balance(deps: Deps, org_id: str, counting: CountingStore) -> tuple[float, int, int]:
    times = []
    for _ in range(7):
        counting.queries = counting.items = 0
        started = time.perf_counter()
        result = trial_balance(deps, org_id, dt.date(2025, 12, 31))
        times.append(time.perf_counter() - started)
        assert result.balanced
    return statistics.median(times), counting.queries, counting.items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clock = FixedClock(dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC))
        base = build_deps(Settings(stage="test", data_dir=Path(tmp)), clock)
        counting = CountingStore(base.store)
        deps = Deps(settings=base.settings, store=counting, blobs=base.blobs, clock=clock, new_id=base.new_id)
        boot = create_organization(deps, name="Bench", owner_email="bench@example.com")
        org_id = boot.organization.id
        from chalicelib.bookkeeping.company import replace_company
        from chalicelib.company.models import CompanyUpdate

        replace_company(deps, org_id, CompanyUpdate(legal_name="Bench SARL", siren="732829320"))
        init_accounting(deps, org_id, "FR")

        started = time.perf_counter()
        post(deps, org_id, 0, args.small)
        print(f"posted {args.small} entries in {time.perf_counter() - started:.1f} s")
        small = time_trial_balance(deps, org_id, counting)
        started = time.perf_counter()
        post(deps, org_id, args.small, args.large - args.small)
        print(f"posted {args.large - args.small} more entries in {time.perf_counter() - started:.1f} s")
        large = time_trial_balance(deps, org_id, counting)
        print(f"trial balance, {args.small:>7} entries: {small[0] * 1000:7.1f} ms, {small[1]} queries, "
              f"{small[2]} bucket items read")
        print(f"trial balance, {args.large:>7} entries: {large[0] * 1000:7.1f} ms, {large[1]} queries, "
              f"{large[2]} bucket items read")
        print(f"ratio large/small: {large[0] / small[0]:.2f} (entries x{args.large / args.small:.0f})")

        tracemalloc.start()
        started = time.perf_counter()
        export = fec_export(deps, org_id, None, None, 2025)
        size = sum(len(chunk) for chunk in export.chunks)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        lines = args.large // 2 * 3 + (args.large - args.large // 2) * 2
        print(f"FEC {export.file_name}: {lines} lines, {size / 1e6:.1f} MB in {elapsed:.1f} s, "
              f"peak Python memory {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()

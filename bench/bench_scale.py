"""Benchmark of the books at two sizes side by side; prints its figures as JSON (not a test, asserts nothing on speed).

Two organizations share one SQLite store, as on a real server: a small one of ``--small`` journal lines and a
large one of ``--large`` lines, both built through the real posting engine (numbering, hash chain, balance buckets,
line counts) from the same mix as ``bench_ledger`` (a 3-line sale, a 2-line payment) spread over one year. Then,
alternating the two organizations so that drift hits both alike (medians of ``--runs``):

- ``entries_page``: ``GET /api/v1/accounting/entries?limit=20`` through the whole app (``LocalClient``), first page
  with its ``meta.total``; ``entries_journal_page`` the same with ``journal=VE``; ``ledger_page`` the general ledger
  of 411 (first page);
- ``trial_balance``: ``GET /api/v1/accounting/trial-balance`` through the app;
- ``posting_ms_per_entry``: posting ``--post`` more entries into each organization, per entry;
- ``bytes_per_line``: the SQLite file's growth per journal line while each organization was built (pages in use,
  WAL checkpointed), and the DynamoDB item bytes per line of the same items (attribute names and values, as
  DynamoDB sizes them; ``stored`` adds its 100 bytes per item and the index copies);
- ``fec`` / ``saft``: the export of the fiscal year in a fresh process: wall time per line and peak RSS;
- ``invoice_growth_bytes``: the store's growth per invoice issued through REST (2 items, so 4 journal lines);
- ``imports`` / ``mcp`` / ``hledger``: ``bench_imports.measure()``, ``bench_mcp.measure()`` and, when ``hledger`` is
  installed, the whole-process ``manage.py report trial-balance`` against ``hledger bal --flat`` on the same books
  and a to-the-cent comparison of every account (``hledger_compare``).

Every ratio is large / small (1.0: the cost does not grow with the books). Run from the repository root:
``.venv/bin/python bench/bench_scale.py`` (10k and 200k lines, ~10 min) or ``--quick`` (1k and 10k, for CI smoke).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bench_ledger import _draft  # noqa: E402

from chalicelib.api.local import LocalClient  # noqa: E402
from chalicelib.auth.service import create_organization  # noqa: E402
from chalicelib.bookkeeping.company import replace_company  # noqa: E402
from chalicelib.bookkeeping.init import init_accounting  # noqa: E402
from chalicelib.company.models import CompanyUpdate  # noqa: E402
from chalicelib.core.clock import FixedClock  # noqa: E402
from chalicelib.core.settings import Settings  # noqa: E402
from chalicelib.ledger import lines as ledger_lines  # noqa: E402
from chalicelib.ledger import repository as ledger_repo  # noqa: E402
from chalicelib.ledger.posting import Posting  # noqa: E402
from chalicelib.store.deps import Deps  # noqa: E402
from chalicelib.wiring import build_deps, using  # noqa: E402

BATCH = 6  # entries per transaction: within the store's 100 operations with every bucket they touch
LINES_PER_PAIR = 5  # a sale (3 lines) and a payment (2 lines)


def _lines_of(entries: int) -> int:
    return entries // 2 * 3 + (entries - entries // 2) * 2


def _entries_for(lines: int) -> int:
    return lines * 2 // LINES_PER_PAIR


def _post(deps: Deps, org_id: str, start: int, count: int) -> float:
    started = time.perf_counter()
    year = dt.date(2025, 1, 1)
    for first in range(start, start + count, BATCH):
        posting = Posting.open(deps, org_id)
        for n in range(first, min(first + BATCH, start + count)):
            posting.post(_draft(n, year + dt.timedelta(days=n % 365)), live=False)
        deps.store.transact([op for op, _ in posting.steps()])
    return time.perf_counter() - started


def _file_bytes(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages, free, size = (conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "freelist_count",
                                                                                   "page_size"))
    return int((pages - free) * size)


def _dynamodb_size(item: dict[str, Any]) -> int:
    """DynamoDB's item size: UTF-8 bytes of every attribute name and value (numbers about 1 byte per 2 digits)."""
    def size(value: Any) -> int:
        if isinstance(value, bool) or value is None:
            return 1
        if isinstance(value, int):
            return len(str(abs(value))) // 2 + 2
        if isinstance(value, str):
            return len(value.encode())
        if isinstance(value, list):
            return 3 + sum(size(v) + 1 for v in value)
        if isinstance(value, dict):
            return 3 + sum(len(k.encode()) + size(v) + 1 for k, v in value.items())
        raise TypeError(type(value))
    return sum(len(name.encode()) + size(value) for name, value in item.items())


def _dynamodb_per_line(deps: Deps, org_id: str) -> dict[str, float]:
    """Bytes per journal line of the entry and line items DynamoDB would hold (a sample of the first 200 entries)."""
    head = ledger_repo.heads(deps.store, org_id)[0]
    entries = []
    for entry in ledger_repo.entries_of_year(deps.store, org_id, dt.date.fromisoformat(head["fiscal_year"])):
        entries.append(entry)
        if len(entries) == 200:
            break
    items = [ledger_repo.entry_item(e) for e in entries] + [ledger_lines.line_item(e, line) for e in entries
                                                            for line in e.lines]
    lines = sum(len(e.lines) for e in entries)
    raw = sum(_dynamodb_size(i) for i in items)
    # stored: 100 bytes of overhead per item, and each index holding a copy of the items it lists
    indexed = sum(_dynamodb_size(i) + 100 for i in items for name in ("gsi1pk", "gsi2pk") if name in i)
    return {"item_bytes_per_line": round(raw / lines, 1),
            "stored_bytes_per_line": round((raw + 100 * len(items) + indexed) / lines, 1),
            "largest_item_bytes": max(_dynamodb_size(i) for i in items)}


def _median_ms(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 3)


def _paired(small: Callable[[], Any], large: Callable[[], Any], runs: int) -> dict[str, float | None]:
    """Both measured alternately, a warm-up call each first; medians in ms and their ratio."""
    small(), large()
    a: list[float] = []
    b: list[float] = []
    for _ in range(runs):
        a.append(_median_ms(small, 1))
        b.append(_median_ms(large, 1))
    s, big = statistics.median(a), statistics.median(b)
    return {"small_ms": s, "large_ms": big, "ratio": round(big / s, 2) if s else None}


def _export_in_process(data_dir: Path, org_id: str, kind: str) -> dict[str, float]:
    """The export of fiscal year 2025 in a fresh interpreter: wall seconds, peak RSS and the peak before the export
    began (MB, the child's own VmHWM)."""
    code = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from chalicelib.core.settings import Settings
from chalicelib.wiring import build_deps
from chalicelib.exports import service
def peak_mb():  # VmHWM: the peak of this program's memory (ru_maxrss would count the parent's, from before exec)
    line = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
deps = build_deps(Settings(stage="test", data_dir=Path({str(data_dir)!r})))
ready = peak_mb()
started = time.perf_counter()
if {kind!r} == "fec":
    export = service.fec_export(deps, {org_id!r}, None, None, 2025)
else:
    import datetime as dt
    export = service.saft_export(deps, {org_id!r}, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
size = sum(len(chunk) for chunk in export.chunks)
print(time.perf_counter() - started, peak_mb(), size, ready)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    seconds, rss, size, ready = out.stdout.split()
    return {"seconds": round(float(seconds), 3), "peak_rss_mb": round(float(rss), 1),
            "rss_before_export_mb": round(float(ready), 1), "bytes": int(size)}


def _organization(deps: Deps, name: str) -> tuple[str, str]:
    boot = create_organization(deps, name=name, owner_email=f"{name.lower()}@example.com")
    org_id = boot.organization.id
    replace_company(deps, org_id, CompanyUpdate(legal_name=f"{name} SARL", siren="732829320"))
    init_accounting(deps, org_id, "FR")
    return org_id, boot.key.key


def _invoice_growth(deps: Deps, path: Path, key: str, invoices: int) -> float:
    from app import app
    from chalicelib.api.local import LocalClient

    api = LocalClient(app, headers={"X-API-Key": key})
    client = api.post("/api/v1/clients", json={"company_name": "Growth"}).json()["data"]["id"]
    before = _file_bytes(path)
    for n in range(invoices):
        answer = api.post("/api/v1/invoices", json={
            "client_id": client, "date": "2026-01-10", "due_date": "2026-02-10", "status": "sent",
            "items": [{"description": f"Prestation {n}", "quantity": "2", "unit_price": "150.00", "tax_rate": "20"},
                      {"description": "Déplacement", "quantity": "1", "unit_price": "40.00", "tax_rate": "20"}]})
        assert answer.status_code == 201, answer.text
    return round((_file_bytes(path) - before) / invoices, 1)


def _optional(name: str, call: Callable[[], Any]) -> Any:
    try:
        return call()
    except ImportError as exc:
        return {"unavailable": f"{name}: {exc}"}


def main() -> None:  # noqa: C901 - one measurement after the other, in order
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000, help="journal lines of the small organization")
    parser.add_argument("--large", type=int, default=200_000, help="journal lines of the large organization")
    parser.add_argument("--quick", action="store_true", help="1k and 10k lines, fewer runs (CI smoke)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--post", type=int, default=1200, help="entries posted to measure the posting cost")
    parser.add_argument("--skip", action="append", default=[], choices=["imports", "mcp", "hledger", "exports"])
    args = parser.parse_args()
    if args.quick:
        args.small, args.large, args.runs, args.post = 1_000, 10_000, 3, 120
    result: dict[str, Any] = {"small_lines": args.small, "large_lines": args.large}
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        clock = FixedClock(dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC))
        deps = build_deps(Settings(stage="test", data_dir=data_dir, rate_limit_cpk=100_000_000), clock)
        db = Settings(stage="test", data_dir=data_dir).sqlite_path
        with using(deps):
            orgs: dict[str, tuple[str, str]] = {}
            growth: dict[str, float] = {}
            built: dict[str, int] = {}
            for size, lines in (("small", args.small), ("large", args.large)):
                orgs[size] = _organization(deps, size.capitalize())
                before = _file_bytes(db)
                count = _entries_for(lines)
                seconds = _post(deps, orgs[size][0], 0, count)
                built[size] = count
                growth[size] = round((_file_bytes(db) - before) / _lines_of(count), 1)
                print(f"built {size}: {_lines_of(count)} lines in {seconds:.1f} s", file=sys.stderr)
            result["bytes_per_line"] = {"sqlite_small": growth["small"], "sqlite_large": growth["large"],
                                        "dynamodb": _dynamodb_per_line(deps, orgs["small"][0])}

            from app import app

            def get(size: str, path: str) -> Callable[[], Any]:
                api = LocalClient(app, headers={"X-API-Key": orgs[size][1]})

                def call() -> Any:
                    answer = api.get(path)
                    assert answer.status_code == 200, answer.text
                    return answer
                return call

            for name, path in (("entries_page", "/api/v1/accounting/entries?limit=20"),
                               ("entries_journal_page", "/api/v1/accounting/entries?journal=VE&limit=20"),
                               ("ledger_page", "/api/v1/accounting/ledger/411?start_date=2025-01-01"
                                               "&end_date=2025-12-31"),
                               ("trial_balance", "/api/v1/accounting/trial-balance?date=2025-12-31")):
                result[name] = _paired(get("small", path), get("large", path), args.runs)
            for size in ("small", "large"):  # untimed: the writer's page cache meets each organization's pages
                _post(deps, orgs[size][0], built[size], 120)
                built[size] += 120
            spent = {"small": 0.0, "large": 0.0}
            for first in range(0, args.post, 60):  # alternated, 60 entries at a time
                for size in spent:
                    spent[size] += _post(deps, orgs[size][0], built[size] + first, min(60, args.post - first))
            per_entry = {size: round(seconds / args.post * 1000, 3) for size, seconds in spent.items()}
            result["posting_ms_per_entry"] = {**per_entry, "ratio": round(per_entry["large"] / per_entry["small"], 2)}
            result["invoice_growth_bytes"] = _invoice_growth(deps, db, orgs["small"][1], 50 if args.quick else 200)
        if "exports" not in args.skip:
            for kind in ("fec", "saft"):
                runs = {size: _export_in_process(data_dir, orgs[size][0], kind) for size in ("small", "large")}
                lines = {size: _lines_of(built[size] + args.post) for size in runs}
                result[kind] = {**{size: {**r, "us_per_line": round(r["seconds"] / lines[size] * 1e6, 2)}
                                   for size, r in runs.items()},
                                "rss_ratio": round(runs["large"]["peak_rss_mb"] / runs["small"]["peak_rss_mb"], 2)}
        if "hledger" not in args.skip:
            result["hledger"] = _optional("hledger_compare", lambda: _hledger(deps, data_dir, orgs, args.runs))
    if "imports" not in args.skip:
        result["imports"] = _optional("bench_imports", lambda: __import__("bench_imports").measure())
    if "mcp" not in args.skip:
        result["mcp"] = _optional("bench_mcp", lambda: __import__("bench_mcp").measure(200 if args.quick else 500))
    print(json.dumps(result, indent=2))


def _hledger(deps: Deps, data_dir: Path, orgs: dict[str, tuple[str, str]], runs: int) -> dict[str, Any]:
    import shutil

    import hledger_compare

    if shutil.which("hledger") is None:
        return {"unavailable": "hledger is not installed"}
    found: dict[str, Any] = {}
    with using(deps):
        for size, (org_id, _) in orgs.items():
            journal = data_dir / f"{size}.journal"
            hledger_compare.write_journal(deps, org_id, journal)
            compared = hledger_compare.account_totals_equal(deps, org_id, journal)
            timed = hledger_compare.time_pair(data_dir, org_id, journal, runs=runs)
            found[size] = {"every_account_equal_to_the_cent": compared["equal"],
                           "accounts": len(compared["accounts"]), "report_s": round(timed["ours_median_s"], 3),
                           "hledger_s": round(timed["hledger_median_s"], 3), "ratio": round(timed["ratio"], 3)}
    return found


if __name__ == "__main__":
    os.environ.setdefault("CASHPILOT_STAGE", "test")
    main()

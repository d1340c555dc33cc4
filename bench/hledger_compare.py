"""The books against hledger, the plain-text accounting tool: the same balances to the cent, and the whole-process
time of ``manage.py report trial-balance`` next to ``hledger bal --flat`` on the same books.

Functions for other benchmarks (``bench_scale.py`` calls them):

- ``write_journal(deps, org_id, path)``: the organization's books as an hledger journal, every entry with its
  lines, exact amounts and dates (one account per account code, as the trial balance groups them);
- ``account_totals_equal(deps, org_id, journal_path)``: ``hledger bal --flat -O csv`` on that journal against our
  trial balance, account by account, to the cent;
- ``time_pair(data_dir, org_id, journal_path, runs=3)``: the two commands as whole processes, alternated, medians.

Run from the repository root (needs ``hledger`` on the PATH): ``.venv/bin/python bench/hledger_compare.py
[--lines 10000 200000] [--runs 5]``, or ``--quick`` (10 000 lines, 3 runs). Books are built in a temporary data
folder through the real posting engine (``bench_ledger.post``: a sale of 3 lines, a payment of 2, alternated).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (str(ROOT), str(HERE)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from chalicelib.core.money import quantize  # noqa: E402
from chalicelib.ledger.models import Entry  # noqa: E402
from chalicelib.ledger.queries import trial_balance  # noqa: E402
from chalicelib.ledger.repository import entries_of_year, heads  # noqa: E402
from chalicelib.store.deps import Deps  # noqa: E402

ZERO = Decimal(0)


# --- the journal --------------------------------------------------------------------------------------------------


def _text(value: str) -> str:
    # ";" opens a comment in a journal; labels hold no control characters (the books refuse them)
    return value.replace(";", ",").strip()


def _transaction(entry: Entry) -> str:
    number = f"{entry.fiscal_year.year:04d}-{entry.number:06d}"
    head = (f"{entry.entry_date.isoformat()} * ({entry.journal} {number}) {_text(entry.piece_ref)} | "
            f"{_text(entry.label)}")
    postings = [f"    {line.account}    {line.debit - line.credit:f} {entry.currency}" for line in entry.lines]
    return "\n".join([head, *postings]) + "\n\n"


def write_journal(deps: Deps, org_id: str, path: Path) -> int:
    """Write every entry of the organization, fiscal year by fiscal year in number order, as an hledger journal at
    ``path``; returns the number of postings (journal lines) written."""
    postings = 0
    with Path(path).open("w", encoding="utf-8") as out:
        out.write("; the books of a CashPilot organization, every entry with its lines\ndecimal-mark .\n\n")
        for head in heads(deps.store, org_id):
            for entry in entries_of_year(deps.store, org_id, dt.date.fromisoformat(head["fiscal_year"])):
                out.write(_transaction(entry))
                postings += len(entry.lines)
    return postings


# --- the balances -------------------------------------------------------------------------------------------------


def _hledger() -> str:
    found = shutil.which("hledger")
    if found is None:
        raise RuntimeError("hledger is not on the PATH (apt-get install hledger)")
    return found


def _amount(text: str) -> Decimal:
    """A CSV balance of hledger (``-1234.50 EUR``, ``EUR -1234.50``, ``0``) as a Decimal; one commodity only."""
    if "," in text:
        raise ValueError(f"more than one commodity in {text!r}")
    for token in text.split():
        try:
            return Decimal(token)
        except InvalidOperation:
            continue
    raise ValueError(f"no amount in {text!r}")


def hledger_balances(journal_path: Path) -> dict[str, Decimal]:
    """Every account's balance (debit minus credit) as ``hledger bal --flat -E -O csv`` prints it."""
    done = subprocess.run([_hledger(), "-f", str(journal_path), "bal", "--flat", "-E", "-O", "csv"],
                          capture_output=True, text=True, check=True)
    rows = list(csv.reader(io.StringIO(done.stdout)))
    return {account: _amount(balance) for account, balance in rows[1:] if account != "total"}


def _last_day(deps: Deps, org_id: str) -> dt.date:
    ends = [dt.date.fromisoformat(head["fiscal_year_end"]) for head in heads(deps.store, org_id)]
    return max(ends, default=dt.date.today())


def account_totals_equal(deps: Deps, org_id: str, journal_path: Path) -> dict[str, Any]:
    """Our trial balance (up to the end of the last fiscal year with entries) against hledger's balances of the
    journal, account by account: ``{"equal": bool, "accounts": {code: {"ours", "hledger", "equal"}}}``, amounts as
    strings; an account one side does not list counts as zero there."""
    balance = trial_balance(deps, org_id, _last_day(deps, org_id))
    ours = {row.account_code: row.balance for row in balance.accounts}
    theirs = hledger_balances(journal_path)
    accounts = {}
    for code in sorted(ours.keys() | theirs.keys()):
        a, b = ours.get(code, ZERO), theirs.get(code, ZERO)
        # compared exactly; written with the currency's minor units (an exact amount never loses a digit there)
        shown = [f"{quantize(x, balance.currency):f}" if x == quantize(x, balance.currency) else f"{x:f}"
                 for x in (a, b)]
        accounts[code] = {"ours": shown[0], "hledger": shown[1], "equal": a == b}
    return {"equal": all(row["equal"] for row in accounts.values()), "accounts": accounts}


# --- the timing ---------------------------------------------------------------------------------------------------


def _run(command: list[str]) -> float:
    # As an installation runs: with bytecode caches (the untimed first run writes any that are missing)
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    started = time.perf_counter()
    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed


def time_pair(data_dir: Path, org_id: str, journal_path: Path, runs: int = 3) -> dict[str, Any]:
    """Wall time of ``manage.py report trial-balance`` and of ``hledger -f journal bal --flat`` as whole processes,
    one of each in turn (so a drift of the machine weighs on both), after one untimed run of each; medians in
    seconds and their ratio (ours / hledger: below 1 is faster). Both print to a discarded pipe, so neither draws
    for a terminal."""
    ours_cmd = [sys.executable, str(ROOT / "manage.py"), "report", "trial-balance", "--data-dir", str(data_dir),
                "--org", org_id]
    theirs_cmd = [_hledger(), "-f", str(journal_path), "bal", "--flat"]
    _run(ours_cmd), _run(theirs_cmd)
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(_run(ours_cmd))
        theirs.append(_run(theirs_cmd))
    ours_median, theirs_median = statistics.median(ours), statistics.median(theirs)
    return {"runs": runs, "ours_s": ours, "hledger_s": theirs, "ours_median_s": ours_median,
            "hledger_median_s": theirs_median, "ratio": ours_median / theirs_median}


# --- books to measure ---------------------------------------------------------------------------------------------


def build_books(data_dir: Path, lines: int) -> str:
    """A fresh organization in ``data_dir`` (its local one) with French books holding at least ``lines`` journal
    lines posted through the posting engine; returns its id."""
    from bench_ledger import post

    from chalicelib.auth.service import create_organization
    from chalicelib.bookkeeping.company import replace_company
    from chalicelib.bookkeeping.init import init_accounting
    from chalicelib.cli import local_state
    from chalicelib.company.models import CompanyUpdate
    from chalicelib.core.clock import FixedClock
    from chalicelib.core.settings import Settings
    from chalicelib.wiring import build_deps

    deps = build_deps(Settings(stage="test", data_dir=data_dir), FixedClock(dt.datetime(2026, 1, 15, 9, tzinfo=dt.UTC)))
    org_id = create_organization(deps, name="Bench", owner_email="bench@example.com").organization.id
    local_state.write(data_dir, {"org_id": org_id})
    replace_company(deps, org_id, CompanyUpdate(legal_name="Bench SARL", siren="732829320"))
    init_accounting(deps, org_id, "FR")
    entries = 2 * (lines // 5) + (0 if lines % 5 == 0 else 1 if lines % 5 <= 3 else 2)  # 3 + 2 lines a pair
    post(deps, org_id, 0, entries)
    return org_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[10_000, 200_000], help="journal lines of each run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="10 000 lines and 3 runs")
    args = parser.parse_args()
    sizes, runs = ([10_000], 3) if args.quick else (args.lines, args.runs)
    from chalicelib.core.settings import Settings
    from chalicelib.wiring import build_deps

    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            data_dir, journal = Path(tmp) / "data", Path(tmp) / "books.journal"
            started = time.perf_counter()
            org_id = build_books(data_dir, size)
            built = time.perf_counter() - started
            deps = build_deps(Settings(data_dir=data_dir))
            postings = write_journal(deps, org_id, journal)
            check = account_totals_equal(deps, org_id, journal)
            timing = time_pair(data_dir, org_id, journal, runs)
            print(json.dumps({"journal_lines": postings, "books_built_s": round(built, 1),
                              "balances_equal": check["equal"], "accounts": len(check["accounts"]),
                              "ours_median_s": round(timing["ours_median_s"], 3),
                              "hledger_median_s": round(timing["hledger_median_s"], 3),
                              "ratio_ours_over_hledger": round(timing["ratio"], 2), "runs": runs}))
            if not check["equal"]:
                print(json.dumps(check["accounts"], indent=2))
                raise SystemExit(1)


if __name__ == "__main__":
    main()

"""Benchmark of the demo year (``manage.py demo``), in-process on SQLite; prints figures (not a test).

For each framework (FR, BE, OHADA): the wall time of ``chalicelib.cli.demo.load_demo`` into a fresh organization
of a fresh SQLite folder (median of ``--runs`` runs), the number of documents it made, and the time of the second,
idempotent call (which finds the demo's marker and adds nothing).

Run from the repository root: ``.venv/bin/python bench/bench_demo.py [--runs 3]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chalicelib.auth.service import create_organization  # noqa: E402
from chalicelib.cli.demo import load_demo  # noqa: E402
from chalicelib.cli.demo.catalogue import COUNTRIES  # noqa: E402
from chalicelib.core.clock import FixedClock  # noqa: E402
from chalicelib.core.settings import Settings  # noqa: E402
from chalicelib.wiring import build_deps, using  # noqa: E402


def one_run(country: str) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as folder:
        deps = build_deps(Settings(data_dir=Path(folder)), clock=FixedClock(dt.datetime(2026, 12, 6, 9, tzinfo=dt.UTC)))
        with using(deps):
            org_id = create_organization(deps, name="Bench", owner_email="bench@example.com",
                                         currency=COUNTRIES[country].currency).organization.id
            started = time.perf_counter()
            result = load_demo(deps, org_id, country)
            first = time.perf_counter() - started
            started = time.perf_counter()
            load_demo(deps, org_id, country)
            second = time.perf_counter() - started
    return first, second, sum(v for k, v in result.counts.items() if k not in {"partial payments", "drafts",
                                                                               "invoices from quotes", "overdue"})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"{'books':<6} {'load (median s)':>16} {'second run (ms)':>16} {'documents':>10}")
    for country in COUNTRIES:
        runs = [one_run(country) for _ in range(args.runs)]
        print(f"{country:<6} {statistics.median(r[0] for r in runs):>16.2f} "
              f"{statistics.median(r[1] for r in runs) * 1000:>16.1f} {runs[0][2]:>10}")


if __name__ == "__main__":
    main()

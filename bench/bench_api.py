"""Benchmark of the REST API in-process, and of cold imports; prints its figures (it is not a test).

Measures the p50/p99 latency of ``GET /api/v1/clients`` (about 50 clients stored, ``limit=20``) and of
``POST /api/v1/clients`` through ``LocalClient`` against the whole app (``app.app``), on each storage
backend: SQLite in a temporary file, and DynamoDB emulated by moto in-process (moto's latency is not
DynamoDB's). Then the cold import time of ``app.py`` and of ``functions/clients.py`` in fresh interpreters.

Run from the repository root: ``.venv/bin/python bench/bench_api.py [--requests 300]`` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from chalicelib.api.local import LocalClient, LocalResponse
    from chalicelib.store.deps import Deps
    from chalicelib.store.port import Store

BACKENDS = ("sqlite", "dynamodb")
CLIENTS = "/api/v1/clients"
LIST = CLIENTS + "?limit=20"
MOTO_NOTE = """\
note: 'dynamodb' rows run against moto's in-process emulation. Moto latency is NOT DynamoDB latency
      (no network, no service, a different implementation): they show the app's overhead on that
      adapter plus moto's own cost, and nothing about production. moto's TransactWriteItems deep-copies
      the whole table once per item of the transaction, so its POST time grows with the table (and
      thus with --requests and --clients)."""
IMPORT_TARGETS = {"app.py (whole service)": "app", "functions/clients.py": "functions.clients"}
_IMPORT_PROBE = ("import sys, time\n"
                 "t = time.perf_counter()\n"
                 "import {module}\n"
                 "elapsed = time.perf_counter() - t\n"
                 "print(elapsed, len(sys.modules), 'boto3' in sys.modules, 'pydantic' in sys.modules)\n")


@dataclass(frozen=True)
class Latency:
    """Latencies of one operation on one backend, in milliseconds."""

    backend: str
    operation: str
    samples: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        return statistics.quantiles(self.samples, n=100, method="inclusive")[98]

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples)


@dataclass(frozen=True)
class ImportTime:
    """The cold import of one module: median wall time over fresh interpreters, and what it loaded."""

    label: str
    seconds: list[float]
    modules: int
    boto3: bool
    pydantic: bool


# --- backends ------------------------------------------------------------------------------------------


@contextlib.contextmanager
def open_store(backend: str, workdir: Path) -> Iterator[Store]:
    from chalicelib.core.clock import SystemClock

    if backend == "sqlite":
        from chalicelib.store.sqlite import SqliteStore

        yield SqliteStore(workdir / "bench.sqlite3", clock=SystemClock())
        return
    import boto3
    from moto import mock_aws

    from chalicelib.store.dynamodb import DynamoStore

    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-3")
        store = DynamoStore(client, f"bench-{uuid.uuid4().hex[:8]}", clock=SystemClock())
        store.create_table()
        yield store


def make_deps(store: Store, workdir: Path) -> Deps:
    """Collaborators whose quotas the benchmark cannot exhaust."""
    from chalicelib.core.clock import SystemClock
    from chalicelib.core.ids import new_id
    from chalicelib.core.settings import Settings
    from chalicelib.store.blobs import FileBlobStore
    from chalicelib.store.deps import Deps

    settings = Settings(stage="test", data_dir=workdir, rate_limit_cpk=100_000_000,
                        rate_limit_anonymous=100_000_000)
    return Deps(settings=settings, store=store, blobs=FileBlobStore(workdir / "blobs", b"b" * 32),
                clock=SystemClock(), new_id=new_id)


def tenant_client(deps: Deps) -> LocalClient:
    """A fresh organization and a client that sends its all-scopes key."""
    from app import app
    from chalicelib.api.local import LocalClient
    from chalicelib.auth.service import create_organization

    boot = create_organization(deps, name=f"Bench {uuid.uuid4().hex[:8]}",
                               owner_email=f"bench-{uuid.uuid4().hex[:8]}@example.com")
    return LocalClient(app, headers={"X-API-Key": boot.key.key})


# --- measurements --------------------------------------------------------------------------------------


def expect(response: LocalResponse, status: int, what: str) -> None:
    if response.status_code != status:
        raise SystemExit(f"{what}: expected {status}, got {response.status_code}: {response.text[:300]}")


def timed(call: Callable[[int], LocalResponse], count: int, status: int, what: str) -> list[float]:
    samples = []
    for i in range(count):
        start = time.perf_counter_ns()
        response = call(i)
        samples.append((time.perf_counter_ns() - start) / 1e6)
        expect(response, status, what)
    return samples


def new_client_body(i: int) -> dict[str, str]:
    return {"company_name": f"Bench client {i} {uuid.uuid4().hex[:6]}", "email": f"billing{i}@example.com",
            "city": "Bordeaux", "country": "FR"}


def seed(api: LocalClient, stored: int) -> None:
    for i in range(stored):
        expect(api.post(CLIENTS, json=new_client_body(i)), 201, "seeding clients")
    listing = api.get(LIST)
    expect(listing, 200, f"GET {LIST}")
    if len(listing.json()["data"]) != min(20, stored) or listing.json()["meta"]["total"] != stored:
        raise SystemExit(f"unexpected listing after seeding {stored} clients: {listing.json()['meta']}")


def run_series(api: LocalClient, requests: int, stored: int, warmup: int) -> tuple[list[float], list[float]]:
    """GET (with ``stored`` clients present) then POST, ``requests`` each, after ``warmup`` untimed calls."""
    timed(lambda _: api.get(LIST), warmup, 200, "warm-up GET")
    gets = timed(lambda _: api.get(LIST), requests, 200, f"GET {LIST}")
    timed(lambda i: api.post(CLIENTS, json=new_client_body(10**6 + i)), warmup, 201, "warm-up POST")
    posts = timed(lambda i: api.post(CLIENTS, json=new_client_body(stored + i)), requests, 201,
                  f"POST {CLIENTS}")
    return gets, posts


def bench_backend(backend: str, requests: int, stored: int, warmup: int) -> list[Latency]:
    """A fresh store, organization and key on ``backend``; the GET and POST series against them."""
    from chalicelib.wiring import using

    with tempfile.TemporaryDirectory(prefix="cashpilot-bench-") as tmp:
        workdir = Path(tmp)
        with open_store(backend, workdir) as store, using(make_deps(store, workdir)) as deps:
            api = tenant_client(deps)
            seed(api, stored)
            gets, posts = run_series(api, requests, stored, warmup)
    return [Latency(backend, f"GET  {LIST}", gets), Latency(backend, f"POST {CLIENTS}", posts)]


def import_time(label: str, module: str, runs: int) -> ImportTime:
    """Median over ``runs`` fresh interpreters, after one discarded run that warms the bytecode cache."""
    probe = _IMPORT_PROBE.format(module=module)
    seconds: list[float] = []
    fields: list[str] = []
    for i in range(runs + 1):
        out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True,
                             check=False)
        if out.returncode != 0:
            raise SystemExit(f"import {module} failed:\n{out.stderr}")
        fields = out.stdout.split()
        if i > 0:
            seconds.append(float(fields[0]))
    return ImportTime(label, seconds, int(fields[1]), fields[2] == "True", fields[3] == "True")


# --- report --------------------------------------------------------------------------------------------


def print_latencies(results: list[Latency], requests: int, stored: int) -> None:
    print(f"In-process API latency: LocalClient -> app.app, {requests} timed requests per row, "
          f"{stored} clients stored before the GETs")
    print(f"{'backend':<10} {'operation':<32} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'max ms':>8}")
    print("-" * 78)
    for r in results:
        print(f"{r.backend:<10} {r.operation:<32} {r.p50:>8.2f} {r.p99:>8.2f} {r.mean:>8.2f} "
              f"{max(r.samples):>8.2f}")
    if any(r.backend == "dynamodb" for r in results):
        print(MOTO_NOTE)


def print_imports(results: list[ImportTime], runs: int) -> None:
    print(f"\nCold import (fresh interpreter per run, median of {runs}, bytecode cache warm, "
          "interpreter start-up excluded)")
    print(f"{'module':<26} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'modules':>8} {'boto3':>6} "
          f"{'pydantic':>9}")
    print("-" * 80)
    for r in results:
        ms = [s * 1000 for s in r.seconds]
        print(f"{r.label:<26} {statistics.median(ms):>10.1f} {min(ms):>8.1f} {max(ms):>8.1f} {r.modules:>8} "
              f"{'yes' if r.boto3 else 'no':>6} {'yes' if r.pydantic else 'no':>9}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="CashPilot API latency (in-process) and cold import times.")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per operation and backend")
    parser.add_argument("--clients", type=int, default=50, help="clients stored before the GETs are timed")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests before each timed series")
    parser.add_argument("--import-runs", type=int, default=5, help="fresh interpreters per import figure")
    parser.add_argument("--backend", choices=BACKENDS, action="append",
                        help="limit to this backend (repeatable); default: both")
    parser.add_argument("--skip-imports", action="store_true", help="do not measure cold imports")
    args = parser.parse_args(argv)
    if args.requests < 2 or args.import_runs < 1 or args.clients < 0 or args.warmup < 0:
        parser.error("--requests must be >= 2, --import-runs >= 1, --clients and --warmup >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import logging

    logging.disable(logging.CRITICAL)
    print(f"python {sys.version.split()[0]} on {sys.platform}\n")
    latencies = [lat for backend in (args.backend or BACKENDS)
                 for lat in bench_backend(backend, args.requests, args.clients, args.warmup)]
    print_latencies(latencies, args.requests, args.clients)
    if not args.skip_imports:
        imports = [import_time(label, module, args.import_runs) for label, module in IMPORT_TARGETS.items()]
        print_imports(imports, args.import_runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())

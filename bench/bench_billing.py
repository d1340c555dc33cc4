"""Benchmark of invoice listing depth, invoice creation and payments, in-process; prints figures (not a test).

(a) ``GET /api/v1/invoices?limit=20``: page 1, page 50 by offset (``page=50``) and page 50 by cursor (the
    ``next_cursor`` of page 49), with ``--invoices`` (1100) invoices in one organization; each in wall time and in
    storage round trips, counted by ``CountingStore``, a proxy that forwards every call of the storage port to the
    real store and counts them (installed through ``chalicelib.wiring.using``; bench code, no mock). On
    DynamoDB it also counts the API calls boto3 sends (a botocore ``before-call`` hook), since one port ``query``
    can take several DynamoDB ``Query`` calls (1 MB per response).
(b) p50/p99 of ``POST /api/v1/invoices`` with 20 lines (issued: ``status`` ``sent``) and of ``POST /api/v1/payments``
    (the full balance of one of those invoices), in a fresh store and organization.

Backends as in ``bench_api.py``: SQLite in a temporary file, and DynamoDB emulated by moto in-process. Seeding 1100
invoices through moto's ``TransactWriteItems`` takes minutes (it deep-copies the table once per item of each
transaction), so the moto table of (a) is a copy, item by item (``PutItem``), of the SQLite store seeded through the
API: the same invoices, counters and key.

Run from the repository root: ``.venv/bin/python bench/bench_billing.py`` (see bench/README.md).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sqlite3
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from bench_api import BACKENDS, Latency, expect, make_deps, tenant_client  # noqa: E402

from chalicelib.store.port import Condition, IndexName, Item, Operation, Page, Store  # noqa: E402

if TYPE_CHECKING:
    from chalicelib.api.local import LocalClient

INVOICES = "/api/v1/invoices"
PAYMENTS = "/api/v1/payments"
LIST = INVOICES + "?limit=20"
DEEP_PAGE = 50
WRITES = ("put", "delete", "transact", "increment")
MOTO_NOTE = """\
note: 'dynamodb' rows run against moto's in-process emulation; moto latency is NOT DynamoDB latency (no network,
      no service, a different implementation). moto's Query on an index walks every item of the table and sorts the
      matches whatever the page size, so even page 1 costs ~100 ms there: for listings, the store-call and item
      columns are what carries over to DynamoDB, not the times. moto's TransactWriteItems deep-copies the whole
      table once per item of the transaction, so its POST times (and the process's memory) grow with the table."""


# --- counting round trips ----------------------------------------------------------------------------------------


class CountingStore:
    """The storage port of ``inner``, forwarded call for call, counting each call and the items queries return."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()
        self.query_items = 0

    def reset(self) -> None:
        self.calls.clear()
        self.query_items = 0

    def get(self, pk: str, sk: str) -> Item | None:
        self.calls["get"] += 1
        return self.inner.get(pk, sk)

    def batch_get(self, keys: Sequence[tuple[str, str]]) -> list[Item]:
        self.calls["batch_get"] += 1
        return self.inner.batch_get(keys)

    def query(self, pk: str, *, index: IndexName | None = None, prefix: str | None = None, start: str | None = None,
              end: str | None = None, forward: bool = True, limit: int = 100, cursor: str | None = None) -> Page:
        self.calls["query"] += 1
        page = self.inner.query(pk, index=index, prefix=prefix, start=start, end=end, forward=forward, limit=limit,
                                cursor=cursor)
        self.query_items += len(page.items)
        return page

    def put(self, item: Item, condition: Condition | None = None) -> None:
        self.calls["put"] += 1
        self.inner.put(item, condition)

    def delete(self, pk: str, sk: str, condition: Condition | None = None) -> None:
        self.calls["delete"] += 1
        self.inner.delete(pk, sk, condition)

    def transact(self, operations: Sequence[Operation]) -> None:
        self.calls["transact"] += 1
        self.inner.transact(operations)

    def increment(self, pk: str, sk: str, attribute: str, by: int = 1, *, at_most: int | None = None,
                  at_least: int | None = None, ttl: int | None = None) -> int:
        self.calls["increment"] += 1
        return self.inner.increment(pk, sk, attribute, by, at_most=at_most, at_least=at_least, ttl=ttl)

    def __getattr__(self, name: str) -> Any:  # anything an adapter has beyond the port
        return getattr(self.inner, name)


@dataclass
class ApiCalls:
    """DynamoDB API calls boto3 sent (by operation), through botocore's ``before-call`` event."""

    calls: Counter[str] = field(default_factory=Counter)

    def hook(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1

    def total(self) -> int:
        return sum(self.calls.values())


@dataclass(frozen=True)
class Cost:
    """What one request cost the store: storage-port calls, items its queries returned, DynamoDB API calls."""

    calls: dict[str, int]
    query_items: int
    api_calls: int | None

    @property
    def writes(self) -> int:
        return sum(self.calls.get(name, 0) for name in WRITES)


@dataclass(frozen=True)
class Row:
    backend: str
    label: str
    latency: Latency
    cost: Cost


@dataclass
class Bench:
    """One backend's store behind the counting proxy, the app's collaborators installed, a tenant's client."""

    backend: str
    store: CountingStore
    api_calls: ApiCalls | None
    api: LocalClient

    def request(self, method: str, path: str, body: Any = None) -> tuple[float, Any, Cost]:
        """One request: its wall time in ms, its answer (status checked) and its store cost."""
        self.store.reset()
        if self.api_calls:
            self.api_calls.calls.clear()
        start = time.perf_counter_ns()
        response = self.api.request(method, path, json_body=body)
        elapsed = (time.perf_counter_ns() - start) / 1e6
        expect(response, 201 if method == "POST" else 200, f"{method} {path}")
        cost = Cost(dict(self.store.calls), self.store.query_items,
                    self.api_calls.total() if self.api_calls else None)
        return elapsed, response.json(), cost


# --- backends ------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def open_backend(backend: str, workdir: Path, api: LocalClient | None = None) -> Iterator[Bench]:
    """A counting store on ``backend`` installed as the app's store; a new tenant unless ``api`` is given."""
    from app import app
    from chalicelib.api.local import LocalClient
    from chalicelib.core.clock import SystemClock
    from chalicelib.wiring import using

    if backend == "sqlite":
        from chalicelib.store.sqlite import SqliteStore

        store = CountingStore(SqliteStore(workdir / f"bench-{uuid.uuid4().hex[:8]}.sqlite3", clock=SystemClock()))
        with using(make_deps(store, workdir)) as deps:
            yield Bench(backend, store, None, api or tenant_client(deps))
        return
    import boto3
    from moto import mock_aws

    from chalicelib.store.dynamodb import DynamoStore

    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-3")
        dynamo = DynamoStore(client, f"bench-{uuid.uuid4().hex[:8]}", clock=SystemClock())
        dynamo.create_table()
        calls = ApiCalls()
        client.meta.events.register("before-call.dynamodb", calls.hook)
        store = CountingStore(dynamo)
        with using(make_deps(store, workdir)) as deps:
            yield Bench(backend, store, calls, LocalClient(app, headers=api.headers) if api else tenant_client(deps))


def copy_sqlite_items(sqlite_file: Path, target: Store) -> int:
    """Every item of a SQLite store written into ``target`` one ``put`` at a time; returns how many."""
    from chalicelib.store import sqlite_layout as layout
    with contextlib.closing(sqlite3.connect(sqlite_file)) as conn:
        parts = layout.Parts()
        items = [layout.decode(conn, parts, row) for row in
                 conn.execute(f"SELECT {layout.COLUMNS} FROM rows ORDER BY p, sk").fetchall()]
    for item in items:
        target.put(item)
    return len(items)


# --- (a) listing depth ---------------------------------------------------------------------------------------------


def seed_invoices(bench: Bench, count: int) -> None:
    """``count`` issued invoices of a few clients, dated over about two years (so newest-first order is by date)."""
    clients = [bench.request("POST", "/api/v1/clients", {"company_name": f"Bench client {i}"})[1]["data"]["id"]
               for i in range(10)]
    first = date(2025, 1, 1)
    for i in range(count):
        bench.request("POST", INVOICES, {
            "client_id": clients[i % len(clients)], "date": (first + timedelta(days=i % 700)).isoformat(),
            "total_ht": 100 + i % 50, "tax_rate": 20, "total_ttc": round((100 + i % 50) * 1.2, 2),
            "status": "sent"})


def cursor_of_page(bench: Bench, page: int) -> str:
    """The ``next_cursor`` of page ``page - 1``, reached by following cursors from page 1."""
    cursor = None
    for _ in range(page - 1):
        body = bench.request("GET", LIST + (f"&cursor={quote(cursor)}" if cursor else ""))[1]
        cursor = body["meta"]["next_cursor"]
        if cursor is None:
            raise SystemExit(f"fewer than {page} pages of 20 invoices: raise --invoices")
    assert cursor is not None
    return cursor


def measure_get(bench: Bench, label: str, path: str, repeat: int, warmup: int,
                notes: list[str]) -> tuple[Row, list[str]]:
    """``repeat`` timed GETs after ``warmup`` untimed ones. The cost reported is the most frequent one; a request
    that cost otherwise (the key's ``last_used_at``, written at most once a minute) is named in ``notes``."""
    for _ in range(warmup):
        bench.request("GET", path)
    samples: list[float] = []
    costs: Counter[str] = Counter()
    ids: list[str] = []
    for _ in range(repeat):
        elapsed, body, cost = bench.request("GET", path)
        samples.append(elapsed)
        costs[json.dumps(cost.__dict__, sort_keys=True)] += 1
        ids = [inv["id"] for inv in body["data"]]
    usual, _ = costs.most_common(1)[0]
    for other, times in costs.items():
        if other != usual:
            notes.append(f"{bench.backend} {label}: {times} of {repeat} requests cost {other}")
    return Row(bench.backend, label, Latency(bench.backend, label, samples), Cost(**json.loads(usual))), ids


def listing_rows(bench: Bench, repeat: int, warmup: int, notes: list[str]) -> list[Row]:
    cursor = cursor_of_page(bench, DEEP_PAGE)
    first, _ = measure_get(bench, "page 1", LIST, repeat, warmup, notes)
    by_offset, offset_ids = measure_get(bench, f"page {DEEP_PAGE}, offset (page={DEEP_PAGE})",
                                        f"{LIST}&page={DEEP_PAGE}", repeat, warmup, notes)
    by_cursor, cursor_ids = measure_get(bench, f"page {DEEP_PAGE}, cursor of page {DEEP_PAGE - 1}",
                                        f"{LIST}&cursor={quote(cursor)}", repeat, warmup, notes)
    if offset_ids != cursor_ids or len(offset_ids) != 20:
        raise SystemExit(f"page {DEEP_PAGE} by offset and by cursor differ ({len(offset_ids)}/{len(cursor_ids)})")
    return [first, by_offset, by_cursor]


def bench_listing(backends: Sequence[str], invoices: int, repeat: int, warmup: int,
                  moto: tuple[int, int]) -> tuple[list[Row], list[str]]:
    """SQLite seeded through the API, then the same items copied into moto; ``moto`` = (repeat, warmup) there."""
    rows: list[Row] = []
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cashpilot-bench-") as tmp:
        workdir = Path(tmp)
        with open_backend("sqlite", workdir) as sqlite_bench:
            started = time.perf_counter()
            seed_invoices(sqlite_bench, invoices)
            seconds = time.perf_counter() - started
            notes.append(f"seeded {invoices} invoices through the API on SQLite in {seconds:.1f} s")
            if "sqlite" in backends:
                rows += listing_rows(sqlite_bench, repeat, warmup, notes)
            sqlite_file = next(workdir.glob("bench-*.sqlite3"))
            api = sqlite_bench.api
        if "dynamodb" in backends:
            with open_backend("dynamodb", workdir, api=api) as dynamo_bench:
                started = time.perf_counter()
                copied = copy_sqlite_items(sqlite_file, dynamo_bench.store.inner)
                notes.append(f"moto table: the same {invoices} invoices, copied from SQLite ({copied} items, PutItem "
                             f"one by one, {time.perf_counter() - started:.1f} s), not created through moto's "
                             "TransactWriteItems (minutes)")
                rows += listing_rows(dynamo_bench, *moto, notes)
    return rows, notes


# --- (b) creating invoices and payments --------------------------------------------------------------------------


def twenty_lines(i: int) -> dict[str, Any]:
    rates = (20, 10, 5.5, 20)
    return {"status": "sent", "items": [
        {"description": f"Article {i}-{n}", "quantity": 1 + n % 4, "unit_price": round(12.5 + n * 3.35, 2),
         "tax_rate": rates[n % len(rates)], "discount": 5 if n % 5 == 0 else 0} for n in range(20)]}


def series(call: Callable[[int], float], count: int) -> list[float]:
    return [call(i) for i in range(count)]


def bench_writes(backend: str, requests: int, warmup: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="cashpilot-bench-") as tmp, open_backend(backend, Path(tmp)) as bench:
        client_id = bench.request("POST", "/api/v1/clients", {"company_name": "Bench 20 lines"})[1]["data"]["id"]
        created: list[dict[str, Any]] = []
        costs: dict[str, Cost] = {}

        def create(i: int) -> float:
            elapsed, body, costs["invoice"] = bench.request("POST", INVOICES, {"client_id": client_id,
                                                                               **twenty_lines(i)})
            if len(body["data"]["items"]) != 20 or body["data"]["status"] != "sent":
                raise SystemExit(f"unexpected invoice: {body['data']}")
            created.append(body["data"])
            return elapsed

        def pay(i: int) -> float:
            invoice = created[i]
            elapsed, body, costs["payment"] = bench.request("POST", PAYMENTS, {"invoice_id": invoice["id"],
                                                                               "amount": invoice["total_ttc"]})
            if body["invoice_payment_status"] != "paid":
                raise SystemExit(f"the payment left the invoice {body['invoice_payment_status']}")
            return elapsed

        series(create, warmup)
        invoice_ms = series(lambda i: create(warmup + i), requests)
        series(pay, warmup)
        payment_ms = series(lambda i: pay(warmup + i), requests)
    return [Row(backend, "POST /api/v1/invoices (20 lines, sent)", Latency(backend, "invoice", invoice_ms),
                costs["invoice"]),
            Row(backend, "POST /api/v1/payments (full balance)", Latency(backend, "payment", payment_ms),
                costs["payment"])]


# --- report --------------------------------------------------------------------------------------------------------


def print_rows(title: str, rows: list[Row]) -> None:
    print(title)
    print(f"{'backend':<9} {'request':<38} {'p50 ms':>7} {'p99 ms':>7} {'mean ms':>8} {'query':>6} {'q.items':>7} "
          f"{'get':>4} {'b_get':>5} {'writes':>6} {'ddb calls':>9}")
    print("-" * 109)
    for r in rows:
        c = r.cost
        ddb = "" if c.api_calls is None else str(c.api_calls)
        print(f"{r.backend:<9} {r.label:<38} {r.latency.p50:>7.2f} {r.latency.p99:>7.2f} {r.latency.mean:>8.2f} "
              f"{c.calls.get('query', 0):>6} {c.query_items:>7} {c.calls.get('get', 0):>4} "
              f"{c.calls.get('batch_get', 0):>5} {c.writes:>6} {ddb:>9}")


def per_backend(backends: Sequence[str], sqlite: int, moto: int) -> str:
    return ", ".join(f"{moto} on moto (its time and memory grow with the table)" if b == "dynamodb"
                     else f"{sqlite} on sqlite" for b in backends)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="CashPilot invoice listing depth, invoice and payment latency.")
    parser.add_argument("--invoices", type=int, default=1100, help="invoices stored for the listing figures")
    parser.add_argument("--repeat", type=int, default=100, help="timed requests per listing row")
    parser.add_argument("--requests", type=int, default=200, help="timed POSTs per write row")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests before each timed series")
    parser.add_argument("--moto-repeat", type=int, default=10,
                        help="timed requests per listing row on moto (an offset page 50 takes seconds there)")
    parser.add_argument("--moto-requests", type=int, default=40,
                        help="timed POSTs per write row on moto (its memory and time grow with the table)")
    parser.add_argument("--backend", choices=BACKENDS, action="append", help="limit to this backend (repeatable)")
    parser.add_argument("--skip-listing", action="store_true", help="only the write figures (b)")
    parser.add_argument("--skip-writes", action="store_true", help="only the listing figures (a)")
    args = parser.parse_args(argv)
    if (args.invoices < DEEP_PAGE * 20 or min(args.repeat, args.requests, args.moto_repeat, args.moto_requests) < 2
            or args.warmup < 0):
        parser.error(f"--invoices must be >= {DEEP_PAGE * 20}, the request counts >= 2, --warmup >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import logging

    logging.disable(logging.CRITICAL)
    backends = args.backend or list(BACKENDS)
    moto_warmup = min(args.warmup, 2)
    print(f"python {sys.version.split()[0]} on {sys.platform}\n")
    if not args.skip_listing:
        rows, notes = bench_listing(backends, args.invoices, args.repeat, args.warmup,
                                    (args.moto_repeat, moto_warmup))
        counts = per_backend(backends, args.repeat, args.moto_repeat)
        print_rows(f"(a) GET {LIST}: {args.invoices} invoices in one organization; timed requests per row: {counts}; "
                   "store cost of one request", rows)
        print("".join(f"    {note}\n" for note in notes))
    if not args.skip_writes:
        rows = [row for backend in backends
                for row in bench_writes(backend, args.moto_requests if backend == "dynamodb" else args.requests,
                                        moto_warmup if backend == "dynamodb" else args.warmup)]
        counts = per_backend(backends, args.requests, args.moto_requests)
        print_rows(f"(b) writes in a fresh store and organization; timed requests per row: {counts}; each payment "
                   "settles one of the invoices just created; store cost of the last request", rows)
    print("\ncolumns: query / get / b_get = storage-port calls of one request, q.items = items its queries returned, "
          "writes = put + delete + transact + increment calls, ddb calls = DynamoDB API calls boto3 sent")
    if "dynamodb" in backends:
        print(MOTO_NOTE)
    return 0


if __name__ == "__main__":
    sys.exit(main())

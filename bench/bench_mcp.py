"""Benchmark of the MCP endpoint in-process, and of its cold start; prints its figures (it is not a test).

1. Latency, through ``LocalClient`` against the whole app on SQLite (a temporary file), of a ``tools/call`` of
   ``get_dashboard_kpis`` (route, key check, quota counter, the call answered in the view's thread by
   ``chalicelib/mcp/fastpath.py``, serialization) next to the equivalent REST call,
   ``GET /api/v1/analytics/kpis``, on the same organization (20 clients, 40 issued invoices).
2. The transport's own cost (``measure``): ``tools/call`` of ``list_clients`` and ``get_trial_balance`` next to
   the REST routes doing the same (``GET /api/v1/clients?limit=20``, ``GET /api/v1/accounting/trial-balance``),
   each call sent twice, as it comes (answered in the view's thread, ``chalicelib/mcp/fastpath.py``) and through
   the SDK's app (``fastpath.sdk_only()``), the six requests in turn, so every side sees the same machine load;
   medians (wall and CPU time) and their differences.
3. Cold start in fresh interpreters (median of ``--import-runs``): the import of ``functions/mcp.py`` next to
   ``functions/clients.py`` (the SDK is imported lazily, so both are REST-sized), then what the MCP function's
   first request really costs: import, SDK import, server build and one ``tools/call``.

Run from the repository root: ``.venv/bin/python bench/bench_mcp.py [--requests 300]``; other scripts call
``measure(samples)``, which returns the figures of 2. as a JSON-ready dict.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    from chalicelib.api.local import LocalClient, LocalResponse
    from chalicelib.store.deps import Deps

MCP_HEADERS = {"Host": "127.0.0.1:8000", "Accept": "application/json, text/event-stream",
               "Content-Type": "application/json"}
CLIENTS_LIMIT = 20
# What measure() compares: a REST path, and the tool (with its arguments) answering the same.
PAIRS: dict[str, tuple[str, str, dict[str, object]]] = {
    "list_clients": (f"/api/v1/clients?limit={CLIENTS_LIMIT}", "list_clients", {"limit": CLIENTS_LIMIT}),
    "trial_balance": ("/api/v1/accounting/trial-balance", "get_trial_balance", {}),
}
KPIS_CALL = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "get_dashboard_kpis",
                                                                          "arguments": {}}}
_IMPORT_PROBE = ("import sys, time\n"
                 "t = time.perf_counter()\n"
                 "import {module}\n"
                 "print(time.perf_counter() - t, len(sys.modules), 'mcp' in sys.modules)\n")
_FIRST_CALL_PROBE = """\
import json, sys, tempfile, time
from pathlib import Path
from chalicelib.core.settings import Settings
from chalicelib.wiring import build_deps, install_deps
from chalicelib.auth.service import create_organization
deps = build_deps(Settings(stage="test", data_dir=Path(tempfile.mkdtemp())))
install_deps(deps)
key = create_organization(deps, name="Cold", owner_email="cold@example.com").key.key
t = time.perf_counter()
from functions.mcp import app
from chalicelib.api.local import LocalClient
headers = {**HEADERS, "X-API-Key": key}
answer = LocalClient(app, headers=headers).request("POST", "/mcp", body=json.dumps(CALL).encode())
assert answer.status_code == 200 and '"isError":false' in answer.text, answer.text[:300]
print(time.perf_counter() - t, len(sys.modules), 'mcp' in sys.modules)
"""


def make_deps(workdir: Path) -> Deps:
    """SQLite collaborators whose quotas the benchmark cannot exhaust."""
    from chalicelib.core.clock import SystemClock
    from chalicelib.core.ids import new_id
    from chalicelib.core.settings import Settings
    from chalicelib.store.blobs import FileBlobStore
    from chalicelib.store.deps import Deps
    from chalicelib.store.sqlite import SqliteStore

    settings = Settings(stage="test", data_dir=workdir, rate_limit_cpk=100_000_000, rate_limit_anonymous=100_000_000)
    return Deps(settings=settings, store=SqliteStore(workdir / "bench.sqlite3", clock=SystemClock()),
                blobs=FileBlobStore(workdir / "blobs", b"b" * 32), clock=SystemClock(), new_id=new_id)


def organization(deps: Deps, clients: int, invoices: int, books: bool = False) -> LocalClient:
    """A fresh organization with some clients and issued invoices of this month (posted to French books when
    ``books``), and a client with its key."""
    import datetime as dt

    from app import app
    from chalicelib.api.local import LocalClient
    from chalicelib.auth.service import create_organization

    boot = create_organization(deps, name=f"Bench {uuid.uuid4().hex[:8]}", owner_email="bench@example.com")
    api = LocalClient(app, headers={"X-API-Key": boot.key.key})
    if books:
        expect(api.post("/api/v1/accounting/init", json={"country": "FR"}), 201, "initializing the books")
    ids = [api.post("/api/v1/clients", json={"company_name": f"Client {i}"}).json()["data"]["id"]
           for i in range(clients)]
    today = dt.date.today().isoformat()
    for i in range(invoices):
        expect(api.post("/api/v1/invoices", json={"client_id": ids[i % clients], "date": today, "total_ht": "100.00",
                                                  "tax_rate": 20, "status": "sent"}), 201, "seeding invoices")
    return api


def expect(response: LocalResponse, status: int, what: str) -> None:
    if response.status_code != status:
        raise SystemExit(f"{what}: expected {status}, got {response.status_code}: {response.text[:300]}")


def timed(call: Callable[[], LocalResponse], count: int, check: Callable[[LocalResponse], None]) -> list[float]:
    samples = []
    for _ in range(count):
        start = time.perf_counter_ns()
        response = call()
        samples.append((time.perf_counter_ns() - start) / 1e6)
        check(response)
    return samples


def latencies(requests: int, warmup: int) -> dict[str, list[float]]:
    from chalicelib.wiring import using

    def rest_ok(response: LocalResponse) -> None:
        expect(response, 200, "GET /api/v1/analytics/kpis")

    def mcp_ok(response: LocalResponse) -> None:
        expect(response, 200, "tools/call get_dashboard_kpis")
        if json.loads(response.body)["result"]["isError"]:
            raise SystemExit(f"tools/call failed: {response.text[:300]}")

    with tempfile.TemporaryDirectory(prefix="cashpilot-bench-") as tmp, using(make_deps(Path(tmp))) as deps:
        api = organization(deps, clients=20, invoices=40)
        body = json.dumps(KPIS_CALL).encode()

        def rest() -> LocalResponse:
            return api.get("/api/v1/analytics/kpis")

        def mcp() -> LocalResponse:
            return api.request("POST", "/mcp", body=body, headers=MCP_HEADERS)

        timed(rest, warmup, rest_ok)
        timed(mcp, warmup, mcp_ok)  # the first one imports the SDK
        results = {"REST GET /api/v1/analytics/kpis": timed(rest, requests, rest_ok),
                   "MCP  tools/call get_dashboard_kpis": timed(mcp, requests, mcp_ok)}
    return results


def tool_call(tool: str, arguments: dict[str, object]) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                       "params": {"name": tool, "arguments": arguments}}).encode()


def _checked(response: LocalResponse, what: str, mcp: bool) -> None:
    expect(response, 200, what)
    if mcp and json.loads(response.body)["result"]["isError"]:
        raise SystemExit(f"{what} failed: {response.text[:300]}")


def measure(samples: int = 300, warmup: int = 20) -> dict[str, object]:
    """Median in-process milliseconds of each REST route and of its MCP ``tools/call`` (``PAIRS``), and the
    transport's overhead (MCP - REST), from ``samples`` rounds sending the six requests in turn.

    ``mcp_ms``/``overhead_ms`` are the call as it comes (answered without the SDK's app, which the check of every
    answer asserts); ``sdk_ms``/``sdk_overhead_ms`` the same call through the SDK's app (``fastpath.sdk_only()``).
    The ``*_ms`` figures are wall times; the ``*_cpu_ms`` ones the process CPU time of the same requests (every
    thread: the view, the MCP event loop), which a busy machine inflates much less than the wall time of a request
    crossing threads. ``load_average`` is the 1-minute load before and after the run. The organization holds 50
    clients and 40 issued invoices posted to French books (a trial balance of a few accounts); every request goes
    through ``LocalClient`` to the whole app on SQLite, as ``latencies`` does."""
    import logging

    if samples < 1:
        raise ValueError("samples must be >= 1")
    load_before = os.getloadavg()[0]
    quiet_before = logging.root.manager.disable
    logging.disable(logging.CRITICAL)  # access lines would be timed too; the caller's setting comes back after
    try:
        wall, cpu = _alternated(samples, warmup)
    finally:
        logging.disable(quiet_before)
    figures: dict[str, object] = {"samples": samples, "load_average": [round(load_before, 2),
                                                                       round(os.getloadavg()[0], 2)]}
    for name in PAIRS:
        rest, rest_cpu = statistics.median(wall[f"rest {name}"]), statistics.median(cpu[f"rest {name}"])
        row: dict[str, float] = {"rest_ms": round(rest, 3), "rest_cpu_ms": round(rest_cpu, 3)}
        for side, prefix in (("mcp", "mcp_"), ("sdk", "sdk_")):
            ms, cpu_ms = statistics.median(wall[f"{side} {name}"]), statistics.median(cpu[f"{side} {name}"])
            over = "" if side == "mcp" else prefix
            row |= {f"{prefix}ms": round(ms, 3), f"{over}overhead_ms": round(ms - rest, 3),
                    f"{prefix}cpu_ms": round(cpu_ms, 3), f"{over}overhead_cpu_ms": round(cpu_ms - rest_cpu, 3)}
        figures[name] = row
    return figures


Series = dict[str, list[float]]


def _through_sdk(call: Callable[[], LocalResponse]) -> LocalResponse:
    from chalicelib.mcp import fastpath

    with fastpath.sdk_only():
        return call()


def _alternated(samples: int, warmup: int) -> tuple[Series, Series]:
    from chalicelib.mcp import fastpath
    from chalicelib.wiring import using

    wall: Series = {f"{side} {name}": [] for name in PAIRS for side in ("rest", "mcp", "sdk")}
    cpu: Series = {label: [] for label in wall}
    with tempfile.TemporaryDirectory(prefix="cashpilot-bench-") as tmp, using(make_deps(Path(tmp))) as deps:
        api = organization(deps, clients=50, invoices=40, books=True)
        calls: list[tuple[str, Callable[[], LocalResponse], bool]] = []
        for name, (path, tool, arguments) in PAIRS.items():
            mcp = partial(api.request, "POST", "/mcp", body=tool_call(tool, arguments), headers=MCP_HEADERS)
            calls.append((f"rest {name}", partial(api.get, path), False))
            calls.append((f"mcp {name}", mcp, True))
            calls.append((f"sdk {name}", partial(_through_sdk, mcp), True))
        for round_ in range(warmup + samples):
            for label, call, is_mcp in calls:
                answered = fastpath.answered()
                cpu_start, start = time.process_time_ns(), time.perf_counter_ns()
                response = call()
                elapsed, cpu_used = time.perf_counter_ns() - start, time.process_time_ns() - cpu_start
                _checked(response, label, is_mcp)
                if (fastpath.answered() > answered) != label.startswith("mcp "):
                    raise SystemExit(f"{label} took the wrong path")
                if round_ >= warmup:
                    wall[label].append(elapsed / 1e6)
                    cpu[label].append(cpu_used / 1e6)
    return wall, cpu


COLUMNS = ("rest_ms", "mcp_ms", "overhead_ms", "sdk_ms", "sdk_overhead_ms",
           "rest_cpu_ms", "mcp_cpu_ms", "overhead_cpu_ms", "sdk_cpu_ms", "sdk_overhead_cpu_ms")


def print_overhead(figures: dict[str, object]) -> None:
    """The medians of ``measure`` side by side: REST, the call answered directly (``mcp``), through the SDK's app."""
    print(f"{'':<14}" + "".join(f"{column.removesuffix('_ms'):>{len(column) + 1}}" for column in COLUMNS))
    for name in PAIRS:
        row = figures[name]
        assert isinstance(row, dict)
        print(f"{name:<14}" + "".join(f"{row[column]:>{len(column) + 1}.3f}" for column in COLUMNS))
    print(f"load average {figures['load_average']} (before, after), {figures['samples']} rounds")


def cold(probe: str, runs: int) -> tuple[list[float], int, bool]:
    """Median-ready seconds over ``runs`` fresh interpreters (after one discarded run warming the bytecode)."""
    seconds: list[float] = []
    fields: list[str] = []
    for i in range(runs + 1):
        out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise SystemExit(f"cold-start probe failed:\n{out.stderr[-2000:]}")
        fields = out.stdout.split()
        if i > 0:
            seconds.append(float(fields[0]))
    return seconds, int(fields[1]), fields[2] == "True"


def print_latencies(results: dict[str, list[float]], requests: int) -> None:
    print(f"In-process latency (LocalClient -> app.app, SQLite, {requests} timed requests per row)")
    print(f"{'operation':<38} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'max ms':>8}")
    print("-" * 74)
    for name, samples in results.items():
        p99 = statistics.quantiles(samples, n=100, method="inclusive")[98]
        print(f"{name:<38} {statistics.median(samples):>8.2f} {p99:>8.2f} {statistics.fmean(samples):>8.2f} "
              f"{max(samples):>8.2f}")


def print_cold(runs: int) -> None:
    print(f"\nCold start (fresh interpreter per run, median of {runs}, bytecode cache warm, interpreter start-up "
          "excluded)")
    print(f"{'what':<48} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'modules':>8} {'SDK':>5}")
    print("-" * 92)
    first_call = _FIRST_CALL_PROBE.replace("HEADERS", repr(MCP_HEADERS)).replace("CALL", repr(KPIS_CALL))
    probes = {"import functions/clients.py": _IMPORT_PROBE.format(module="functions.clients"),
              "import functions/mcp.py": _IMPORT_PROBE.format(module="functions.mcp"),
              "functions/mcp.py import + first tools/call": first_call}
    for label, probe in probes.items():
        seconds, modules, sdk = cold(probe, runs)
        ms = [s * 1000 for s in seconds]
        print(f"{label:<48} {statistics.median(ms):>10.1f} {min(ms):>8.1f} {max(ms):>8.1f} {modules:>8} "
              f"{'yes' if sdk else 'no':>5}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="MCP endpoint latency (in-process) and cold start.")
    parser.add_argument("--requests", type=int, default=300, help="timed requests per row")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests before each series")
    parser.add_argument("--import-runs", type=int, default=5, help="fresh interpreters per cold-start figure")
    parser.add_argument("--skip-cold", action="store_true", help="do not measure cold starts")
    parser.add_argument("--skip-overhead", action="store_true", help="do not measure the MCP overhead over REST")
    args = parser.parse_args(argv)
    if args.requests < 2 or args.import_runs < 1 or args.warmup < 1:
        parser.error("--requests must be >= 2, --import-runs and --warmup >= 1")
    import logging

    logging.disable(logging.CRITICAL)
    print(f"python {sys.version.split()[0]} on {sys.platform}\n")
    print_latencies(latencies(args.requests, args.warmup), args.requests)
    if not args.skip_overhead:
        print(f"\nMCP overhead over REST (medians of {args.requests} alternated rounds, ms): answered directly "
              "next to the SDK's app")
        print_overhead(measure(args.requests, args.warmup))
    if not args.skip_cold:
        print_cold(args.import_runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())

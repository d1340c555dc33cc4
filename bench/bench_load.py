"""Load benchmark of the real local server over loopback; prints its figures as JSON (it is not a test).

Starts ``manage.py serve`` (cheroot) on a free 127.0.0.1 port with a temporary data folder and ``--exit-after``,
creates a key whose quota the run cannot exhaust, then drives ``--clients`` concurrent keep-alive connections for
``--seconds`` with a mix of reads and writes: ``GET /api/v1/clients?limit=20`` (50 %), ``GET /api/v1/invoices?limit=20``
(15 %), ``POST /api/v1/clients`` (10 %), ``PATCH /api/v1/clients/{id}`` (15 %) and ``POST /api/v1/invoices`` with
``status`` ``sent`` (10 %). Then, in the same run and with the same load, the stock Chalice ``LocalDevServer``
(``http.server``, listen backlog 5) serving the same app through the same ``Gateway``, for a before/after ratio.

Reported per server: connection errors by kind (a refused or reset connection is reopened and counted), answers by
status (409s are concurrent updates of one organization's records), p50/p99 latency of answered requests in
milliseconds, throughput in answers per second, and tracebacks in the server's log.

Run from the repository root: ``.venv/bin/python bench/bench_load.py [--clients 200] [--seconds 30] [--quick]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only
# The stock server as `manage.py serve` ran it before cheroot: Chalice's LocalDevServer with the greedy Gateway.
STOCK_SERVER = """\
import logging, sys, threading
from http.server import BaseHTTPRequestHandler
from chalice.config import Config
from chalice.local import ChaliceRequestHandler, LocalDevServer
from chalicelib.wiring import build_deps, install_deps
from chalicelib.core.settings import Settings
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
install_deps(build_deps(Settings()))
from app import app
from chalicelib.api.local import Gateway, make_thread_safe, redact
log = logging.getLogger("cashpilot.http")
class Handler(ChaliceRequestHandler):
    disable_nagle_algorithm = True
    def __init__(self, request, client_address, server, app_object, config):
        self.local_gateway = Gateway(app_object, config)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)
    def log_message(self, format, *args):
        log.info("%s %s", self.address_string(), redact(format % args))
server = LocalDevServer(make_thread_safe(app), Config(), "127.0.0.1", int(sys.argv[1]), handler_cls=Handler)
timer = threading.Timer(float(sys.argv[2]), server.server.shutdown)
timer.daemon = True
timer.start()
print("Serving on", flush=True)
server.server.serve_forever()
"""
MIX = (("list_clients", 50), ("list_invoices", 15), ("create_client", 10), ("patch_client", 15),
       ("create_invoice", 10))


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def manage(data_dir: Path, *args: str) -> str:
    return subprocess.run([sys.executable, "manage.py", *args, "--data-dir", str(data_dir)], cwd=ROOT, check=True,
                          capture_output=True, text=True, timeout=120).stdout


@contextmanager
def running(kind: str, data_dir: Path, port: int, limit: float) -> Iterator[Path]:
    log_path = data_dir / f"{kind}.log"
    if kind == "cheroot":
        command = [sys.executable, "-u", "manage.py", "serve", "--port", str(port), "--data-dir", str(data_dir),
                   "--exit-after", str(limit)]
    else:
        command = [sys.executable, "-u", "-c", STOCK_SERVER, str(port), str(limit)]
    env = {**os.environ, "CASHPILOT_DATA_DIR": str(data_dir)}
    with log_path.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 90
        while "Serving on" not in log_path.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{kind} server did not start:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.1)
        yield log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def call(conn: http.client.HTTPConnection, method: str, path: str, key: str, body: Any = None) -> tuple[int, bytes]:
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    return response.status, response.read()


def operation(name: str, n: int, client_ids: list[str]) -> tuple[str, str, Any]:
    some_client = random.choice(client_ids)
    if name == "list_clients":
        return "GET", "/api/v1/clients?limit=20", None
    if name == "list_invoices":
        return "GET", "/api/v1/invoices?limit=20", None
    if name == "create_client":
        return "POST", "/api/v1/clients", {"company_name": f"Load {n}", "city": "Lyon"}
    if name == "patch_client":
        return "PATCH", f"/api/v1/clients/{some_client}", {"city": f"City {n}"}
    return "POST", "/api/v1/invoices", {"client_id": some_client, "status": "sent", "items": [
        {"description": f"Service {n}", "quantity": 2, "unit_price": "120.50", "tax_rate": 20}]}


def worker(port: int, key: str, client_ids: list[str], start: threading.Barrier, stop_at: list[float],
           tally: Tally) -> None:
    names = [name for name, _ in MIX]
    weights = [weight for _, weight in MIX]
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    start.wait()
    n = 0
    while time.monotonic() < stop_at[0]:
        n += 1
        method, path, body = operation(random.choices(names, weights)[0], n, client_ids)
        began = time.perf_counter()
        try:
            status, _ = call(conn, method, path, key, body)
        except (OSError, http.client.HTTPException) as exc:
            with tally.lock:
                tally.errors[type(exc).__name__] += 1
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            continue
        elapsed = (time.perf_counter() - began) * 1000
        with tally.lock:
            tally.latencies.append(elapsed)
            tally.statuses[status] += 1
    conn.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def setup(data_dir: Path) -> tuple[str, list[str]]:
    """An organization, a key with a quota the run cannot exhaust, and 20 clients to PATCH and invoice."""
    org = json.loads(manage(data_dir, "create-org", "--name", "Load SAS", "--email", "load@example.com"))
    created = json.loads(manage(data_dir, "create-key", "--org", org["organization_id"], "--name", "load",
                                "--rate-limit", "1000000", "--rate-window", "3600"))
    return str(created["key"]), []  # the clients are created over HTTP once the server runs


def load(kind: str, clients: int, seconds: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"cashpilot-load-{kind}-") as tmp:
        data_dir = Path(tmp)
        key, client_ids = setup(data_dir)
        port = free_port()
        with running(kind, data_dir, port, seconds + 120) as log_path:
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            for i in range(20):
                status, body = call(conn, "POST", "/api/v1/clients", key, {"company_name": f"Seed {i}"})
                if status != 201:
                    raise SystemExit(f"{kind}: seeding a client answered {status}: {body[:200]!r}")
                client_ids.append(json.loads(body)["data"]["id"])
            conn.close()
            tally = Tally()
            start = threading.Barrier(clients + 1)
            stop_at = [0.0]
            threads = [threading.Thread(target=worker, args=(port, key, client_ids, start, stop_at, tally),
                                        daemon=True) for _ in range(clients)]
            for thread in threads:
                thread.start()
            stop_at[0] = time.monotonic() + seconds
            began = time.monotonic()
            start.wait()
            for thread in threads:
                thread.join(timeout=seconds + 60)
            wall = time.monotonic() - began
            server_log = log_path.read_text(errors="replace")
    answered = sum(tally.statuses.values())
    return {
        "server": kind,
        "answered": answered,
        "connection_errors": sum(tally.errors.values()),
        "errors_by_kind": dict(tally.errors),
        "statuses": {str(code): count for code, count in sorted(tally.statuses.items())},
        "p50_ms": round(statistics.median(tally.latencies), 1) if tally.latencies else None,
        "p99_ms": round(percentile(tally.latencies, 0.99), 1),
        "mean_ms": round(statistics.fmean(tally.latencies), 1) if tally.latencies else None,
        "max_ms": round(max(tally.latencies), 1) if tally.latencies else None,
        "throughput_rps": round(answered / wall, 1),
        "server_tracebacks": server_log.count("Traceback"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200, help="concurrent connections (default 200)")
    parser.add_argument("--seconds", type=float, default=30, help="duration of each load (default 30)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run: 50 clients for 3 seconds")
    parser.add_argument("--skip-stock", action="store_true", help="do not measure the stock Chalice server")
    args = parser.parse_args()
    clients, seconds = (50, 3.0) if args.quick else (args.clients, args.seconds)
    after = load("cheroot", clients, seconds)
    report: dict[str, Any] = {"clients": clients, "seconds": seconds, "mix": dict(MIX), "after": after}
    if not args.skip_stock:
        before = load("stock", clients, seconds)
        report["before"] = before
        report["ratio_after_over_before"] = {
            "throughput": round(after["throughput_rps"] / before["throughput_rps"], 2)
            if before["throughput_rps"] else None,
            "p50": round(after["p50_ms"] / before["p50_ms"], 2) if before["p50_ms"] else None,
            "p99": round(after["p99_ms"] / before["p99_ms"], 2) if before["p99_ms"] else None,
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

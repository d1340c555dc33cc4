"""Benchmark of cold imports: the whole app and every Lambda entry point, against a bare Chalice app.

Each target is imported in a fresh interpreter, ``runs`` times, after one discarded run that fills the bytecode
cache; the runs go round-robin over the targets so that a busy moment of the machine spreads over all of them. The
figure is the import statement alone (interpreter start-up excluded): its wall time and the CPU time of the
process during it (``time.process_time``, steadier on a shared machine), with their ratio to the bare app
(``from chalice import Chalice; app = Chalice("bare")``, the floor every Chalice function pays).

Deferred work is not free: what an import no longer does (building a model's validator, importing a group of the
whole app) the first request does. ``measure_first_request()`` gives that total, the import plus one
``GET`` through the Lambda handler (an API Gateway proxy event, no socket) on a fresh SQLite store.

``measure()`` returns plain JSON-serialisable data (``bench_scale.py`` includes it in its report); ``main()``
prints it, and with ``--first-request`` the second figure under ``first_request``. Run from the repository root:
``.venv/bin/python bench/bench_imports.py [--runs 5] [--first-request]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BARE = 'from chalice import Chalice; app = Chalice("bare")'
HEAVY = ("boto3", "botocore", "pydantic", "pydantic_settings", "lxml", "reportlab", "facturx", "pypdf", "mcp",
         "argon2", "matplotlib", "rich", "email_validator", "stdnum", "asyncio", "cheroot")
_PROBE = """\
import json, sys, time
before = set(sys.modules)
wall, cpu = time.perf_counter(), time.process_time()
{statement}
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
loaded = set(sys.modules) - before
print(json.dumps({{"wall": wall, "cpu": cpu, "modules": len(loaded),
                  "heavy": sorted(name for name in {heavy!r} if name in loaded)}}))
"""


def targets() -> dict[str, str]:
    """Label -> import statement: the bare app, ``app`` and each module of ``functions/`` (one per Lambda)."""
    functions = sorted(p.stem for p in (ROOT / "functions").glob("*.py") if p.stem != "__init__")
    return {"bare": BARE, "app": "import app", **{f"functions.{name}": f"import functions.{name}"
                                                 for name in functions}}


def _probe(statement: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # the warm-up writes the cache
    out = subprocess.run([sys.executable, "-c", _PROBE.format(statement=statement, heavy=HEAVY)], cwd=ROOT,
                         env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{statement!r} failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def measure(runs: int = 5) -> dict[str, Any]:
    """Cold import figures of the bare app, ``app`` and every ``functions/`` module, in one run.

    Returns::

        {"runs": 5, "python": "3.11.2", "baseline": "bare",
         "imports": {"<label>": {"statement": "import functions.clients",
                                 "wall_ms": 97.1, "cpu_ms": 95.8,      # medians over ``runs`` interpreters
                                 "wall_ratio": 3.9, "cpu_ratio": 3.9,  # to the bare app's medians
                                 "modules": 260,                      # modules the statement loaded
                                 "heavy": ["pydantic"]}, ...}}        # of HEAVY, those it loaded

    Labels are ``bare``, ``app`` and ``functions.<name>``, in that order.
    """
    if runs < 1:
        raise ValueError("runs must be >= 1")
    plan = targets()
    for statement in plan.values():  # discarded: fills the bytecode cache
        _probe(statement)
    samples: dict[str, list[dict[str, Any]]] = {label: [] for label in plan}
    for _ in range(runs):
        for label, statement in plan.items():
            samples[label].append(_probe(statement))
    figures = {label: _summary(plan[label], rows) for label, rows in samples.items()}
    bare = figures["bare"]
    for row in figures.values():
        row["wall_ratio"] = round(row["wall_ms"] / bare["wall_ms"], 2)
        row["cpu_ratio"] = round(row["cpu_ms"] / bare["cpu_ms"], 2)
    return {"runs": runs, "python": sys.version.split()[0], "baseline": "bare", "imports": figures}


def _summary(statement: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"statement": statement,
            "wall_ms": round(statistics.median(r["wall"] for r in rows) * 1000, 1),
            "cpu_ms": round(statistics.median(r["cpu"] for r in rows) * 1000, 1),
            "modules": int(statistics.median(r["modules"] for r in rows)),
            "heavy": rows[-1]["heavy"]}


_SETUP = """\
import sys
from pathlib import Path
from chalicelib.auth.service import create_organization
from chalicelib.core.settings import Settings
from chalicelib.wiring import build_deps
deps = build_deps(Settings(stage="test", data_dir=Path(sys.argv[1])))
print(create_organization(deps, name="Cold start", owner_email="cold@example.com").key.key)
"""
_FIRST_REQUEST_PROBE = """\
import json, sys, time
wall, cpu = time.perf_counter(), time.process_time()
from {module} import app
event = {{"resource": {path!r}, "path": {path!r}, "httpMethod": "GET", "body": None, "isBase64Encoded": False,
         "headers": {{"X-API-Key": sys.argv[1]}}, "multiValueHeaders": {{"X-API-Key": [sys.argv[1]]}},
         "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
         "stageVariables": None, "requestContext": {{"resourcePath": {path!r}, "httpMethod": "GET", "path": {path!r},
                                                   "identity": {{"sourceIp": "127.0.0.1"}}, "stage": "bench"}}}}
answer = app(event, None)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
assert answer["statusCode"] == 200, answer
print(json.dumps({{"wall": wall, "cpu": cpu, "modules": len(sys.modules), "heavy": []}}))
"""
FIRST_REQUESTS = {"app": "/api/v1/clients", "functions.clients": "/api/v1/clients",
                  "functions.invoices": "/api/v1/invoices"}


def measure_first_request(runs: int = 5) -> dict[str, Any]:
    """Import plus the first ``GET`` (``FIRST_REQUESTS``: module -> path) through the app's Lambda handler, medians
    over fresh interpreters after one discarded run, on one organization of a temporary SQLite store.

    Returns ``{"runs": 5, "requests": {"app GET /api/v1/clients": {"wall_ms": ..., "cpu_ms": ...,
    "modules": ...}, ...}}`` (``modules``: what ``sys.modules`` holds after the answer).
    """
    with tempfile.TemporaryDirectory() as data_dir:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(CASHPILOT_DATA_DIR=data_dir, CASHPILOT_STAGE="test")
        key = subprocess.run([sys.executable, "-c", _SETUP, data_dir], cwd=ROOT, env=env, capture_output=True,
                             text=True, check=True).stdout.strip().splitlines()[-1]
        samples: dict[str, list[dict[str, Any]]] = {module: [] for module in FIRST_REQUESTS}
        for run in range(runs + 1):
            for module, path in FIRST_REQUESTS.items():
                code = _FIRST_REQUEST_PROBE.format(module=module, path=path)
                out = subprocess.run([sys.executable, "-c", code, key], cwd=ROOT, env=env, capture_output=True,
                                     text=True, check=False)
                if out.returncode != 0:
                    raise RuntimeError(f"first request of {module} failed:\n{out.stderr}")
                if run:  # the first round is discarded: it fills the bytecode cache
                    samples[module].append(json.loads(out.stdout.strip().splitlines()[-1]))
    requests = {}
    for module, rows in samples.items():
        row = _summary(f"import {module}", rows)
        requests[f"{module} GET {FIRST_REQUESTS[module]}"] = {k: row[k] for k in ("wall_ms", "cpu_ms", "modules")}
    return {"runs": runs, "requests": requests}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cold import times of the app and of every Lambda function.")
    parser.add_argument("--runs", type=int, default=5, help="fresh interpreters per target (default 5)")
    parser.add_argument("--first-request", action="store_true",
                        help="also time the import plus a first GET through the Lambda handler")
    args = parser.parse_args(argv)
    report = measure(args.runs)
    if args.first_request:
        report["first_request"] = measure_first_request(args.runs)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

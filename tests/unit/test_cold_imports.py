"""What a cold start loads: a route group's Lambda function imports neither the heavy libraries its routes do not
need nor the other groups, and the whole app registers every route from the committed route index without
importing any group. Behavioural (what is in ``sys.modules``), never timed: the figures are ``bench/bench_imports.py``.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.api.apps import build_app, build_lazy_app
from chalicelib.api.registry import INFRASTRUCTURE, all_groups, groups_by_module
from chalicelib.api.route_index import ROUTES
from schemas import generate_routes

ROOT = Path(__file__).resolve().parents[2]
# Loaded by the routes that need them (PDF, XML exports, MCP, passwords, the AWS backends, the CLI), never at import.
HEAVY = ("boto3", "botocore", "lxml", "reportlab", "facturx", "fpdf", "pypdf", "PIL", "mcp", "argon2",
         "matplotlib", "rich", "cheroot", "pydantic_settings", "email_validator", "stdnum", "schwifty", "yaml",
         "asyncio")
ROUTES_MODULES = {f"chalicelib.api.{name}" for name in ROUTES}
_PROBE = "import json, sys\nimport {module}\nprint(json.dumps(sorted(sys.modules)))\n"


def _loaded_by(module: str) -> set[str]:
    """The modules a fresh interpreter holds after importing ``module`` (and nothing else)."""
    out = subprocess.run([sys.executable, "-c", _PROBE.format(module=module)], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    return set(json.loads(out.stdout))


def _heavy(loaded: set[str]) -> list[str]:
    return sorted(name for name in HEAVY if name in loaded)


@pytest.mark.parametrize("module", ["functions.clients", "functions.invoices"])
def test_a_route_group_function_loads_no_heavy_library_no_other_group_and_not_the_books(module: str) -> None:
    loaded = _loaded_by(module)
    own = {"functions.clients": "chalicelib.api.clients", "functions.invoices": "chalicelib.api.invoices"}[module]
    assert _heavy(loaded) == []
    assert own in loaded
    assert sorted(m for m in loaded if m.startswith("chalicelib.api.") and m in ROUTES_MODULES and m != own) == []
    assert sorted(m for m in loaded if m.startswith("chalicelib.ledger")) == []  # loaded by the first posting


def test_the_whole_app_imports_no_route_group_no_model_library_and_no_heavy_library() -> None:
    loaded = _loaded_by("app")
    assert _heavy(loaded) == []
    assert "pydantic" not in loaded
    assert sorted(loaded & ROUTES_MODULES) == []


def test_the_route_index_is_up_to_date() -> None:
    diff = generate_routes.check()
    assert not diff, "chalicelib/api/route_index.py is stale; run python schemas/generate_routes.py\n" + "".join(
        diff[:40])


def _routes(app: object) -> dict[str, dict[str, str]]:
    return {path: {method: entry.view_name for method, entry in methods.items()}
            for path, methods in app.routes.items()}  # type: ignore[attr-defined]


def test_the_lazy_app_registers_exactly_the_routes_and_view_names_of_the_groups() -> None:
    assert _routes(build_lazy_app("lazy", ROUTES)) == _routes(build_app("eager", list(all_groups())))


def test_every_module_of_the_api_package_is_a_route_group_or_listed_as_infrastructure() -> None:
    names = {path.stem for path in (ROOT / "chalicelib" / "api").glob("*.py") if path.stem != "__init__"}
    assert set(groups_by_module()) == names - INFRASTRUCTURE
    assert not [name for name in INFRASTRUCTURE & names
                if hasattr(importlib.import_module(f"chalicelib.api.{name}"), "group")]

"""Matrix samples of the ``analytics`` routes: each reads figures, so a plain request with its query is enough."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.api.local import LocalClient
from tests.integration.matrix import Sample

BASE = "/api/v1/analytics"

REQUESTS: dict[str, Callable[[LocalClient], Sample]] = {
    "getDashboardKPIs": lambda o: Sample(f"{BASE}/kpis?month=2026-03"),
    "getCashFlow": lambda o: Sample(f"{BASE}/cash-flow?months=6"),
    "getTopClients": lambda o: Sample(f"{BASE}/top-clients?limit=10"),
}

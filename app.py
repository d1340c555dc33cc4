"""The whole CashPilot Chalice app: every route group on one API (local runs, tests, single-Lambda deploys).

Wiring only; per-group Lambda entry points are in ``functions/``. The routes are registered from the route index,
and each group is imported by its first request, so a cold start pays for the group it serves, not for all of
them.
"""

from chalicelib.api.apps import build_lazy_app
from chalicelib.api.route_index import ROUTES

app = build_lazy_app("cashpilot", ROUTES)

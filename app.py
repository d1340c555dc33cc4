"""The whole CashPilot Chalice app: every route group on one API (local runs, tests, single-Lambda deploys).

Wiring only; per-group Lambda entry points are in ``functions/``.
"""

from chalicelib.api.apps import build_app
from chalicelib.api.registry import all_groups

app = build_app("cashpilot", list(all_groups()))

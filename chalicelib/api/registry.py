"""Every route group of the service: each module of ``chalicelib.api`` that defines a ``group``.

The whole app, the OpenAPI document and the deployment template are built from this list, so adding a route group
is adding its module. Importing this module imports every group (the per-group Lambda functions do not).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

import chalicelib.api as package
from chalicelib.api.routing import RouteGroup, RouteSpec


@cache
def all_groups() -> tuple[RouteGroup, ...]:
    groups = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        group = getattr(importlib.import_module(f"chalicelib.api.{info.name}"), "group", None)
        if isinstance(group, RouteGroup):
            groups.append(group)
    return tuple(groups)


def all_routes() -> list[RouteSpec]:
    return [route for group in all_groups() for route in group.routes]


def api_resources() -> list[str]:
    """The top-level resources under ``/api/v1`` (listed by the 404 answer and the API index)."""
    names = {r.path.split("/")[3] for r in all_routes() if r.path.startswith("/api/v1/") and r.documented}
    return sorted(names)

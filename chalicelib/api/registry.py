"""Every route group of the service, in one list: the whole app, the OpenAPI document and the deployment
template are built from it. Importing this module imports every group (the per-group Lambda functions do not)."""

from __future__ import annotations

from chalicelib.api.routing import RouteGroup, RouteSpec


def all_groups() -> list[RouteGroup]:
    from chalicelib.api import clients, keys, meta

    return [meta.group, keys.group, clients.group]


def all_routes() -> list[RouteSpec]:
    return [route for group in all_groups() for route in group.routes]


def api_resources() -> list[str]:
    """The top-level resources under ``/api/v1`` (listed by the 404 answer and the API index)."""
    names = {r.path.split("/")[3] for r in all_routes() if r.path.startswith("/api/v1/") and r.documented}
    return sorted(names)

"""Builds a Chalice app from route groups: the whole service (``app.py``) or one Lambda function's share."""

from __future__ import annotations

from chalice import Chalice

from chalicelib.api.routing import RouteGroup


def build_app(name: str, groups: list[RouteGroup]) -> Chalice:
    app = Chalice(app_name=name, debug=False)
    app.api.binary_types = [t for t in app.api.binary_types if t != "application/json"]
    for group in groups:
        app.register_blueprint(group.blueprint)
    return app

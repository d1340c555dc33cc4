"""Builds a Chalice app from route groups: the whole service (``app.py``) or one Lambda function's share."""

from __future__ import annotations

import logging

from chalice import Chalice

from chalicelib.api.pipeline import handle
from chalicelib.api.routing import RouteGroup


def build_app(name: str, groups: list[RouteGroup]) -> Chalice:
    # Chalice would set its app logger (named after the app, a parent of ours) to ERROR; logging is ours to set.
    app = Chalice(app_name=name, debug=False, configure_logs=False)
    logging.getLogger("cashpilot").setLevel(logging.INFO)
    # JSON is text; receipts and exports travel as bytes (PDF and HEIC are not in Chalice's defaults).
    app.api.binary_types = [t for t in app.api.binary_types if t != "application/json"]
    app.api.binary_types += [t for t in ("application/pdf", "image/heic") if t not in app.api.binary_types]
    for group in groups:
        app.register_blueprint(group.blueprint(handle))
    return app

"""Builds a Chalice app from route groups: one Lambda function's share (``build_app``), or the whole service from
the route index without importing a group before its first request (``build_lazy_app``, for ``app.py``)."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Chalice

from chalicelib.api.methods import ALL_CONTENT_TYPES, sealing

if TYPE_CHECKING:
    from chalicelib.api.routing import RouteGroup, View



# XML and CSV stay out: SAF-T, Factur-X XML and CSV exports answer with them, and Chalice refuses a binary-typed
# answer to a client whose Accept header does not name it; statements in those formats upload as text or as
# application/octet-stream
BINARY_TYPES = ("application/pdf", "image/heic", "multipart/form-data", "application/vnd.ms-excel",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/x-ofx")


def _new_app(name: str) -> Chalice:
    # Chalice would set its app logger (named after the app, a parent of ours) to ERROR; logging is ours to set.
    app = Chalice(app_name=name, debug=False, configure_logs=False)
    logging.getLogger("cashpilot").setLevel(logging.INFO)
    # JSON is text; receipts, exports and statement files travel as bytes (a cp1252 CSV is not UTF-8 text).
    app.api.binary_types = [t for t in app.api.binary_types if t != "application/json"]
    app.api.binary_types += [t for t in BINARY_TYPES if t not in app.api.binary_types]
    return app


def build_app(name: str, groups: list[RouteGroup]) -> Chalice:
    from chalicelib.api.pipeline import handle  # not at the top: build_lazy_app must not load the pipeline

    app = _new_app(name)
    for group in groups:
        app.register_blueprint(group.blueprint(handle))
    return app


def build_lazy_app(name: str, index: Mapping[str, tuple[str, Sequence[tuple[str, str, str]]]]) -> Chalice:
    """An app answering every route of ``index`` (module -> (group name, declared (method, path, operation id)))
    and those ``seal`` adds to them; a group's module, its services and the request pipeline are imported by the
    first request that needs them."""
    app = _new_app(name)
    for module, (group_name, declared) in index.items():
        bp = Blueprint(f"chalicelib.api.{module}")
        group = _LazyGroup(bp, module)
        routes = [*declared, *((m, p, op) for m, p, op, _ in sealing(group_name, list(declared)))]
        for method, path, operation_id in routes:
            bp.route(path, methods=[method], content_types=ALL_CONTENT_TYPES)(group.endpoint(operation_id))
        app.register_blueprint(bp)
    return app


class _LazyGroup:
    """The routes of one group's module on one blueprint, bound to the real group on first use."""

    def __init__(self, bp: Blueprint, module: str) -> None:
        self._bp = bp
        self._module = module
        self._views: dict[str, View] = {}

    def endpoint(self, operation_id: str) -> View:
        def endpoint(**path_params: str) -> Any:
            view = self._views.get(operation_id) or self._bind(operation_id)
            return view(**path_params)

        endpoint.__name__ = operation_id
        return endpoint

    def _bind(self, operation_id: str) -> View:
        # The group's module and the pipeline are imported here, by the first request to one of its routes.
        from chalicelib.api.pipeline import handle

        group: RouteGroup = importlib.import_module(f"chalicelib.api.{self._module}").group
        spec = next(s for s in group.routes if s.operation_id == operation_id)
        view = self._views[operation_id] = group.endpoint(self._bp, spec, handle)
        return view

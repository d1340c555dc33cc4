"""Route groups and the route table.

A ``RouteGroup`` holds the declarations of one context's routes: method, path, the scope it needs, its
request/query/response models, and the view. ``blueprint()`` turns them into a fresh Chalice blueprint for one app
(a Lambda function holds one group; ``app.py`` holds them all), so several apps can be built in one process. The
same table drives the request pipeline, the OpenAPI document, the deployment template and the scope/isolation
matrix tests, so they cannot disagree. Every declared path answers every standard method: the undeclared ones
with 405 and an ``Allow`` header.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from chalice import Blueprint
from pydantic import BaseModel

from chalicelib.api.methods import ALL_CONTENT_TYPES, sealing
from chalicelib.api.views import method_not_allowed
from chalicelib.auth.scopes import Action


@dataclass(frozen=True)
class RouteSpec:
    """One operation.

    Attributes:
        action / resource: the scope the caller's key needs; ``action=None`` is a public route.
        body / query: pydantic models the pipeline validates the JSON body and the query string against.
        response: the model of ``data`` (documentation); ``list_response`` wraps it in the list envelope, ``bare``
            says the answer is the model itself (its own ``data`` and ``summary``), not wrapped in ``data``.
        binary: the answer is not JSON (files, HTML); the pipeline passes it through untouched.
        documented: whether the operation appears in the OpenAPI document (the 404 catch-all does not).
        not_allowed: the 405 answer of a method the path does not declare (added by ``RouteGroup.seal``).
        replayable: whether an ``Idempotency-Key`` may replay the answer (not when it carries a secret).
        max_body: the largest JSON body the route reads, in bytes (``None``: the pipeline's 1 MiB default).
    """

    group: str
    method: str
    path: str
    operation_id: str
    summary: str
    action: Action | None
    resource: str | None
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    response: Any = None
    status: int = 200
    list_response: bool = False
    bare: bool = False
    binary: bool = False
    tag: str = ""
    description: str = ""
    documented: bool = True
    not_allowed: bool = False
    replayable: bool = True
    max_body: int | None = None


View = Callable[..., Any]
Handler = Callable[..., Any]  # runs one request: (blueprint, route, view, path parameters) -> response


@dataclass
class RouteGroup:
    """A context's route declarations; ``blueprint()`` builds them into a blueprint for one app."""

    name: str
    tag: str
    routes: list[RouteSpec] = field(default_factory=list)
    views: dict[str, View] = field(default_factory=dict)
    declared: int | None = None  # how many routes the group declared itself (set by ``seal``; the rest follow)

    def route(self, method: str, path: str, **spec: Any) -> Callable[[View], View]:
        def register(view: View) -> View:
            route_spec = RouteSpec(group=self.name, method=method, path=path, tag=spec.pop("tag", self.tag), **spec)
            self.routes.append(route_spec)
            self.views[route_spec.operation_id] = view
            return view

        return register

    def paths(self) -> list[str]:
        return list(dict.fromkeys(r.path for r in self.routes))

    def seal(self) -> RouteGroup:
        """Declare the HEAD of every GET and the 405 answer of every undeclared method of every path (call once all
        routes are declared)."""
        self.declared = len(self.routes)
        declared = {r.operation_id: r for r in self.routes}
        for method, path, operation_id, get in sealing(self.name, [(r.method, r.path, r.operation_id)
                                                                   for r in self.routes]):
            if get is not None:
                self.routes.append(replace(declared[get], method="HEAD", operation_id=operation_id, documented=False))
                self.views[operation_id] = self.views[get]
            else:
                allowed = [r.method for r in declared.values() if r.path == path]
                self.route(method, path, operation_id=operation_id, summary="Method not allowed", action=None,
                           resource=None, documented=False, not_allowed=True)(method_not_allowed(allowed))
        return self

    def blueprint(self, handle: Handler) -> Blueprint:
        """A new blueprint serving this group's routes through ``handle`` (the request pipeline's), one per app:
        Chalice binds a blueprint to its app."""
        bp = Blueprint(f"chalicelib.api.{self.name}")
        for spec in self.routes:
            bp.route(spec.path, methods=[spec.method], content_types=ALL_CONTENT_TYPES)(self.endpoint(bp, spec, handle))
        return bp

    def endpoint(self, bp: Blueprint, spec: RouteSpec, handle: Handler) -> View:
        """The Chalice view of one route of ``bp``: the route's view run through ``handle``."""
        return _endpoint(bp, spec, self.views[spec.operation_id], handle)


def _endpoint(bp: Blueprint, spec: RouteSpec, view: View, handle: Handler) -> View:
    def endpoint(**path_params: str) -> Any:
        return handle(bp, spec, view, path_params)

    endpoint.__name__ = spec.operation_id
    return endpoint

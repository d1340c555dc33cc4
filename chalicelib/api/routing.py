"""Route groups and the route table.

A ``RouteGroup`` is one Chalice blueprint (one Lambda function when deployed) plus the declarations of its routes:
method, path, the scope it needs, its request/query/response models. The same table drives the request pipeline,
the OpenAPI document, the deployment template and the scope/isolation matrix tests, so they cannot disagree.
Every declared path answers every standard method: the undeclared ones with 405 and an ``Allow`` header.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalice import Blueprint
from pydantic import BaseModel

from chalicelib.auth.scopes import Action

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ALL_CONTENT_TYPES = ["*/*"]


@dataclass(frozen=True)
class RouteSpec:
    """One operation.

    Attributes:
        action / resource: the scope the caller's key needs; ``action=None`` is a public route.
        body / query: pydantic models the pipeline validates the JSON body and the query string against.
        response: the model of ``data`` (documentation); ``list_response`` wraps it in the list envelope.
        binary: the answer is not JSON (files, HTML); the pipeline passes it through untouched.
        documented: whether the operation appears in the OpenAPI document (the 404 catch-all does not).
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
    binary: bool = False
    tag: str = ""
    description: str = ""
    documented: bool = True


View = Callable[..., Any]


@dataclass
class RouteGroup:
    """A blueprint and its route declarations; ``seal()`` adds the 405 answers once all routes are declared."""

    name: str
    tag: str
    routes: list[RouteSpec] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.blueprint = Blueprint(f"chalicelib.api.{self.name}")

    def route(self, method: str, path: str, **spec: Any) -> Callable[[View], View]:
        def register(view: View) -> View:
            from chalicelib.api.pipeline import handle

            route_spec = RouteSpec(group=self.name, method=method, path=path, tag=spec.pop("tag", self.tag), **spec)
            self.routes.append(route_spec)

            def endpoint(**path_params: str) -> Any:
                return handle(self.blueprint, route_spec, view, path_params)

            endpoint.__name__ = route_spec.operation_id
            self.blueprint.route(path, methods=[method], content_types=ALL_CONTENT_TYPES)(endpoint)
            return view

        return register

    def paths(self) -> list[str]:
        return list(dict.fromkeys(r.path for r in self.routes))

    def seal(self) -> RouteGroup:
        from chalicelib.api.pipeline import method_not_allowed

        for path in self.paths():
            declared = [r.method for r in self.routes if r.path == path]
            for method in METHODS:
                if method in declared:
                    continue

                def endpoint(_allowed: list[str] = declared, **path_params: str) -> Any:
                    return method_not_allowed(self.blueprint, _allowed)

                endpoint.__name__ = f"{self.name}_{method.lower()}_not_allowed_{len(self.routes)}"
                self.blueprint.route(path, methods=[method], content_types=ALL_CONTENT_TYPES)(endpoint)
        return self

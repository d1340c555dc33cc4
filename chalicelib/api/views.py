"""What a view receives (``Ctx``: the collaborators, the caller, the parsed request) and may answer (``Reply``), and
the view of a method a path does not declare (405). Shared by the route table (``chalicelib.api.routing``) and the
request pipeline (``chalicelib.api.pipeline``) that runs the views.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chalice.app import Request

from chalicelib.auth.models import Principal
from chalicelib.core.errors import MethodNotAllowed
from chalicelib.store.deps import Deps


@dataclass
class Ctx:
    """What a view receives: the collaborators, the caller, and the parsed request."""

    deps: Deps
    principal: Principal | None
    path: dict[str, str]
    body: Any
    query: Any
    request: Request

    @property
    def caller(self) -> Principal:
        """The authenticated caller (every non-public route has one)."""
        assert self.principal is not None, "public routes have no caller"
        return self.principal

    @property
    def org_id(self) -> str:
        return self.caller.org_id


@dataclass
class Reply:
    """A view's answer when the default (``{"data": ...}`` with the route's status) is not enough."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    raw: bool = False  # body is already the wire text/bytes (files, HTML)


def deleted() -> Reply:
    """The answer of every successful DELETE: ``{"success": true}``."""
    return Reply({"success": True})


def method_not_allowed(allowed: list[str]) -> Callable[[Ctx], Any]:
    """The view of an undeclared method: 405 naming the methods the path does accept."""

    def view(ctx: Ctx) -> Any:
        if ctx.request.method == "OPTIONS":
            return Reply(b"", status=204, headers={"Allow": ", ".join([*allowed, "OPTIONS"])}, raw=True)
        raise MethodNotAllowed(f"{ctx.request.method} is not allowed here; use {', '.join(allowed)}",
                               details={"allowed": allowed}, headers={"Allow": ", ".join(allowed)})

    return view

"""Who calls a tool: the caller the MCP route authenticated for one HTTP request (carried in the ASGI scope), and
the scope check every tool and resource read passes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from mcp.server.mcpserver import Context

from chalicelib.auth.models import Principal
from chalicelib.auth.scopes import Action, allows, describe
from chalicelib.core.errors import Forbidden
from chalicelib.mcp.handoff import Inbox
from chalicelib.mcp.registry import Caller
from chalicelib.store.deps import Deps

SCOPE_KEY = "cashpilot.caller"
# The structured content a successful tool result carries through the SDK: ``{EXACT_KEY: <token>}``, replaced in the
# answer by the tool's own JSON (its text), which ``RequestCaller.exact`` keeps under that token.
EXACT_KEY = "io.cashpilot/exact-json"


@dataclass(frozen=True)
class RequestCaller:
    """The authenticated caller of one HTTP request and the collaborators to serve it (put in the ASGI scope)."""

    deps: Deps
    principal: Principal
    request_id: str
    exact: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    inbox: Inbox = field(default_factory=Inbox, compare=False, repr=False)  # where its tools' blocking work runs

    @property
    def caller(self) -> Caller:
        return Caller(deps=self.deps, principal=self.principal)

    def placeholder(self, text: str) -> dict[str, str]:
        """Structured content standing for ``text`` (JSON) until the bridge writes the answer."""
        token = secrets.token_hex(8)
        self.exact[token] = text
        return {EXACT_KEY: token}


def caller_of(context: Context) -> RequestCaller:
    """The caller the route authenticated for the request this SDK context belongs to."""
    request = context.request_context.request
    found = getattr(request, "scope", {}).get(SCOPE_KEY)
    if not isinstance(found, RequestCaller):
        raise RuntimeError("MCP request without an authenticated caller")  # the route always sets one
    return found


def authorize(principal: Principal, action: Action, resource: str | None, what: str) -> None:
    if not allows(principal.scopes, action, resource):
        raise Forbidden(f"insufficient scope: {what} needs {describe(action, resource)}", code="insufficient_scope",
                        details={"required": {"action": action, "resource": resource},
                                 "granted": sorted(principal.scopes)})

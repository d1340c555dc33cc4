"""The one place where errors become MCP answers (the REST mapping is ``chalicelib.api.errors``).

Three kinds of answer:

* a **tool** failure is a result with ``isError: true`` whose text is ``"<code>: <message>"`` (the domain error's
  stable code, then its human message), so a model can read it and correct its call; arguments that break a rule
  (the tool's input schema or the service's request model) read ``"validation_error: <field>: <message>"``, one
  ``<field>: <message>`` per field, joined by ``; ``;
* a **resource** failure is a JSON-RPC error carrying the same text (``-32602`` when the resource does not exist);
* a refusal **before the protocol** (missing or bad key, quota spent, unknown toolset) is an HTTP error status with
  a JSON-RPC error body: ``{"jsonrpc": "2.0", "id": <the request's id or null>, "error": {"code", "message",
  "data": {"error": "<code>", "details": {...}}}}``.

Anything unexpected is logged once, with a reference, and answered with a generic ``internal_error`` that leaks
nothing. This module imports the SDK lazily: the route renders refusals without loading it.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from chalicelib.core.errors import DomainError, ValidationFailed
from chalicelib.core.validation import invalid

if TYPE_CHECKING:
    from mcp_types import CallToolResult

log = logging.getLogger("cashpilot.mcp")

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
INTERNAL_ERROR = -32603
# Server-defined codes (JSON-RPC reserves -32000..-32099 for them): one per HTTP refusal kind.
UNAUTHORIZED = -32001
FORBIDDEN = -32003
RATE_LIMITED = -32029
UNAVAILABLE = -32050
_CODES = {401: UNAUTHORIZED, 403: FORBIDDEN, 429: RATE_LIMITED, 503: UNAVAILABLE}


def as_domain_error(exc: Exception) -> DomainError | None:
    """The domain error ``exc`` stands for (a pydantic failure is a validation error), or ``None``."""
    if isinstance(exc, ValidationError):
        return invalid_arguments(exc)
    return exc if isinstance(exc, DomainError) else None


def invalid_arguments(exc: ValidationError) -> ValidationFailed:
    """A pydantic failure as a validation error whose message is ``<field>: <message>`` per field (``amount``,
    ``items.0.unit_price``) and whose details map each field to its messages, as REST's do."""
    return invalid(exc, root="arguments")


def error_text(exc: DomainError) -> str:
    """What a model reads: ``"<code>: <message>"``."""
    return f"{exc.code}: {exc.message}"


def internal_text(reference: str) -> str:
    return f"internal_error: an internal error occurred; reference {reference}"


def failure_text(exc: Exception, reference: str, what: str) -> str:
    """The text of a failed tool call or resource read; an unexpected error is logged here, once."""
    domain = as_domain_error(exc)
    if domain is not None and domain.status < 500:
        log.info("%s refused (request %s): %s", what, reference, domain.code)
        return error_text(domain)
    if domain is not None and getattr(domain, "retryable", False):
        log.warning("%s: dependency unavailable (request %s, %s)", what, reference, domain.code, exc_info=exc)
        return error_text(domain)
    log.error("%s failed (request %s)", what, reference, exc_info=exc)
    return internal_text(reference)


def tool_failure(exc: Exception, tool: str, reference: str) -> CallToolResult:
    """A tool's failure as an ``isError`` result."""
    return error_result(failure_text(exc, reference, f"tool {tool}"))


def error_result(text: str) -> CallToolResult:
    from mcp_types import CallToolResult, TextContent

    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


def resource_failure(exc: Exception, uri: str, reference: str) -> Exception:
    """The SDK exception to raise for a failed resource read (the SDK turns it into a JSON-RPC error)."""
    from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError

    text = failure_text(exc, reference, f"resource {uri}")
    domain = as_domain_error(exc)
    return ResourceNotFoundError(text) if domain is not None and domain.status == 404 else ResourceError(text)


def http_refusal(exc: Exception, reference: str, rpc_id: Any = None) -> tuple[int, str, dict[str, str]]:
    """Status, JSON-RPC error body and headers for a request refused before it reached the protocol."""
    domain = as_domain_error(exc)
    if domain is None or (domain.status >= 500 and not getattr(domain, "retryable", False)):
        log.error("MCP request %s failed", reference, exc_info=exc)
        return 500, rpc_error(rpc_id, INTERNAL_ERROR, internal_text(reference), "internal_error",
                              {"request_id": reference}), {}
    if domain.status >= 500:
        log.warning("MCP request %s: dependency unavailable (%s)", reference, domain.code, exc_info=exc)
    else:
        log.info("MCP request %s refused: %s %s", reference, domain.status, domain.code)
    code = PARSE_ERROR if domain.code == "invalid_json" else _CODES.get(domain.status, INVALID_REQUEST)
    headers = dict(domain.headers)
    if domain.status == 503:
        headers.setdefault("Retry-After", "1")
    return domain.status, rpc_error(rpc_id, code, domain.message, domain.code, domain.details), headers


def rpc_error(rpc_id: Any, code: int, message: str, error: str, details: dict[str, Any] | None = None) -> str:
    """A JSON-RPC 2.0 error response; ``data.error`` is the stable code REST clients know as ``error``."""
    body = {"jsonrpc": "2.0", "id": rpc_id,
            "error": {"code": code, "message": message, "data": {"error": error, "details": details or {}}}}
    return json.dumps(body, ensure_ascii=False, default=str)

"""The one place where errors become HTTP answers.

Body: ``{"error": "<code>", "message": "...", "details": {...}}``. Validation failures are 422 with ``details``
mapping each field to its messages. Anything unexpected is logged once with the request id and answered as a
generic 500 that names only that id.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from chalicelib.core.errors import DomainError, ValidationFailed
from chalicelib.core.serialization import dumps
from chalicelib.core.validation import field_messages, summary

log = logging.getLogger("cashpilot.api")


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> str:
    return dumps({"error": code, "message": message, "details": details or {}})


def from_validation(exc: ValidationError, prefix: str = "") -> ValidationFailed:
    """A pydantic failure as a 422 whose details name each field (``items.2.quantity``) and its rule."""
    details = field_messages(exc, root="body", prefix=prefix)
    return ValidationFailed(f"invalid request: {summary(details)}", details=details)


def render_error(exc: Exception, request_id: str) -> tuple[int, str, dict[str, str]]:
    """Status, body and extra headers for any exception raised while handling a request."""
    if isinstance(exc, ValidationError):
        exc = from_validation(exc)
    if isinstance(exc, DomainError) and exc.status < 500:
        log.info("request %s refused: %s %s", request_id, exc.status, exc.code)
        return exc.status, error_body(exc.code, exc.message, exc.details), dict(exc.headers)
    if isinstance(exc, DomainError) and getattr(exc, "retryable", False):
        log.warning("request %s: dependency unavailable (%s)", request_id, exc.code, exc_info=exc)
        return exc.status, error_body(exc.code, exc.message), {"Retry-After": "1", **exc.headers}
    log.error("request %s failed", request_id, exc_info=exc)
    message = f"an internal error occurred; reference {request_id}"
    return 500, error_body("internal_error", message, {"request_id": request_id}), {}

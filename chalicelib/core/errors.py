"""Domain errors: the one exception family every context raises.

Each error carries a stable machine ``code`` (clients and tests match on it), a human ``message`` and optional
``details``. The *kind* (the subclass) says how a transport should present it; the REST mapping lives only in
``chalicelib.api.errors`` and the MCP mapping only in the MCP package. Domain code never imports a transport.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base class. ``status`` is the HTTP status the REST transport uses for this kind."""

    status: int = 400
    default_code: str = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code or self.default_code
        self.message = message
        self.details = details or {}
        self.headers = headers or {}


class BadRequest(DomainError):
    """The request is malformed (not JSON, wrong content type, bad cursor)."""

    status = 400
    default_code = "bad_request"


class ValidationFailed(DomainError):
    """The request is well formed but a field breaks a rule; ``details`` maps field -> list of messages."""

    status = 422
    default_code = "validation_error"


class Unauthorized(DomainError):
    status = 401
    default_code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class MethodNotAllowed(DomainError):
    status = 405
    default_code = "method_not_allowed"


class Conflict(DomainError):
    """The write's precondition does not hold (already exists, version moved, still referenced)."""

    status = 409
    default_code = "conflict"


class PayloadTooLarge(DomainError):
    status = 413
    default_code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    status = 415
    default_code = "unsupported_media_type"


class RateLimited(DomainError):
    status = 429
    default_code = "rate_limit_exceeded"


class Unavailable(DomainError):
    """A dependency is temporarily unavailable (throttled, timed out); the caller may retry."""

    status = 503
    default_code = "service_unavailable"
    retryable = True


def field_error(field: str, message: str, *, code: str = "validation_error") -> ValidationFailed:
    """A validation error about one field, in the ``details`` shape every 422 uses."""
    return ValidationFailed(f"{field}: {message}", code=code, details={field: [message]})


class FieldValueError(ValueError):
    """Raised by a model-level validator about one field, so the 422 names that field rather than the body."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field

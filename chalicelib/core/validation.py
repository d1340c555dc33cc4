"""What a broken request rule means, independent of the transport: a pydantic ``ValidationError`` read as each
failing field (its dotted path, ``items.2.quantity``) and its messages. REST renders it as a 422 body, MCP as the
text a model reads; both start from this one reading.
"""

from __future__ import annotations

from pydantic import ValidationError

from chalicelib.core.errors import FieldValueError, ValidationFailed

FieldMessages = dict[str, list[str]]


def field_messages(exc: ValidationError, *, root: str, prefix: str = "") -> FieldMessages:
    """Each failing field and its messages. A rule of the whole object (no location) is filed under ``prefix``, or
    ``root`` without one; a ``FieldValueError`` raised by a model validator names the field it is about."""
    found: FieldMessages = {}
    for err in exc.errors(include_url=False):
        path = [str(p) for p in err["loc"]]
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, FieldValueError):
            path.append(cause.field)
        dotted = ".".join(path)
        field = f"{prefix}{dotted}" if prefix and err["loc"] else dotted or prefix or root
        found.setdefault(field, []).append(err["msg"].removeprefix("Value error, "))
    return found


def summary(messages: FieldMessages) -> str:
    """``<field>: <first message>`` per field, joined by ``; ``."""
    return "; ".join(f"{field}: {texts[0]}" for field, texts in messages.items())


def invalid(exc: ValidationError, *, root: str) -> ValidationFailed:
    """The domain error of a broken rule met inside a use case: its message is the ``summary``, its details the
    ``field_messages``."""
    details = field_messages(exc, root=root)
    return ValidationFailed(summary(details), details=details)

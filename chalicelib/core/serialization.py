"""The one JSON serializer for responses: money stays exact.

Chalice would turn ``Decimal`` into ``float``; pydantic's JSON mode turns it into a string. CashPilot clients expect
money as JSON *numbers* (``1250.5``), so this writer emits each ``Decimal`` as its own decimal text (``1250.50``)
without any float round trip. Every route body goes through ``dumps``.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel

from chalicelib.core.clock import iso

_TOKEN = secrets.token_hex(16)
_MARKED = re.compile(f'"{_TOKEN}:(-?[0-9]+(?:\\.[0-9]+)?)"')


def to_plain(value: Any, *, allow_floats: bool = False, currency: str | None = None) -> Any:
    """Models, dates, enums and ``Decimal`` to JSON-ready values; each ``Decimal`` becomes a marked string.

    A model's ``Money`` fields are written with the minor units of its ``currency`` (or of the enclosing model's,
    for the lines and sections nested in a document or a report)."""
    if isinstance(value, BaseModel):
        own = getattr(value, "currency", None)
        currency = own if isinstance(own, str) else currency
        dumped = value.model_dump(mode="python", by_alias=True, context={"currency": currency})
        return to_plain(dumped, allow_floats=allow_floats, currency=currency)
    if isinstance(value, dict):
        return {str(k): to_plain(v, allow_floats=allow_floats, currency=currency) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v, allow_floats=allow_floats, currency=currency) for v in value]
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("non-finite Decimal cannot be written as JSON")
        return f"{_TOKEN}:{value:f}"
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return to_plain(value.value, allow_floats=allow_floats)
    if isinstance(value, float) and not allow_floats:
        raise TypeError("floats are not serialized: money and quantities are Decimal")
    return value


def dumps(value: Any, *, allow_floats: bool = False) -> str:
    """JSON text of ``value`` with ``Decimal`` written as exact JSON numbers.

    Decimals travel through the standard encoder as strings carrying a per-process random marker, then the
    marked strings are replaced by their bare digits: one C-speed ``json.dumps`` for the whole tree, and no user
    text can forge the marker.
    """
    text = json.dumps(to_plain(value, allow_floats=allow_floats), ensure_ascii=False, separators=(",", ":"))
    return _MARKED.sub(r"\1", text)

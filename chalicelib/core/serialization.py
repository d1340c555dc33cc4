"""The one JSON serializer for responses: money stays exact.

Chalice would turn ``Decimal`` into ``float``; pydantic's JSON mode turns it into a string. CashPilot clients expect
money as JSON *numbers* (``1250.5``), so this writer emits each ``Decimal`` as its own decimal text (``1250.50``)
without any float round trip. Every route body goes through ``dumps``.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel

from chalicelib.core.clock import iso


def to_plain(value: Any) -> Any:
    """Models, dates and enums to plain Python values; ``Decimal`` is kept for ``dumps`` to write exactly."""
    if isinstance(value, BaseModel):
        return to_plain(value.model_dump(mode="python", by_alias=True))
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return to_plain(value.value)
    if isinstance(value, float):
        raise TypeError("floats are not serialized: money and quantities are Decimal")
    return value


def _write(value: Any, out: list[str]) -> None:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("non-finite Decimal cannot be written as JSON")
        out.append(format(value, "f"))
    elif isinstance(value, dict):
        out.append("{")
        for i, (k, v) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(json.dumps(k, ensure_ascii=False))
            out.append(":")
            _write(v, out)
        out.append("}")
    elif isinstance(value, list):
        out.append("[")
        for i, v in enumerate(value):
            if i:
                out.append(",")
            _write(v, out)
        out.append("]")
    else:
        out.append(json.dumps(value, ensure_ascii=False))


def dumps(value: Any) -> str:
    """JSON text of ``value`` with ``Decimal`` written as exact JSON numbers."""
    out: list[str] = []
    _write(to_plain(value), out)
    return "".join(out)

"""Base classes of every model: ``Model`` (validators built on first use, not at import), and for requests and
query strings the input rules that hold for every field of every route.

- **Dates** are days written ``YYYY-MM-DD`` between the years 1900 and 2999: a date-time
  (``2026-01-01T00:00:00Z``) or a number is refused rather than cut to its day, and day arithmetic near the year 1
  or 9999 (one day before ``0001-01-01``) can never overflow.
- **Text** (request bodies) is trimmed; control characters (other than tab and line breaks) would corrupt exports
  such as the FEC, bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) can disguise what a label
  says, and a value made only of invisible characters (``\\u200b``) looks empty while it is not: all three are
  refused with a 422 naming the field.
- **Fields**: unknown fields are refused (no mass assignment), and so are the fields only the server sets
  (``organization_id``, ``org_id``, ``user_id``), like any unknown field. The read-only fields a client got from a
  GET answer and sends back on PUT (``id``, ``created_at``, ``updated_at``, ``version`` and each model's computed
  fields, listed in its ``ignored_fields``) are ignored.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
import unicodedata
from functools import cache
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationInfo,
    field_validator,
    model_validator,
)

MIN_YEAR, MAX_YEAR = 1900, 2999  # far enough for any business date; day arithmetic near 1 or 9999 would overflow
READ_BACK_FIELDS = frozenset({"id", "created_at", "updated_at", "version"})
SERVER_SET_FIELDS = frozenset({"organization_id", "org_id", "user_id"})
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_INVISIBLE = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp", "Mn", "Me"})


def check_day_text(value: Any) -> Any:
    """A day as sent: ``YYYY-MM-DD`` text (or already a ``date``), never a date-time or a number."""
    if isinstance(value, dt.datetime) or (isinstance(value, str) and not _DAY.fullmatch(value.strip())) or (
            not isinstance(value, str | dt.date) and value is not None):
        raise ValueError("must be a date written YYYY-MM-DD (a date-time or a number is not a date)")
    return value


def check_day_range(value: dt.date | None) -> dt.date | None:
    if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"must be between the years {MIN_YEAR} and {MAX_YEAR}")
    return value


def check_text(value: str) -> str:
    """Refuse control characters, bidirectional overrides, and a value made only of invisible characters."""
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    if _BIDI.search(value):
        raise ValueError("must not contain bidirectional override characters (U+202A-U+202E, U+2066-U+2069)")
    if value and all(unicodedata.category(c) in _INVISIBLE for c in value):
        raise ValueError("must contain visible characters")
    return value


# A day for function signatures (MCP tools) that are not models: the same rules as a model's date field.
Day = Annotated[dt.date, BeforeValidator(check_day_text), AfterValidator(check_day_range)]


@cache
def _day_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of ``model`` that hold a day (``date``, optional or not; ``datetime`` is not a day)."""
    return frozenset(name for name, info in model.model_fields.items() if _is_day(info.annotation))


def _is_day(annotation: Any) -> bool:
    if annotation is dt.date:
        return True
    origin = typing.get_origin(annotation)
    if origin is typing.Union or origin is types.UnionType:
        return any(_is_day(arg) for arg in typing.get_args(annotation) if arg is not type(None))
    if origin is Annotated:
        return _is_day(typing.get_args(annotation)[0])
    return False


class Model(BaseModel):
    """Base class of every model of ours: its validator and serializer are built on first use, once, not at import,
    so a cold start pays only for the models its request touches (a route group declares many more)."""

    model_config = ConfigDict(defer_build=True)


class _Checked(Model):
    """The date rules, shared by request bodies and query strings."""

    @field_validator("*", mode="before")
    @classmethod
    def _day_as_text(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name in _day_fields(cls):
            return check_day_text(value)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _day_in_range(cls, value: Any) -> Any:
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            check_day_range(value)
        return value


class QueryModel(_Checked):
    """Base class of every query-string model (unknown parameters are ignored: clients add their own)."""


class RequestModel(_Checked):
    """Base class of every request body."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    # What a client may send back unchanged from a GET answer: dropped before validation.
    ignored_fields: ClassVar[frozenset[str]] = READ_BACK_FIELDS

    @model_validator(mode="before")
    @classmethod
    def _drop_read_back(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if k not in cls.ignored_fields or k in cls.model_fields}
        return data

    @field_validator("*", mode="after")
    @classmethod
    def _sane_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            check_text(value)
        return value

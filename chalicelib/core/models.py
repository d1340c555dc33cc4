"""Base class of every request model: unknown fields refused, text trimmed, control characters refused.

Control characters (other than tab and line breaks) would corrupt exports such as the FEC, so they are refused at
the edge with a 422 naming the field, instead of being stored; dates must lie between 1900 and 2999.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

MIN_YEAR, MAX_YEAR = 1900, 2999  # far enough for any business date; day arithmetic near 9999 would overflow
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _sane_values(cls, value: Any) -> Any:
        if isinstance(value, str) and _CONTROL.search(value):
            raise ValueError("must not contain control characters")
        if isinstance(value, date) and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError(f"must be between the years {MIN_YEAR} and {MAX_YEAR}")
        return value

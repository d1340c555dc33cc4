"""The backup document: its envelope (``format``, ``version``, ``organization``) and the checks every version
shares.

Version 2 (written today)::

    {"format": "cashpilot-backup", "version": 2, "created_at": "...",
     "organization": {"id", "name", "currency", "timezone"},
     "stats": {"clients": 6, "accounting.entries": 121, ...},
     "records": {"<part>": <that part's records>, ...}}

Version 1 (raw store items by table) is still read: see ``backup_v1``. A restore accepts the document itself, the
``{"data": document}`` body ``GET /exports/backup`` answers, or the downloaded file (the same JSON).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.core.errors import ValidationFailed
from chalicelib.core.ids import is_uuid

FORMAT = "cashpilot-backup"
VERSION = 2
_CURRENCY = re.compile(r"[A-Z]{3}")
_MAX_PROBLEMS = 20


def invalid(path: str, message: str, code: str = "invalid_backup") -> ValidationFailed:
    return ValidationFailed(f"the backup is invalid at {path}: {message}", code=code, details={path: [message]})


@dataclass
class Problems:
    """What is wrong with a document, by path (the first ``_MAX_PROBLEMS`` paths)."""

    found: dict[str, list[str]] = field(default_factory=dict)

    def add(self, path: str, message: str) -> None:
        if path in self.found or len(self.found) < _MAX_PROBLEMS:
            self.found.setdefault(path, []).append(message)

    def raise_any(self) -> None:
        if self.found:
            path, messages = next(iter(self.found.items()))
            raise ValidationFailed(f"the backup is invalid at {path}: {messages[0]}", code="invalid_backup",
                                   details=self.found)


@dataclass(frozen=True)
class Source:
    """The backed-up organization as the document states it."""

    org_id: str
    currency: str
    timezone: str


def unwrapped(body: Any) -> Any:
    """The document inside ``{"data": document}`` (the body of ``GET /exports/backup``), else ``body`` itself."""
    if isinstance(body, dict) and "format" not in body and isinstance(body.get("data"), dict):
        return body["data"]
    return body


def version_of(document: Any) -> int:
    if not isinstance(document, dict):
        raise invalid("document", "a backup is a JSON object")
    if document.get("format") != FORMAT:
        raise invalid("format", f"must be {FORMAT!r}", code="unsupported_backup")
    version = document.get("version")
    if type(version) is not int or version not in (1, VERSION):
        raise invalid("version", f"must be 1 or {VERSION}", code="unsupported_backup")
    return version


def _is_zone(value: str) -> bool:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def checked_source(value: Any) -> Source:
    if not isinstance(value, dict):
        raise invalid("organization", "must be an object")
    org_id, currency, timezone = value.get("id"), value.get("currency"), value.get("timezone")
    if not isinstance(org_id, str) or not is_uuid(org_id):
        raise invalid("organization.id", "must be the UUID of the backed-up organization")
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise invalid("organization.currency", "must be an ISO 4217 currency code")
    if not isinstance(timezone, str) or not _is_zone(timezone):
        raise invalid("organization.timezone", "must be an IANA time zone")
    return Source(org_id, currency, timezone)


def rewritten(value: Any, source: str, target: str) -> Any:
    """``value`` with the source organization's id replaced by the target's in every string (ids are UUIDs, so a
    plain replace is exact)."""
    if isinstance(value, str):
        return value.replace(source, target)
    if isinstance(value, dict):
        return {rewritten(k, source, target): rewritten(v, source, target) for k, v in value.items()}
    if isinstance(value, list):
        return [rewritten(v, source, target) for v in value]
    return value


def _count(value: Any) -> int:
    return len(value) if isinstance(value, list) else int(value is not None)


def stats(records: dict[str, Any], kinds: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Records per part; ``<part>.<kind>`` for a part holding several kinds of record (``kinds[part]``)."""
    counts: dict[str, int] = {}
    for name, value in records.items():
        if name in kinds and isinstance(value, dict):
            counts |= {f"{name}.{kind}": _count(value.get(kind)) for kind in kinds[name]}
        else:
            counts[name] = _count(value)
    return counts

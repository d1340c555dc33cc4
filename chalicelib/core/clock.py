"""Time as a collaborator, so services and tests agree on "now" and "today" in the organization's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to: deterministic tests and replayable jobs."""

    def __init__(self, at: datetime) -> None:
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self._at = self._at + timedelta(seconds=seconds)


def iso(ts: datetime) -> str:
    """ISO 8601 UTC with a ``Z``, millisecond precision: the one timestamp format on the wire and in the store."""
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def epoch(ts: datetime) -> int:
    return int(ts.timestamp())


def today(clock: Clock, tz: str = "Europe/Paris") -> date:
    """Today's date in the organization's time zone (month boundaries and due dates use it, not UTC)."""
    return clock.now().astimezone(ZoneInfo(tz)).date()

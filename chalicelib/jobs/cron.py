"""When a schedule expression fires next: the EventBridge ``cron(m h dom mon dow year)`` and ``rate(n unit)`` forms.

Supported in each cron field: ``*``, ``?``, numbers, ranges ``a-b``, lists ``a,b``, steps ``*/n`` and ``a-b/n``,
month names (JAN-DEC) and weekday names (SUN-SAT, where 1 is Sunday as in EventBridge). The ``L``, ``W`` and ``#``
forms are refused with a ``ValueError`` rather than misread. Times are UTC, as EventBridge schedules are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

_MONTHS = {name: i for i, name in enumerate(
    ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), start=1)}
_DAYS = {name: i for i, name in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"), start=1)}
_RATE_UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}
_HORIZON_DAYS = 366 * 5  # an expression that cannot fire within five years is a mistake, not a far-off job


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None  # None: any day of the month (``*`` or ``?``)
    months: frozenset[int]
    weekdays: frozenset[int] | None  # EventBridge numbering, 1 = Sunday; None: any
    years: frozenset[int] | None

    def matches_day(self, day: date) -> bool:
        if day.month not in self.months or (self.years is not None and day.year not in self.years):
            return False
        if self.days is not None and day.day not in self.days:
            return False
        return self.weekdays is None or (day.isoweekday() % 7) + 1 in self.weekdays


def _value(token: str, names: dict[str, int]) -> int:
    token = token.upper()
    if token in names:
        return names[token]
    if not token.isdigit():
        raise ValueError(f"unsupported cron value {token!r}")
    return int(token)


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int] | None:
    """The values a field allows, or ``None`` for "any"."""
    if text in {"*", "?"}:
        return None
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            first, last = low, high
        elif "-" in base:
            a, b = base.split("-", 1)
            first, last = _value(a, names or {}), _value(b, names or {})
        else:
            first = _value(base, names or {})
            last = high if step_text else first
        if not (low <= first <= high and low <= last <= high) or step < 1 or first > last:
            raise ValueError(f"cron field {text!r} is outside {low}-{high}")
        values.update(range(first, last + 1, step))
    return frozenset(values)


def parse_cron(expression: str) -> Cron:
    match = re.fullmatch(r"cron\((.+)\)", expression.strip())
    fields = match.group(1).split() if match else []
    if len(fields) != 6:
        raise ValueError(f"not an EventBridge cron expression (6 fields): {expression!r}")
    minute, hour, dom, month, dow, year = fields
    return Cron(minutes=_field(minute, 0, 59) or frozenset(range(60)),
                hours=_field(hour, 0, 23) or frozenset(range(24)),
                days=_field(dom, 1, 31), months=_field(month, 1, 12, _MONTHS) or frozenset(range(1, 13)),
                weekdays=_field(dow, 1, 7, _DAYS), years=_field(year, 1970, 2199))


def _next_cron(cron: Cron, after: datetime) -> datetime:
    start = (after.astimezone(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    day = start.date()
    for _ in range(_HORIZON_DAYS):
        if cron.matches_day(day):
            for hour in sorted(cron.hours):
                for minute in sorted(cron.minutes):
                    at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                    if at >= start:
                        return at
        day += timedelta(days=1)
    raise ValueError("the cron expression does not fire within five years")


def next_run(expression: str, after: datetime) -> datetime:
    """The first instant strictly after ``after`` at which ``expression`` fires (UTC, whole minutes for cron)."""
    rate = re.fullmatch(r"rate\((\d+) (\w+)\)", expression.strip())
    if rate:
        unit = _RATE_UNITS.get(rate.group(2))
        if unit is None or int(rate.group(1)) < 1:
            raise ValueError(f"unsupported rate expression {expression!r}")
        return after + timedelta(seconds=int(rate.group(1)) * unit)
    return _next_cron(parse_cron(expression), after)

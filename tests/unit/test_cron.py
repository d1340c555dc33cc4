"""The EventBridge schedule expressions of the job table: when each fires next."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chalicelib.jobs import SCHEDULES
from chalicelib.jobs.cron import next_run


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("expression", "after", "expected"), [
    ("cron(30 4 * * ? *)", "2026-03-15T04:29:59", "2026-03-15T04:30:00"),
    ("cron(30 4 * * ? *)", "2026-03-15T04:30:00", "2026-03-16T04:30:00"),  # strictly after
    ("cron(30 4 * * ? *)", "2026-12-31T23:00:00", "2027-01-01T04:30:00"),
    ("cron(0/15 * * * ? *)", "2026-03-15T10:07:00", "2026-03-15T10:15:00"),
    ("cron(0 8 ? * MON-FRI *)", "2026-03-14T09:00:00", "2026-03-16T08:00:00"),  # Saturday -> Monday
    ("cron(0 8 ? * 1 *)", "2026-03-15T09:00:00", "2026-03-22T08:00:00"),  # 1 is Sunday in EventBridge
    ("cron(0 0 1 JAN,JUL ? *)", "2026-03-15T00:00:00", "2026-07-01T00:00:00"),
    ("cron(0 12 29 2 ? *)", "2026-03-01T00:00:00", "2028-02-29T12:00:00"),
    ("cron(15 10 ? * 6 2027)", "2026-03-15T00:00:00", "2027-01-01T10:15:00"),  # first Friday of 2027
    ("rate(5 minutes)", "2026-03-15T10:07:30", "2026-03-15T10:12:30"),
])
def test_next_run_of_an_expression(expression: str, after: str, expected: str) -> None:
    assert next_run(expression, at(after)) == at(expected)


@pytest.mark.parametrize("expression", ["cron(0 8 L * ? *)", "cron(0 8 ? * 2#1 *)", "cron(61 * * * ? *)",
                                        "cron(0 8 * *)", "rate(5 fortnights)", "at(2026-01-01T00:00:00)"])
def test_unsupported_or_malformed_expressions_are_refused(expression: str) -> None:
    with pytest.raises(ValueError):
        next_run(expression, at("2026-03-15T00:00:00"))


def test_every_expression_of_the_schedule_table_is_understood() -> None:
    for job in SCHEDULES:
        assert next_run(job.expression, at("2026-03-15T00:00:00")) > at("2026-03-15T00:00:00")

"""Scheduled jobs: the schedule table the deployment template is generated from.

Each job is a Lambda function whose module is ``functions/<name>.py`` and whose handler is the Chalice scheduled
function named ``handler`` there (a thin adapter calling one service function).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Schedule:
    name: str
    handler: str
    expression: str  # an EventBridge schedule expression (UTC)
    description: str


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(name="overdue_invoices", handler="mark_overdue_invoices", expression="cron(30 4 * * ? *)",
             description="Daily: sent invoices with a balance past their due date become overdue."),
)

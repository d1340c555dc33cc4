"""Scheduled jobs: the schedule table the deployment template is generated from and the local runner follows.

Each job is a Lambda function whose module is ``functions/<name>.py`` and whose handler is the Chalice scheduled
function named ``handler`` there (a thin adapter calling ``run``). ``run`` is the one entry point of the job: the
Lambda, ``manage.py run-job`` and the scheduler of ``manage.py serve`` all call it, with an organization id to run
for that organization only or ``None`` for every organization.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chalicelib.store.deps import Deps

JobFunction = Callable[["Deps", "str | None"], Any]


def overdue_invoices(deps: Deps, org_id: str | None = None) -> dict[str, int]:
    """Invoices newly overdue, per organization (only those with some when run for every organization)."""
    # Imported on use: the template generator reads this table without loading the billing context.
    from chalicelib.billing.invoices.changes import mark_overdue, mark_overdue_everywhere

    return {org_id: mark_overdue(deps, org_id)} if org_id else mark_overdue_everywhere(deps)


def bank_alerts(deps: Deps, org_id: str | None = None) -> dict[str, int]:
    """New bank alerts raised, per organization (only those with some when run for every organization)."""
    from chalicelib.banking.jobs import alerts_everywhere, alerts_of

    return {org_id: alerts_of(deps, org_id)} if org_id else alerts_everywhere(deps)


def webhook_deliveries(deps: Deps, org_id: str | None = None) -> dict[str, dict[str, int]]:
    """Deliveries created, delivered and failed, per organization (only those where something happened)."""
    from chalicelib.webhooks.worker import run_everywhere, run_org

    return {org_id: run_org(deps, org_id)} if org_id else run_everywhere(deps)


@dataclass(frozen=True)
class Schedule:
    name: str
    handler: str
    expression: str  # an EventBridge schedule expression (UTC)
    description: str
    run: JobFunction
    # A second handler of functions/<name>.py, invoked by the table's stream with the outbox events just written
    stream_handler: str | None = None
    timeout: int | None = None  # seconds, when the functions' default (29 s) is too short for one run


SCHEDULES: tuple[Schedule, ...] = (
    Schedule(name="overdue_invoices", handler="mark_overdue_invoices", expression="cron(30 4 * * ? *)",
             description="Daily: sent invoices with a balance past their due date become overdue.",
             run=overdue_invoices),
    Schedule(name="bank_alerts", handler="raise_bank_alerts", expression="cron(0 5 * * ? *)",
             description="Daily: low balances, last week's large debits and overdue invoices raise bank alerts.",
             run=bank_alerts),
    Schedule(name="webhook_deliveries", handler="deliver_webhooks", expression="rate(1 minute)",
             description="Every minute: fan the outbox out to webhook subscriptions and make the attempts due.",
             run=webhook_deliveries, stream_handler="on_outbox_events", timeout=120),
)


def job(name: str) -> Schedule:
    """The job called ``name``; ``KeyError`` when there is none."""
    for schedule in SCHEDULES:
        if schedule.name == name:
            return schedule
    raise KeyError(name)

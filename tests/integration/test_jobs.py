"""Scheduled jobs: each runs through its Lambda handler, for every organization, and matches the template."""

from __future__ import annotations

import importlib
import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from chalicelib.auth.service import create_organization
from chalicelib.cli.scheduler import LocalScheduler
from chalicelib.core.clock import FixedClock
from chalicelib.jobs import SCHEDULES, Schedule
from chalicelib.store.deps import Deps
from tests.conftest import unique
from tests.integration.billing_helpers import new_invoice
from tests.integration.conftest import Tenant, make_tenant

TEMPLATE = yaml.safe_load(Path("infra/template.yaml").read_text(encoding="utf-8"))


class _Context:
    function_name = "OverdueInvoicesJob"
    aws_request_id = "req-1"


def _scheduled_event() -> dict[str, Any]:
    return {"version": "0", "id": unique("evt"), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2026-03-15T04:30:00Z", "region": "eu-west-3",
            "resources": ["arn:aws:events:eu-west-3:123456789012:rule/overdue"], "detail": {}}


def test_overdue_job_marks_late_invoices_of_every_organization(deps: Deps, tenant: Tenant) -> None:
    other = make_tenant(deps)
    late_a = new_invoice(tenant.client, date="2026-01-01", due_date="2026-02-01")
    late_b = new_invoice(other.client, date="2026-01-01", due_date="2026-02-01")
    on_time = new_invoice(tenant.client, date="2026-03-01", due_date="2026-04-30")
    create_organization(deps, name=unique("Empty"), owner_email=f"{unique('e')}@example.com")
    handler = importlib.import_module("functions.overdue_invoices").mark_overdue_invoices
    result = handler(_scheduled_event(), _Context())
    assert result == {"organizations": {tenant.org_id: 1, other.org_id: 1}}
    assert tenant.client.get(f"/api/v1/invoices/{late_a['id']}").json()["data"]["status"] == "overdue"
    assert other.client.get(f"/api/v1/invoices/{late_b['id']}").json()["data"]["status"] == "overdue"
    assert tenant.client.get(f"/api/v1/invoices/{on_time['id']}").json()["data"]["status"] == "sent"
    assert handler(_scheduled_event(), _Context()) == {"organizations": {}}


def test_every_schedule_is_a_function_of_the_template_with_the_same_expression() -> None:
    for job in SCHEDULES:
        module = importlib.import_module(f"functions.{job.name}")
        sources = [s for s in module.app.event_sources if s.handler_string.endswith(job.handler)]
        assert [s.schedule_expression.to_string() for s in sources] == [job.expression]
        functions = [r["Properties"] for r in TEMPLATE["Resources"].values()
                     if r["Type"] == "AWS::Serverless::Function"
                     and r["Properties"]["Handler"] == f"functions.{job.name}.{job.handler}"]
        assert len(functions) == 1
        assert functions[0]["Events"] == {"Schedule": {"Type": "Schedule",
                                                       "Properties": {"Schedule": job.expression}}}


def test_local_scheduler_plans_each_job_at_its_cron_time_and_runs_it_when_due(deps: Deps, tenant: Tenant,
                                                                              clock: FixedClock) -> None:
    late = new_invoice(tenant.client, date="2026-01-01", due_date="2026-02-01")
    assert LocalScheduler(deps, SCHEDULES).next_runs()["webhook_deliveries"] == datetime(2026, 3, 15, 9, 31,
                                                                                      tzinfo=UTC)
    daily = [s for s in SCHEDULES if s.name != "webhook_deliveries"]
    scheduler = LocalScheduler(deps, daily)  # the clock says 2026-03-15 09:30 UTC
    assert scheduler.next_runs() == {"overdue_invoices": datetime(2026, 3, 16, 4, 30, tzinfo=UTC),
                                     "bank_alerts": datetime(2026, 3, 16, 5, 0, tzinfo=UTC)}
    assert scheduler.run_due() == []
    assert tenant.client.get(f"/api/v1/invoices/{late['id']}").json()["data"]["status"] == "sent"
    clock.advance(19 * 3600)  # 2026-03-16 04:30
    [run] = scheduler.run_due()
    assert (run.name, run.ok, run.result) == ("overdue_invoices", True, {tenant.org_id: 1})
    assert tenant.client.get(f"/api/v1/invoices/{late['id']}").json()["data"]["status"] == "overdue"
    assert scheduler.next_runs()["overdue_invoices"] == datetime(2026, 3, 17, 4, 30, tzinfo=UTC)
    assert scheduler.run_due() == []  # once per due time


def test_a_failing_job_is_logged_in_one_line_and_the_others_still_run(deps: Deps, clock: FixedClock,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    def broken(_deps: Deps, _org: str | None) -> None:
        raise RuntimeError("disk full")

    ran: list[str | None] = []
    jobs = [Schedule("broken", "h", "rate(1 minute)", "fails", broken),
            Schedule("fine", "h", "rate(1 minute)", "works", lambda _d, org: ran.append(org))]
    scheduler = LocalScheduler(deps, jobs)
    clock.advance(60)
    with caplog.at_level(logging.INFO, logger="cashpilot.jobs"):
        runs = scheduler.run_due()
    assert [(r.name, r.ok) for r in runs] == [("broken", False), ("fine", True)] and ran == [None]
    failure = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failure) == 1 and "broken" in failure[0] and "disk full" in failure[0] and "\n" not in failure[0]


def test_the_scheduler_thread_runs_due_jobs_in_the_background(deps: Deps, clock: FixedClock) -> None:
    done = threading.Event()
    scheduler = LocalScheduler(deps, [Schedule("ping", "h", "rate(1 minute)", "ping", lambda _d, _o: done.set())])
    clock.advance(60)
    scheduler.start()
    try:
        assert done.wait(timeout=10)
    finally:
        scheduler.stop()

"""The schedule table run in-process by ``manage.py serve``: each job at its cron times, on a daemon thread.

A job's failure is logged in one line and never reaches the server; the next run is computed from the time the
job was due, so a slow run does not shift the schedule. A job missed while the server was down is not caught up:
EventBridge does not catch up either.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.jobs import Schedule
from chalicelib.jobs.cron import next_run
from chalicelib.store.deps import Deps

log = logging.getLogger("cashpilot.jobs")
_MAX_SLEEP = 60.0  # re-read the clock at least every minute (the laptop may have slept)


@dataclass(frozen=True)
class JobRun:
    name: str
    due: datetime
    ok: bool
    result: Any


class LocalScheduler:
    def __init__(self, deps: Deps, schedules: Sequence[Schedule]) -> None:
        self._deps = deps
        self._schedules = tuple(schedules)
        now = deps.clock.now()
        self._next = {job.name: next_run(job.expression, now) for job in self._schedules}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def next_runs(self) -> dict[str, datetime]:
        return dict(self._next)

    def run_due(self, now: datetime | None = None) -> list[JobRun]:
        """Run every job due at ``now`` (default: the clock's now), once each, and plan its next run."""
        now = now or self._deps.clock.now()
        runs: list[JobRun] = []
        for job in self._schedules:
            due = self._next[job.name]
            if due > now:
                continue
            runs.append(self._run(job, due))
            self._next[job.name] = next_run(job.expression, max(due, now))
        return runs

    def _run(self, job: Schedule, due: datetime) -> JobRun:
        started = time.perf_counter()
        try:
            result = job.run(self._deps, None)
        except Exception as exc:  # a job never takes the server down; its failure is logged and retried next time
            log.error("job %s failed after %.0f ms: %s: %s", job.name, (time.perf_counter() - started) * 1000,
                      type(exc).__name__, exc)
            return JobRun(job.name, due, False, None)
        log.info("job %s ran in %.0f ms: %s", job.name, (time.perf_counter() - started) * 1000, result)
        return JobRun(job.name, due, True, result)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.run_due()
            wait = min([(at - self._deps.clock.now()).total_seconds() for at in self._next.values()] + [_MAX_SLEEP])
            self._stop.wait(max(wait, 0.5))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="cashpilot-scheduler", daemon=True)
        self._thread.start()
        for name, at in self._next.items():
            log.info("job %s scheduled, next run %s", name, at.isoformat())

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

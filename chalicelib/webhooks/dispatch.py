"""The immediate attempt: right after a write records an event, the worker runs for that organization on a
daemon thread, so a subscriber hears of the change within a second instead of at the next minute's job.

The local server installs it (``ObservedStore`` tells it which organizations a transaction wrote events for); on
AWS the table's stream invokes ``functions/webhook_deliveries.on_outbox_events`` with the events just written
(``organizations_in_records``), and the every-minute job catches up on whatever that missed. Runs for one
organization never overlap; notices that arrive during a run start one more run after it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from chalicelib.store.deps import Deps
from chalicelib.store.port import Operation
from chalicelib.webhooks.outbox import is_event_partition, organizations_in
from chalicelib.webhooks.worker import run_org

log = logging.getLogger("cashpilot.webhooks")


class Dispatcher:
    def __init__(self, deps: Callable[[], Deps], budget: float = 30.0) -> None:
        self._deps = deps
        self._budget = budget
        self._waiting: set[str] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def on_commit(self, operations: Sequence[Operation]) -> None:
        """The store's listener: wake the thread for the organizations whose events were just recorded."""
        orgs = organizations_in(operations)
        if orgs:
            self.notify(orgs)

    def notify(self, org_ids: set[str]) -> None:
        with self._lock:
            self._waiting |= org_ids
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="cashpilot-webhooks", daemon=True)
                self._thread.start()
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(1.0)
            self._wake.clear()
            with self._lock:
                orgs, self._waiting = self._waiting, set()
            for org_id in sorted(orgs):
                try:
                    run_org(self._deps(), org_id, self._budget)
                except Exception as exc:  # the every-minute job tries again; the server goes on
                    log.error("webhook dispatch for %s failed: %s: %s", org_id, type(exc).__name__, exc)

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()


def organizations_in_records(records: Sequence[Mapping[str, Any]]) -> set[str]:
    """The organizations of the outbox events in DynamoDB stream records (``NewImage`` in DynamoDB's JSON)."""
    found = set()
    for record in records:
        image = record.get("dynamodb", {}).get("NewImage", {})
        if record.get("eventName") == "INSERT" and is_event_partition(str(image.get("pk", {}).get("S", ""))):
            found.add(str(image.get("org_id", {}).get("S", "")))
    return found - {""}

"""The delivery worker: fans the outbox out to each subscription, then makes the attempts that are due.

Fan-out reads the outbox once per subscription, in order, from the subscription's cursor. Each matching event
becomes one delivery, created with ``MustNotExist`` under the event's id: two workers running at once create it
once. The cursor stops ``LAG`` behind the clock, because an event is stamped before its transaction commits (a
write retried under contention commits up to ~10 s later): the last minute is read again on each run, and the
deliveries already made are skipped. Attempts then run oldest first until the run's time budget is spent.

Run for one organization by the immediate dispatch after a write (``dispatch``), for every organization with
subscriptions by the every-minute job.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import datetime, timedelta

from chalicelib.core.clock import iso
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import all_items
from chalicelib.store.port import Page
from chalicelib.store.unit import commit_once
from chalicelib.webhooks import repository as repo
from chalicelib.webhooks.attempts import attempt_delivery, body_of, cancel
from chalicelib.webhooks.catalogue import delivered_name
from chalicelib.webhooks.models import Delivery, Subscription
from chalicelib.webhooks.outbox import events_after

LAG = timedelta(seconds=60)
_MAX_EVENTS = 2000  # per subscription and run; the cursor carries on from there next time
_DUE_BATCH = 100
BUDGET_SECONDS = 45.0  # a run fits in the minute between two runs, and in its function's timeout with an attempt
_MIN_SHARE = 5.0  # an organization's share of a run is at least this, when that much is left

log = logging.getLogger("cashpilot.webhooks")


def active_subscriptions(deps: Deps, org_id: str) -> list[Subscription]:
    def fetch(cursor: str | None) -> Page:
        return repo.query(deps.store, org_id, 100, cursor)

    return [sub for item in all_items(fetch) if (sub := repo.from_item(item)).active]


def fan_out(deps: Deps, listed: Subscription, now: datetime) -> int:
    """Create the deliveries of the events recorded since the cursor; answers how many were new."""
    sub = repo.get(deps.store, listed.org_id, listed.id)  # read again: the list is an eventually consistent index
    found = repo.get_cursor(deps.store, listed.org_id, listed.id)
    if sub is None or not sub.active or found is None:
        return 0
    position, version = found
    settled = iso(now - LAG)
    created, last, cursor, seen = 0, position, None, 0
    while seen < _MAX_EVENTS:
        events, cursor = events_after(deps.store, sub.org_id, position, limit=100, cursor=cursor)
        matching = [(evt, name) for _, evt in events if (name := delivered_name(sub.events, evt.type))]
        existing = repo.existing_deliveries(deps.store, sub.org_id, sub.id, [evt.id for evt, _ in matching])
        for evt, name in matching:
            if evt.id in existing:
                continue
            delivery = Delivery(id=evt.id, org_id=sub.org_id, subscription_id=sub.id, event=name, event_id=evt.id,
                                body=body_of(evt, name), next_attempt_at=evt.occurred_at, created_at=now,
                                updated_at=now)
            # False: another worker created it first, or is creating it now (its run delivers it)
            created += commit_once(deps.store, repo.insert_delivery(delivery))
        seen += len(events)
        last = events[-1][0] if events else last
        if cursor is None:
            break
    target = max(position, settled if cursor is None else min(last, settled))
    if target != position:
        commit_once(deps.store, [repo.cursor_put(sub.org_id, sub.id, target, version)])  # or another worker moved it
    return created


def deliver_due(deps: Deps, org_id: str, deadline: float) -> dict[str, int]:
    """Attempt the deliveries due now, oldest first, until ``deadline`` (``time.monotonic``). An endpoint that
    gave no answer is not tried again in this run: its other deliveries wait for the next one."""
    counts = {"delivered": 0, "failed": 0}
    unreachable: set[str] = set()
    while time.monotonic() < deadline:
        page = repo.due(deps.store, org_id, iso(deps.clock.now()), _DUE_BATCH)
        progressed = False
        for item in page.items:
            if time.monotonic() >= deadline:
                break
            delivery = repo.delivery_from_item(item)
            if delivery.subscription_id in unreachable:
                continue
            # Read the subscription at each attempt: a 410, a delete or a new URL or secret counts at once.
            sub = repo.get(deps.store, org_id, delivery.subscription_id)
            if sub is None or not sub.active:
                progressed |= cancel(deps, delivery, deleted=sub is None)
                continue
            done = attempt_delivery(deps, sub, delivery)
            if done is None:
                continue
            progressed = True
            counts["delivered" if done.status == "delivered" else "failed"] += 1
            if done.attempts and done.attempts[-1].response_code is None:
                unreachable.add(sub.id)
        if not progressed or (page.next_cursor is None and len(page.items) < _DUE_BATCH):
            break
    return counts


def run_org(deps: Deps, org_id: str, budget: float = BUDGET_SECONDS) -> dict[str, int]:
    """Fan out and attempt for one organization: ``{created, delivered, failed}``."""
    deadline = time.monotonic() + budget
    now = deps.clock.now()
    created = sum(fan_out(deps, sub, now) for sub in active_subscriptions(deps, org_id))
    return {"created": created, **deliver_due(deps, org_id, deadline)}


def run_everywhere(deps: Deps, budget: float = BUDGET_SECONDS) -> dict[str, dict[str, int]]:
    """Every organization with subscriptions, in a random order so that none always waits behind the others,
    each with at most its share of what is left of the budget; one organization's failure is logged and the run
    goes on. Answers the counts of the organizations where something happened."""
    deadline = time.monotonic() + budget
    results: dict[str, dict[str, int]] = {}

    def fetch(cursor: str | None) -> Page:
        return repo.org_ids(deps.store, cursor)

    orgs = [str(item["org_id"]) for item in all_items(fetch)]
    random.shuffle(orgs)
    for n, org_id in enumerate(orgs):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            counts = run_org(deps, org_id, max(left / (len(orgs) - n), min(left, _MIN_SHARE)))
        except Exception as exc:  # a bad item of one organization must not stop everybody's deliveries
            log.error("webhook deliveries of %s failed: %s: %s", org_id, type(exc).__name__, exc)
            continue
        if any(counts.values()):
            results[org_id] = counts
    return results

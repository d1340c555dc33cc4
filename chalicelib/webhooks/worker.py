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

import contextlib
import time
from datetime import datetime, timedelta

from chalicelib.core.clock import iso
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import all_items
from chalicelib.store.port import Page
from chalicelib.store.unit import Retry, commit, plain
from chalicelib.webhooks import repository as repo
from chalicelib.webhooks.attempts import attempt_delivery, body_of, cancel
from chalicelib.webhooks.catalogue import delivered_name
from chalicelib.webhooks.models import Delivery, Subscription
from chalicelib.webhooks.outbox import events_after

LAG = timedelta(seconds=60)
_MAX_EVENTS = 2000  # per subscription and run; the cursor carries on from there next time
_DUE_BATCH = 100
BUDGET_SECONDS = 50.0  # a run fits in the minute between two scheduled runs


def active_subscriptions(deps: Deps, org_id: str) -> list[Subscription]:
    def fetch(cursor: str | None) -> Page:
        return repo.query(deps.store, org_id, 100, cursor)

    return [sub for item in all_items(fetch) if (sub := repo.from_item(item)).active]


def fan_out(deps: Deps, sub: Subscription, now: datetime) -> int:
    """Create the deliveries of the events recorded since the cursor; answers how many were new."""
    found = repo.get_cursor(deps.store, sub.org_id, sub.id)
    position, version = found if found else (iso(sub.created_at), None)
    settled = iso(now - LAG)
    created, last, cursor, seen = 0, position, None, 0
    while seen < _MAX_EVENTS:
        events, cursor = events_after(deps.store, sub.org_id, position, limit=100, cursor=cursor)
        matching = [(sk, evt, name) for sk, evt in events if (name := delivered_name(sub.events, evt.type))]
        existing = repo.existing_deliveries(deps.store, sub.org_id, sub.id, [evt.id for _, evt, _ in matching])
        for _, evt, name in matching:
            if evt.id in existing:
                continue
            delivery = Delivery(id=evt.id, org_id=sub.org_id, subscription_id=sub.id, event=name, event_id=evt.id,
                                body=body_of(evt, name), next_attempt_at=evt.occurred_at, created_at=now,
                                updated_at=now)
            try:
                commit(deps.store, plain(repo.insert_delivery(delivery)))
                created += 1
            except Retry:
                pass  # another worker created it first
        seen += len(events)
        last = events[-1][0] if events else last
        if cursor is None:
            break
    target = max(position, settled if cursor is None else min(last, settled))
    if target != position:
        with contextlib.suppress(Retry):  # another worker moved it meanwhile; both read the same events
            commit(deps.store, plain([repo.cursor_put(sub.org_id, sub.id, target, version)]))
    return created


def deliver_due(deps: Deps, org_id: str, subs: dict[str, Subscription], deadline: float) -> dict[str, int]:
    """Attempt the deliveries due now, oldest first, until ``deadline`` (``time.monotonic``)."""
    counts = {"delivered": 0, "failed": 0}
    while time.monotonic() < deadline:
        page = repo.due(deps.store, org_id, iso(deps.clock.now()), _DUE_BATCH)
        progressed = False
        for item in page.items:
            if time.monotonic() >= deadline:
                break
            delivery = repo.delivery_from_item(item)
            sub = subs.get(delivery.subscription_id) or repo.get(deps.store, org_id, delivery.subscription_id)
            if sub is None or not sub.active:
                cancel(deps, delivery)
                progressed = True
                continue
            done = attempt_delivery(deps, sub, delivery)
            if done is not None:
                progressed = True
                counts["delivered" if done.status == "delivered" else "failed"] += 1
        if not progressed or (page.next_cursor is None and len(page.items) < _DUE_BATCH):
            break
    return counts


def run_org(deps: Deps, org_id: str, budget: float = BUDGET_SECONDS) -> dict[str, int]:
    """Fan out and attempt for one organization: ``{created, delivered, failed}``."""
    deadline = time.monotonic() + budget
    now = deps.clock.now()
    subs = {sub.id: sub for sub in active_subscriptions(deps, org_id)}
    created = sum(fan_out(deps, sub, now) for sub in subs.values())
    return {"created": created, **deliver_due(deps, org_id, subs, deadline)}


def run_everywhere(deps: Deps, budget: float = BUDGET_SECONDS) -> dict[str, dict[str, int]]:
    """Every organization with subscriptions; answers the counts of those where something happened."""
    deadline = time.monotonic() + budget
    results: dict[str, dict[str, int]] = {}

    def fetch(cursor: str | None) -> Page:
        return repo.org_ids(deps.store, cursor)

    for item in all_items(fetch):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        counts = run_org(deps, str(item["org_id"]), left)
        if any(counts.values()):
            results[str(item["org_id"])] = counts
    return results

"""One delivery attempt: lease the delivery, sign and POST its body, record the outcome and plan the next try.

The lease (``lease_until``, written with the delivery's version) makes one worker the sender of an attempt, however
many run at once; a worker that dies mid-attempt lets the lease run out and the next run tries again. After a
failure the next attempt follows the Standard Webhooks schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, plus
up to 10 % of jitter, or the endpoint's ``Retry-After`` when longer); after the eighth failed attempt the delivery
is ``failed``. A subscription whose attempts have failed for 3 days is disabled (``failing``); an endpoint that
answers 410 Gone is unsubscribed at once (``gone``). Both write ``webhook.disabled`` with the change.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from typing import Any

from chalicelib.core.clock import iso
from chalicelib.core.egress import Answer, DeliveryFailed
from chalicelib.core.errors import Conflict
from chalicelib.store.deps import Deps
from chalicelib.store.port import Operation
from chalicelib.store.unit import commit, commit_once, plain, retrying
from chalicelib.webhooks import repository as repo
from chalicelib.webhooks.models import Attempt, Delivery, DisabledReason, Subscription
from chalicelib.webhooks.outbox import Event
from chalicelib.webhooks.signing import body_signature, standard_signature
from chalicelib.webhooks.subscriptions import egress_of, event, valid_secrets

SCHEDULE = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
            timedelta(hours=5), timedelta(hours=10), timedelta(hours=10))
MAX_ATTEMPTS = len(SCHEDULE) + 1
DISABLE_AFTER = timedelta(days=3)
LEASE = timedelta(minutes=2)  # longer than the connect + read timeouts of one attempt
LOGGED_ANSWER = 1024
KEPT_ATTEMPTS = 20  # a delivery's log keeps its latest attempts (every one is counted): items stay small
_MAX_RETRY_AFTER = timedelta(hours=10)


def body_of(evt: Event, name: str) -> str:
    """What is POSTed: MonChai's ``{event, timestamp, organization_id, data}`` with Standard Webhooks' ``type``."""
    return json.dumps({"id": evt.id, "event": name, "type": name, "timestamp": iso(evt.occurred_at),
                       "organization_id": evt.org_id, "data": evt.payload}, ensure_ascii=False,
                      separators=(",", ":"))


def headers_of(sub: Subscription, delivery: Delivery, now: datetime) -> dict[str, str]:
    body, timestamp = delivery.body.encode(), int(now.timestamp())
    signing = valid_secrets(sub, now)
    headers = {"content-type": "application/json", "webhook-id": delivery.event_id,
               "webhook-timestamp": str(timestamp),
               "webhook-signature": standard_signature(signing, delivery.event_id, timestamp, body),
               "x-signature": body_signature(sub.secret, body), "x-webhook-event": delivery.event,
               "x-webhook-delivery": delivery.id}
    if len(signing) > 1:
        headers["x-signature-previous"] = body_signature(signing[1], body)
    return headers


def _jittered(delay: timedelta, delivery_id: str) -> timedelta:
    # Deterministic jitter (0-10 %): retries of many deliveries spread out, and a test can predict the window.
    return delay * (1 + int(hashlib.sha256(delivery_id.encode()).hexdigest()[:4], 16) % 101 / 1000)


def _retry_after(answer: Answer | None) -> timedelta:
    """The endpoint's ``Retry-After`` in seconds (an HTTP date or anything odd counts as none), at most 10 h."""
    value = (answer.headers.get("retry-after", "") if answer else "").strip()
    if not re.fullmatch(r"[0-9]{1,9}", value):
        return timedelta(0)
    return min(timedelta(seconds=int(value)), _MAX_RETRY_AFTER)


def lease(deps: Deps, delivery: Delivery, *, manual: bool) -> Delivery | None:
    """The delivery leased to this worker, or ``None`` when it is not due or another worker holds it."""
    now = deps.clock.now()
    if delivery.lease_until is not None and delivery.lease_until > now:
        if manual:
            raise Conflict("an attempt of this delivery is under way; try again in a minute",
                           code="delivery_in_progress")
        return None
    if not manual and (delivery.status != "pending" or delivery.next_attempt_at is None
                       or delivery.next_attempt_at > now):
        return None
    leased = delivery.model_copy(update={"lease_until": now + LEASE, "version": delivery.version + 1})
    if not commit_once(deps.store, repo.replace_delivery(leased, delivery)):
        if manual:
            raise Conflict("this delivery changed meanwhile; try again", code="delivery_in_progress")
        return None
    return leased


def _logged(body: bytes) -> str:
    """The answer's first 1 KB as text, at most 1 KB once stored (undecodable bytes dropped, not replaced)."""
    return body[:LOGGED_ANSWER].decode("utf-8", errors="ignore").encode()[:LOGGED_ANSWER].decode(
        "utf-8", errors="ignore")


def send(deps: Deps, sub: Subscription, delivery: Delivery) -> tuple[Answer | None, Attempt]:
    now = deps.clock.now()
    answer: Answer | None = None
    number = delivery.attempt_count + 1
    try:
        answer = egress_of(deps).post(sub.url, delivery.body.encode(), headers_of(sub, delivery, now))
    except DeliveryFailed as exc:
        attempt = Attempt(number=number, at=now, outcome="failed", response_code=None,
                          duration_ms=exc.duration_ms, response_body="", error=exc.reason)
        return None, attempt
    ok = 200 <= answer.status < 300
    return answer, Attempt(number=number, at=now, outcome="delivered" if ok else "failed",
                           response_code=answer.status, duration_ms=answer.duration_ms,
                           response_body=_logged(answer.body))


def _settled(delivery: Delivery, attempt: Attempt, answer: Answer | None, *, manual: bool) -> Delivery:
    automatic = delivery.automatic + (0 if manual else 1)
    update: dict[str, Any] = {"attempts": [*delivery.attempts, attempt][-KEPT_ATTEMPTS:], "lease_until": None,
                              "attempt_count": attempt.number, "automatic": automatic,
                              "updated_at": attempt.at, "version": delivery.version + 1}
    if attempt.outcome == "delivered":
        update.update(status="delivered", next_attempt_at=None)
    elif answer is not None and answer.status == 410:
        update.update(status="failed", next_attempt_at=None)
    elif manual and delivery.status == "pending":
        pass  # a replay of a delivery still being retried keeps its schedule
    elif not manual and automatic < MAX_ATTEMPTS:
        delay = max(_jittered(SCHEDULE[automatic - 1], delivery.id), _retry_after(answer))
        update.update(status="pending", next_attempt_at=attempt.at + delay)
    else:
        update.update(status="failed", next_attempt_at=None)
    return delivery.model_copy(update=update)


def _health(deps: Deps, sub: Subscription, attempt: Attempt, answer: Answer | None,
            *, manual: bool) -> list[Operation]:
    """The subscription's change after an attempt: failing since, disabled, unsubscribed (410)."""
    now = attempt.at
    reason: DisabledReason | None = None
    update: dict[str, Any] = {}
    if answer is not None and answer.status == 410:
        reason = "gone"
    elif attempt.outcome == "delivered":  # any success, a replay or a ping too: the endpoint works
        if sub.failing_since is not None:
            update["failing_since"] = None
    elif manual:
        return []
    elif sub.failing_since is None:
        update["failing_since"] = now
    elif now - sub.failing_since >= DISABLE_AFTER:
        reason = "failing"
    if reason is not None and sub.active:
        update.update(active=False, disabled_at=now, disabled_reason=reason)
    elif not update:
        return []  # nothing changes: no write, so user changes and other workers are not disturbed
    updated = sub.model_copy(update={**update, "updated_at": now, "version": sub.version + 1})
    ops = [repo.replace(updated, sub)]
    return ops + ([event(deps, updated, "webhook.disabled", reason=reason)] if "disabled_reason" in update else [])


def record(deps: Deps, leased: Delivery, attempt: Attempt, answer: Answer | None, *, manual: bool) -> Delivery:
    """Write the attempt, the delivery's next state and the subscription's health in one transaction."""

    def write() -> Delivery:
        current = repo.get_delivery(deps.store, leased.org_id, leased.subscription_id, leased.id)
        if current is None or current.version != leased.version:
            return current or leased  # the lease ran out and another worker took over: its record stands
        settled = _settled(current, attempt, answer, manual=manual)
        sub = repo.get(deps.store, leased.org_id, leased.subscription_id)
        health = _health(deps, sub, attempt, answer, manual=manual) if sub else []
        commit(deps.store, plain([*repo.replace_delivery(settled, current), *health]))
        return settled

    return retrying(deps.store, write)


def cancel(deps: Deps, delivery: Delivery, *, deleted: bool) -> bool:
    """A pending delivery of a subscription that was disabled (``cancelled``) or deleted (removed with it)."""
    if deleted:
        return commit_once(deps.store, [repo.remove_delivery(delivery)])
    cancelled = delivery.model_copy(update={"status": "cancelled", "next_attempt_at": None, "lease_until": None,
                                            "updated_at": deps.clock.now(), "version": delivery.version + 1})
    return commit_once(deps.store, repo.replace_delivery(cancelled, delivery))


def attempt_delivery(deps: Deps, sub: Subscription, delivery: Delivery, *, manual: bool = False) -> Delivery | None:
    """Lease, send and record one attempt; ``None`` when this worker did not get the lease."""
    leased = lease(deps, delivery, manual=manual)
    if leased is None:
        return None
    answer, attempt = send(deps, sub, leased)
    return record(deps, leased, attempt, answer, manual=manual)

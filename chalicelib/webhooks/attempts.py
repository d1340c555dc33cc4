"""One delivery attempt: lease the delivery, sign and POST its body, record the outcome and plan the next try.

The lease (``lease_until``, written with the delivery's version) makes one worker the sender of an attempt, however
many run at once; a worker that dies mid-attempt lets the lease run out and the next run tries again. After a
failure the next attempt follows the Standard Webhooks schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, plus
up to 10 % of jitter, or the endpoint's ``Retry-After`` when longer); after the eighth failed attempt the delivery
is ``failed``. A subscription whose attempts have failed for 3 days is disabled (``failing``); an endpoint that
answers 410 Gone is unsubscribed at once (``gone``). Both write ``webhook.disabled`` with the change.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from chalicelib.core.clock import iso
from chalicelib.core.egress import Answer, DeliveryFailed
from chalicelib.core.errors import Conflict
from chalicelib.store.deps import Deps
from chalicelib.store.port import Operation
from chalicelib.store.unit import Retry, commit, plain, retrying
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
    value = (answer.headers.get("retry-after", "") if answer else "").strip()
    return min(timedelta(seconds=int(value)), _MAX_RETRY_AFTER) if value.isdigit() else timedelta(0)


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
    try:
        commit(deps.store, plain(repo.replace_delivery(leased, delivery)))
    except Retry:
        if manual:
            raise Conflict("this delivery changed meanwhile; try again", code="delivery_in_progress") from None
        return None
    return leased


def send(deps: Deps, sub: Subscription, delivery: Delivery) -> tuple[Answer | None, Attempt]:
    now = deps.clock.now()
    answer: Answer | None = None
    try:
        answer = egress_of(deps).post(sub.url, delivery.body.encode(), headers_of(sub, delivery, now))
    except DeliveryFailed as exc:
        attempt = Attempt(number=len(delivery.attempts) + 1, at=now, outcome="failed", response_code=None,
                          duration_ms=exc.duration_ms, response_body="", error=exc.reason)
        return None, attempt
    ok = 200 <= answer.status < 300
    text = answer.body[:LOGGED_ANSWER].decode("utf-8", errors="replace")
    return answer, Attempt(number=len(delivery.attempts) + 1, at=now, outcome="delivered" if ok else "failed",
                           response_code=answer.status, duration_ms=answer.duration_ms, response_body=text)


def _settled(delivery: Delivery, attempt: Attempt, answer: Answer | None, *, manual: bool) -> Delivery:
    update: dict[str, Any] = {"attempts": [*delivery.attempts, attempt], "lease_until": None,
                              "updated_at": attempt.at, "version": delivery.version + 1}
    if attempt.outcome == "delivered":
        update.update(status="delivered", next_attempt_at=None)
    elif answer is not None and answer.status == 410:
        update.update(status="failed", next_attempt_at=None)
    elif manual and delivery.status == "pending":
        pass  # a replay of a delivery still being retried keeps its schedule
    elif not manual and attempt.number < MAX_ATTEMPTS:
        delay = max(_jittered(SCHEDULE[attempt.number - 1], delivery.id), _retry_after(answer))
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
    elif manual:
        return []
    elif attempt.outcome == "delivered":
        if sub.failing_since is None:
            return []
        update["failing_since"] = None
    elif sub.failing_since is None:
        update["failing_since"] = now
    elif now - sub.failing_since >= DISABLE_AFTER:
        reason = "failing"
    if reason is not None:
        if not sub.active:
            return []
        update.update(active=False, disabled_at=now, disabled_reason=reason)
    updated = sub.model_copy(update={**update, "updated_at": now, "version": sub.version + 1})
    ops = [repo.replace(updated, sub)]
    return ops + ([event(deps, updated, "webhook.disabled", reason=reason)] if reason else [])


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


def cancel(deps: Deps, delivery: Delivery) -> None:
    """A pending delivery of a subscription that was disabled or deleted leaves the due index."""
    cancelled = delivery.model_copy(update={"status": "cancelled", "next_attempt_at": None, "lease_until": None,
                                            "updated_at": deps.clock.now(), "version": delivery.version + 1})
    with contextlib.suppress(Retry):  # changed meanwhile: the next run sees its new state
        commit(deps.store, plain(repo.replace_delivery(cancelled, delivery)))


def attempt_delivery(deps: Deps, sub: Subscription, delivery: Delivery, *, manual: bool = False) -> Delivery | None:
    """Lease, send and record one attempt; ``None`` when this worker did not get the lease."""
    leased = lease(deps, delivery, manual=manual)
    if leased is None:
        return None
    answer, attempt = send(deps, sub, leased)
    return record(deps, leased, attempt, answer, manual=manual)

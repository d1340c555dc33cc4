"""Delivery use cases a user calls: the log of a subscription, one delivery, a manual replay, a test ping, and the
samples Zapier's "perform list" reads."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.core.errors import NotFound
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import Listing, all_items, fetch_page, page_of_matches
from chalicelib.store.port import Page
from chalicelib.store.unit import commit, plain, retrying
from chalicelib.webhooks import repository as repo
from chalicelib.webhooks.attempts import attempt_delivery, body_of
from chalicelib.webhooks.catalogue import TEST_EVENT, WILDCARD, canonical, delivered_name, example
from chalicelib.webhooks.models import Delivery, DeliveryOut, DeliveryQuery
from chalicelib.webhooks.outbox import Event, recent_events
from chalicelib.webhooks.subscriptions import require

_SAMPLES = 3


def to_out(delivery: Delivery) -> DeliveryOut:
    last = delivery.attempts[-1] if delivery.attempts else None
    return DeliveryOut(id=delivery.id, subscription_id=delivery.subscription_id, event=delivery.event,
                       event_id=delivery.event_id, status=delivery.status, attempt_count=delivery.attempt_count,
                       next_attempt_at=delivery.next_attempt_at,
                       response_code=last.response_code if last else None,
                       duration_ms=last.duration_ms if last else None,
                       response_body=last.response_body if last else None, attempts=delivery.attempts,
                       payload=json.loads(delivery.body), created_at=delivery.created_at,
                       updated_at=delivery.updated_at)


def list_deliveries(deps: Deps, org_id: str, subscription_id: str, params: DeliveryQuery) -> Listing:
    """A subscription's deliveries, newest first, each with its attempts."""
    require(deps, org_id, subscription_id)

    def query(limit: int, cursor: str | None) -> Page:
        return repo.query_deliveries(deps.store, org_id, subscription_id, limit, cursor)

    if params.status is not None:
        matches = [i for i in all_items(lambda cursor: query(100, cursor)) if i.get("status") == params.status]
        return page_of_matches(matches, params, lambda i: to_out(repo.delivery_from_item(i)))
    page, number = fetch_page(query, params)
    return Listing([to_out(repo.delivery_from_item(i)) for i in page.items], number, params.limit,
                   repo.delivery_count(deps.store, org_id, subscription_id, None), page.next_cursor)


def _require_delivery(deps: Deps, org_id: str, subscription_id: str, delivery_id: str) -> Delivery:
    require(deps, org_id, subscription_id)
    delivery = repo.get_delivery(deps.store, org_id, subscription_id, delivery_id) if len(delivery_id) <= 64 else None
    if delivery is None:
        raise NotFound(f"delivery {delivery_id} not found", code="delivery_not_found")
    return delivery


def get_delivery(deps: Deps, org_id: str, subscription_id: str, delivery_id: str) -> DeliveryOut:
    return to_out(_require_delivery(deps, org_id, subscription_id, delivery_id))


def replay(deps: Deps, org_id: str, subscription_id: str, delivery_id: str) -> DeliveryOut:
    """Send the delivery again now, with the same ``webhook-id`` and body (receivers dedupe on the id)."""
    delivery = _require_delivery(deps, org_id, subscription_id, delivery_id)
    sub = require(deps, org_id, subscription_id)
    done = attempt_delivery(deps, sub, delivery, manual=True)
    return to_out(done or delivery)


def send_test(deps: Deps, org_id: str, subscription_id: str) -> DeliveryOut:
    """POST a ``webhook.test`` event now (no retries) and answer how it went; it is in the delivery log."""
    sub = require(deps, org_id, subscription_id)
    now = deps.clock.now()
    evt = Event(id=deps.new_id(), org_id=org_id, type=TEST_EVENT, entity="webhook", entity_id=sub.id,
                payload={"subscription_id": sub.id, "message": "Test delivery from CashPilot."}, occurred_at=now)
    delivery = Delivery(id=evt.id, org_id=org_id, subscription_id=sub.id, event=TEST_EVENT, event_id=evt.id,
                        body=body_of(evt, TEST_EVENT), status="pending", created_at=now, updated_at=now)
    retrying(deps.store, lambda: commit(deps.store, plain(repo.insert_delivery(delivery))))
    done = attempt_delivery(deps, sub, delivery, manual=True)
    finished = done or delivery
    if finished.status != "pending":
        return to_out(finished)

    def settle() -> Delivery:  # a ping is not retried
        current = repo.get_delivery(deps.store, org_id, sub.id, delivery.id) or finished
        settled = current.model_copy(update={"status": "failed", "version": current.version + 1})
        commit(deps.store, plain(repo.replace_delivery(settled, current)))
        return settled

    return to_out(retrying(deps.store, settle))


def samples(deps: Deps, org_id: str, name: str) -> list[dict[str, Any]]:
    """Up to three recent bodies of event ``name`` as deliveries carry them, newest first; the catalogue's example
    when the organization has none yet (Zapier shows them while a Zap is set up)."""
    event_type = canonical(name)
    if name != WILDCARD and event_type is None:
        raise NotFound(f"unknown event {name!r}; GET /api/v1/webhooks/events lists them", code="event_not_found")
    # Only events a subscription could receive (never api_key.* or member.*, which are not in the catalogue).
    found = [e for e in recent_events(deps.store, org_id)
             if (e.type == event_type if name != WILDCARD else delivered_name([WILDCARD], e.type))][:_SAMPLES]
    if found:
        return [json.loads(body_of(e, name if name != WILDCARD else e.type)) for e in found]
    shown = event_type or "customer.created"
    evt = Event(id="00000000-0000-4000-8000-000000000000", org_id=org_id, type=shown, entity="example",
                entity_id="example", payload=example(shown), occurred_at=deps.clock.now())
    return [json.loads(body_of(evt, name if name != WILDCARD else shown))]

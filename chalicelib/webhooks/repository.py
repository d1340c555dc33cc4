"""Persistence of webhook subscriptions, their outbox cursors and their deliveries.

Key formats and access patterns:

| pattern                                  | index | key condition                                                   |
|------------------------------------------|-------|-----------------------------------------------------------------|
| subscription by id                       | table | pk=``ORG#<org>``, sk=``WEBHOOK#<id>``                            |
| subscriptions by creation                | gsi1  | gsi1pk=``ORG#<org>#WEBHOOKS``, gsi1sk=``<created_at>#<id>``      |
| number of subscriptions                  | table | pk=``ORG#<org>``, sk=``COUNTER#webhooks``                        |
| a subscription's outbox cursor (1)       | table | pk=``ORG#<org>``, sk=``WEBHOOKCURSOR#<id>``                      |
| organizations with subscriptions (2)     | table | pk=``WEBHOOKS#ORGS``, sk=``ORG#<org>``                           |
| delivery by id                           | table | pk=``ORG#<org>#WHDELIVERY``, sk=``<subscription>#<delivery id>`` |
| deliveries of a subscription, by time    | gsi1  | gsi1pk=``ORG#<org>#WEBHOOK#<sub>#DELIVERIES``, gsi1sk=``<at>#<id>``
| deliveries due, by time (3)              | gsi2  | gsi2pk=``ORG#<org>#WHDUE``, gsi2sk=``<next at>#<sub>#<id>``      |
| a subscription's deliveries per state (4)| table | pk=``ORG#<org>``, sk=``COUNTER#webhook_deliveries#<sub>#<state>`` |

(1) ``position``: the outbox sort key up to which events were fanned out (``version`` guards it).
(2) Written with the first subscription (a put that may repeat), read by the every-minute job; never removed, an
    organization without active subscriptions costs one query.
(3) Only pending deliveries carry the ``gsi2`` keys; a delivered, failed or cancelled one leaves the index.
(4) ``count``, moved by ``Increment`` in the transactions that create or settle deliveries (one item per state: a
    transaction touches an item once).

A delivery's id is the event's id (one delivery per event per subscription: created with ``MustNotExist``), or a
fresh id for a test ping. Every change of a delivery or a subscription carries ``ExpectedVersion``.
"""

from __future__ import annotations

from typing import get_args

from chalicelib.core.clock import iso
from chalicelib.store.port import (
    Delete,
    ExpectedVersion,
    Increment,
    Item,
    MustNotExist,
    Operation,
    Page,
    Put,
    Store,
)
from chalicelib.webhooks.models import Delivery, DeliveryStatus, Subscription

COUNTER_SK = "COUNTER#webhooks"
MAX_SUBSCRIPTIONS = 100  # per organization: the counter's bound, so concurrent creations cannot pass it
ORGS_PK = "WEBHOOKS#ORGS"


def _pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def _sk(subscription_id: str) -> str:
    return f"WEBHOOK#{subscription_id}"


def _list_pk(org_id: str) -> str:
    return f"ORG#{org_id}#WEBHOOKS"


def _cursor_sk(subscription_id: str) -> str:
    return f"WEBHOOKCURSOR#{subscription_id}"


def _delivery_pk(org_id: str) -> str:
    return f"ORG#{org_id}#WHDELIVERY"


def _deliveries_pk(org_id: str, subscription_id: str) -> str:
    return f"ORG#{org_id}#WEBHOOK#{subscription_id}#DELIVERIES"


def _due_pk(org_id: str) -> str:
    return f"ORG#{org_id}#WHDUE"


def _counts_sk(subscription_id: str, status: str) -> str:
    return f"COUNTER#webhook_deliveries#{subscription_id}#{status}"


# --- subscriptions ----------------------------------------------------------------------------------------------


def to_item(sub: Subscription) -> Item:
    return {"pk": _pk(sub.org_id), "sk": _sk(sub.id), "gsi1pk": _list_pk(sub.org_id),
            "gsi1sk": f"{iso(sub.created_at)}#{sub.id}", "entity": "webhook", **sub.model_dump(mode="json")}


def from_item(item: Item) -> Subscription:
    return Subscription.model_validate(item)


def get(store: Store, org_id: str, subscription_id: str) -> Subscription | None:
    item = store.get(_pk(org_id), _sk(subscription_id))
    return from_item(item) if item else None


def cursor_put(org_id: str, subscription_id: str, position: str, expected: int | None) -> Put:
    """The cursor at ``position``: created (``expected=None``) or moved from version ``expected``."""
    version = 1 if expected is None else expected + 1
    return Put({"pk": _pk(org_id), "sk": _cursor_sk(subscription_id), "entity": "webhook_cursor",
                "position": position, "version": version},
               MustNotExist() if expected is None else ExpectedVersion(expected))


def get_cursor(store: Store, org_id: str, subscription_id: str) -> tuple[str, int] | None:
    item = store.get(_pk(org_id), _cursor_sk(subscription_id))
    return (str(item["position"]), int(item["version"])) if item else None


def insert(sub: Subscription, position: str) -> list[Operation]:
    return [Put(to_item(sub), MustNotExist()),
            Increment(_pk(sub.org_id), COUNTER_SK, "count", 1, at_most=MAX_SUBSCRIPTIONS),
            Put({"pk": _pk(sub.org_id), "sk": _cursor_sk(sub.id), "entity": "webhook_cursor", "position": position,
                 "version": 1}),
            Put({"pk": ORGS_PK, "sk": _pk(sub.org_id), "entity": "webhook_org", "org_id": sub.org_id})]


def replace(updated: Subscription, current: Subscription) -> Put:
    return Put(to_item(updated), ExpectedVersion(current.version))


def remove(sub: Subscription) -> list[Operation]:
    return [Delete(_pk(sub.org_id), _sk(sub.id), ExpectedVersion(sub.version)),
            Increment(_pk(sub.org_id), COUNTER_SK, "count", -1), Delete(_pk(sub.org_id), _cursor_sk(sub.id)),
            *(Delete(_pk(sub.org_id), _counts_sk(sub.id, status)) for status in get_args(DeliveryStatus))]


def count(store: Store, org_id: str) -> int:
    item = store.get(_pk(org_id), COUNTER_SK)
    return int(item["count"]) if item else 0


def query(store: Store, org_id: str, limit: int, cursor: str | None, *, forward: bool = True) -> Page:
    return store.query(_list_pk(org_id), index="gsi1", forward=forward, limit=limit, cursor=cursor)


def org_ids(store: Store, cursor: str | None) -> Page:
    return store.query(ORGS_PK, limit=1000, cursor=cursor)


# --- deliveries -------------------------------------------------------------------------------------------------


def delivery_item(delivery: Delivery) -> Item:
    item: Item = {"pk": _delivery_pk(delivery.org_id), "sk": f"{delivery.subscription_id}#{delivery.id}",
                  "gsi1pk": _deliveries_pk(delivery.org_id, delivery.subscription_id),
                  "gsi1sk": f"{iso(delivery.created_at)}#{delivery.id}", "entity": "webhook_delivery",
                  **delivery.model_dump(mode="json")}
    if delivery.status == "pending" and delivery.next_attempt_at is not None:
        item["gsi2pk"] = _due_pk(delivery.org_id)
        item["gsi2sk"] = f"{iso(delivery.next_attempt_at)}#{delivery.subscription_id}#{delivery.id}"
    return item


def delivery_from_item(item: Item) -> Delivery:
    return Delivery.model_validate(item)


def delivery_key(org_id: str, subscription_id: str, delivery_id: str) -> tuple[str, str]:
    return _delivery_pk(org_id), f"{subscription_id}#{delivery_id}"


def get_delivery(store: Store, org_id: str, subscription_id: str, delivery_id: str) -> Delivery | None:
    item = store.get(*delivery_key(org_id, subscription_id, delivery_id))
    return delivery_from_item(item) if item else None


def existing_deliveries(store: Store, org_id: str, subscription_id: str, ids: list[str]) -> set[str]:
    keys = [delivery_key(org_id, subscription_id, i) for i in ids]
    found: set[str] = set()
    for start in range(0, len(keys), 100):
        found.update(str(item["id"]) for item in store.batch_get(keys[start:start + 100]))
    return found


def _counts(delivery: Delivery, status: DeliveryStatus, by: int) -> Increment:
    return Increment(_pk(delivery.org_id), _counts_sk(delivery.subscription_id, status), "count", by)


def insert_delivery(delivery: Delivery) -> list[Operation]:
    return [Put(delivery_item(delivery), MustNotExist()), _counts(delivery, delivery.status, 1)]


def remove_delivery(delivery: Delivery) -> Delete:
    """A delivery of a deleted subscription (its counters went with it)."""
    return Delete(*delivery_key(delivery.org_id, delivery.subscription_id, delivery.id),
                  ExpectedVersion(delivery.version))


def replace_delivery(updated: Delivery, current: Delivery) -> list[Operation]:
    ops: list[Operation] = [Put(delivery_item(updated), ExpectedVersion(current.version))]
    if updated.status != current.status:
        ops += [_counts(current, current.status, -1), _counts(updated, updated.status, 1)]
    return ops


def delivery_count(store: Store, org_id: str, subscription_id: str, status: DeliveryStatus | None) -> int:
    statuses = get_args(DeliveryStatus) if status is None else (status,)
    return sum(int(item.get("count", 0))
               for item in store.batch_get([(_pk(org_id), _counts_sk(subscription_id, s)) for s in statuses]))


def query_deliveries(store: Store, org_id: str, subscription_id: str, limit: int, cursor: str | None) -> Page:
    """A subscription's deliveries, newest first."""
    return store.query(_deliveries_pk(org_id, subscription_id), index="gsi1", forward=False, limit=limit,
                       cursor=cursor)


def due(store: Store, org_id: str, until: str, limit: int) -> Page:
    """Pending deliveries whose next attempt is at or before ``until`` (an ``iso`` time), oldest first."""
    return store.query(_due_pk(org_id), index="gsi2", end=until + "~", limit=limit)

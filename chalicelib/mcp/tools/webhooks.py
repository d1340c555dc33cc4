"""Tools of the ``webhooks`` toolset: the event catalogue, subscriptions (list, create, delete), the delivery log
and replay; thin adapters over ``chalicelib.webhooks`` as the ``/api/v1/webhooks`` routes are."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from chalicelib.mcp.models import Confirm, Cursor, Deleted, IdempotencyKey, like, page_fields, request
from chalicelib.mcp.registry import Caller, tool
from chalicelib.store.pagination import PageQuery
from chalicelib.webhooks import deliveries, subscriptions
from chalicelib.webhooks.catalogue import describe
from chalicelib.webhooks.models import (
    DeliveryOut,
    DeliveryQuery,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionOut,
)

TOOLSET = "webhooks"
RESOURCE = "webhooks"

WebhookId = Annotated[str, Field(min_length=1, max_length=64, description="The subscription's `id` (from "
                                                                          "list_webhooks).")]


class EventList(BaseModel):
    events: list[dict[str, Any]]


class WebhookList(BaseModel):
    webhooks: list[SubscriptionOut]
    count: int
    total: int
    next_cursor: str | None


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]
    count: int
    total: int
    next_cursor: str | None


@tool("list_webhook_events", toolset=TOOLSET, title="List webhook events", action="read", resource=RESOURCE)
def list_webhook_events(caller: Caller) -> EventList:
    """The events a subscription may ask for, each with its description, aliases and an example payload."""
    return EventList(events=describe())


@tool("list_webhooks", toolset=TOOLSET, title="List webhook subscriptions", action="read", resource=RESOURCE)
def list_webhooks(caller: Caller, *, limit: Annotated[int, like(PageQuery, "limit", "Per page, at most 100.")] = 50,
                  cursor: Cursor = None) -> WebhookList:
    """The organization's webhook subscriptions (URL, events, active, why disabled), oldest first."""
    listing = subscriptions.list_subscriptions(caller.deps, caller.org_id, request(PageQuery, limit=limit,
                                                                                   cursor=cursor))
    return WebhookList(webhooks=listing.items, **page_fields(listing))


@tool("create_webhook", toolset=TOOLSET, title="Subscribe an endpoint", action="write", resource=RESOURCE,
      replayable=False)
def create_webhook(caller: Caller, *,
                   url: Annotated[str, like(SubscriptionCreate, "url", "The https:// endpoint that receives the "
                                                                       "deliveries.")],
                   events: Annotated[list[str] | None, Field(default=None, min_length=1, max_length=100,
                                                             description="Event names (list_webhook_events), or "
                                                                         "[\"*\"] for all (the default).")] = None,
                   description: Annotated[str | None, like(SubscriptionCreate, "description", "A label.")] = None,
                   idempotency_key: IdempotencyKey = None) -> SubscriptionCreated:
    """Subscribe an endpoint to events. The answer holds the signing secret (`whsec_...`) once: deliveries carry
    Standard Webhooks signatures and `X-Signature: sha256=<hex HMAC of the body>`."""
    data = request(SubscriptionCreate, url=url, events=events or ["*"], description=description)
    return subscriptions.create_subscription(caller.deps, caller.org_id, data, source="mcp")


@tool("delete_webhook", toolset=TOOLSET, title="Delete a webhook subscription", action="delete", resource=RESOURCE,
      destructive=True, idempotent=True)
def delete_webhook(caller: Caller, *, webhook_id: WebhookId, confirm: Confirm = False,
                   idempotency_key: IdempotencyKey = None) -> Deleted:
    """Delete a subscription: nothing more is delivered to it. Requires `confirm: true`. Returns `{success, id}`."""
    subscriptions.delete_subscription(caller.deps, caller.org_id, webhook_id)
    return Deleted(success=True, id=webhook_id)


@tool("list_webhook_deliveries", toolset=TOOLSET, title="The delivery log", action="read", resource=RESOURCE)
def list_webhook_deliveries(caller: Caller, *, webhook_id: WebhookId,
                            status: Annotated[str | None, Field(default=None,
                                                                pattern="^(pending|delivered|failed|cancelled)$",
                                                                description="Only deliveries in this state.")]
                            = None,
                            limit: Annotated[int, like(DeliveryQuery, "limit", "Per page, at most 100.")] = 20,
                            cursor: Cursor = None) -> DeliveryList:
    """A subscription's deliveries, newest first, each with its attempts (status code, duration, the answer's
    first 1 KB) and the next retry."""
    query = request(DeliveryQuery, status=status, limit=limit, cursor=cursor)
    listing = deliveries.list_deliveries(caller.deps, caller.org_id, webhook_id, query)
    return DeliveryList(deliveries=listing.items, **page_fields(listing))


@tool("replay_webhook_delivery", toolset=TOOLSET, title="Send a delivery again", action="write", resource=RESOURCE)
def replay_webhook_delivery(caller: Caller, *, webhook_id: WebhookId,
                            delivery_id: Annotated[str, Field(min_length=1, max_length=64,
                                                              description="The delivery's `id`.")],
                            idempotency_key: IdempotencyKey = None) -> DeliveryOut:
    """Send a delivery again now (same `webhook-id` and body, freshly signed) and answer the attempt's outcome."""
    return deliveries.replay(caller.deps, caller.org_id, webhook_id, delivery_id)

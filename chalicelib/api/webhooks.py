"""Routes of ``/api/v1/webhooks`` (subscriptions, the event catalogue, deliveries), of ``/api/v1/hooks`` (Zapier's
REST hooks) and ``/api/v1/me`` (the connection test of automation platforms): thin adapters over
``chalicelib.webhooks``. Scope resource ``webhooks``.

The ``/hooks`` routes speak Zapier's wire format: the subscription answers its ``id`` at the top level and the
samples are a bare JSON array, as Zapier's REST-hook trigger reads them.
"""

from __future__ import annotations

from typing import Any

from chalicelib.api.routing import RouteGroup
from chalicelib.api.views import Ctx, Reply, deleted
from chalicelib.auth.models import Me
from chalicelib.auth.service import whoami
from chalicelib.store.pagination import Listing, PageQuery
from chalicelib.webhooks import deliveries, subscriptions
from chalicelib.webhooks.catalogue import describe
from chalicelib.webhooks.models import (
    DeliveryOut,
    DeliveryQuery,
    EventQuery,
    EventTypeOut,
    HookCreate,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionOut,
    SubscriptionPatch,
)

group = RouteGroup("webhooks", tag="Webhooks")
route = group.route
HOOKS = {"resource": "webhooks"}
BASE = "/api/v1/webhooks"
ITEM = BASE + "/{webhook_id}"
DELIVERY = ITEM + "/deliveries/{delivery_id}"


@route("GET", BASE + "/events", operation_id="listWebhookEvents", summary="The event catalogue", action="read",
       **HOOKS, query=EventQuery, response=EventTypeOut, list_response=True,
       description="Every event a subscription may ask for (MonChai's and CashPilot's names; `client.*` are aliases "
                   "of `customer.*`), each with an example `data`.")
def list_events(ctx: Ctx) -> Any:
    events = [e for e in describe() if ctx.query.group in (None, e["group"])]
    return Reply({"data": events, "meta": {"page": 1, "limit": len(events), "total": len(events),
                                           "next_cursor": None}})


@route("GET", BASE, operation_id="listWebhooks", summary="List webhook subscriptions", action="read", **HOOKS,
       query=PageQuery, response=SubscriptionOut, list_response=True)
def list_webhooks(ctx: Ctx) -> Listing:
    return subscriptions.list_subscriptions(ctx.deps, ctx.org_id, ctx.query)


@route("POST", BASE, operation_id="createWebhook", summary="Subscribe an endpoint", action="write", **HOOKS,
       body=SubscriptionCreate, response=SubscriptionCreated, status=201, replayable=False,
       description="Answers the signing secret (`whsec_...`) once. The URL must be `https://` on a public "
                   "address (422 `url_not_allowed` naming the rule).")
def create_webhook(ctx: Ctx) -> Any:
    return subscriptions.create_subscription(ctx.deps, ctx.org_id, ctx.body)


@route("GET", ITEM, operation_id="getWebhook", summary="Get a webhook subscription", action="read", **HOOKS,
       response=SubscriptionOut)
def get_webhook(ctx: Ctx) -> Any:
    return subscriptions.get_subscription(ctx.deps, ctx.org_id, ctx.path["webhook_id"])


@route("PATCH", ITEM, operation_id="updateWebhook", summary="Change a webhook subscription", action="write",
       **HOOKS, body=SubscriptionPatch, response=SubscriptionOut,
       description="`active: true` re-enables a disabled subscription (it receives the events from then on).")
def update_webhook(ctx: Ctx) -> Any:
    return subscriptions.update_subscription(ctx.deps, ctx.org_id, ctx.path["webhook_id"], ctx.body)


@route("DELETE", ITEM, operation_id="deleteWebhook", summary="Delete a webhook subscription", action="delete",
       **HOOKS)
def delete_webhook(ctx: Ctx) -> Any:
    subscriptions.delete_subscription(ctx.deps, ctx.org_id, ctx.path["webhook_id"])
    return deleted()


@route("POST", ITEM + "/rotate-secret", operation_id="rotateWebhookSecret", summary="Rotate the signing secret",
       action="write", **HOOKS, response=SubscriptionCreated, replayable=False,
       description="Answers the new secret once; the previous one keeps signing deliveries for 24 hours.")
def rotate_secret(ctx: Ctx) -> Any:
    return subscriptions.rotate_secret(ctx.deps, ctx.org_id, ctx.path["webhook_id"])


@route("POST", ITEM + "/test", operation_id="testWebhook", summary="Send a test delivery now", action="write",
       **HOOKS, response=DeliveryOut, description="POSTs a `webhook.test` event and answers how the endpoint "
                                                 "answered (no retries).")
def test_webhook(ctx: Ctx) -> Any:
    return deliveries.send_test(ctx.deps, ctx.org_id, ctx.path["webhook_id"])


@route("GET", ITEM + "/deliveries", operation_id="listWebhookDeliveries", summary="The delivery log",
       action="read", **HOOKS, query=DeliveryQuery, response=DeliveryOut, list_response=True,
       description="Newest first; each delivery with its attempts (time, status code, duration, first 1 KB of "
                   "the answer).")
def list_deliveries(ctx: Ctx) -> Listing:
    return deliveries.list_deliveries(ctx.deps, ctx.org_id, ctx.path["webhook_id"], ctx.query)


@route("GET", DELIVERY, operation_id="getWebhookDelivery", summary="Get a delivery", action="read", **HOOKS,
       response=DeliveryOut)
def get_delivery(ctx: Ctx) -> Any:
    return deliveries.get_delivery(ctx.deps, ctx.org_id, ctx.path["webhook_id"], ctx.path["delivery_id"])


@route("POST", DELIVERY + "/replay", operation_id="replayWebhookDelivery", summary="Send a delivery again now",
       action="write", **HOOKS, response=DeliveryOut,
       description="Same `webhook-id` and body, freshly signed; the attempt is added to the log.")
def replay_delivery(ctx: Ctx) -> Any:
    return deliveries.replay(ctx.deps, ctx.org_id, ctx.path["webhook_id"], ctx.path["delivery_id"])


@route("POST", "/api/v1/hooks", operation_id="subscribeHook", summary="Subscribe a REST hook (Zapier)",
       action="write", **HOOKS, body=HookCreate, status=201, replayable=False,
       description="Zapier's `performSubscribe`: `{target_url, event}`; answers `{id, ...}` at the top level.")
def subscribe_hook(ctx: Ctx) -> Any:
    return Reply(subscriptions.create_hook(ctx.deps, ctx.org_id, ctx.body), status=201)


@route("DELETE", "/api/v1/hooks/{hook_id}", operation_id="unsubscribeHook", summary="Unsubscribe a REST hook",
       action="delete", **HOOKS)
def unsubscribe_hook(ctx: Ctx) -> Any:
    subscriptions.delete_subscription(ctx.deps, ctx.org_id, ctx.path["hook_id"])
    return deleted()


@route("GET", "/api/v1/hooks/samples/{event}", operation_id="listHookSamples", summary="Sample bodies of an event",
       action="read", **HOOKS, description="Zapier's `performList`: a JSON array of up to 3 recent bodies of the "
                                           "event, in the delivery format (the catalogue's example when there is "
                                           "none yet).")
def hook_samples(ctx: Ctx) -> Any:
    return Reply(deliveries.samples(ctx.deps, ctx.org_id, ctx.path["event"]))


@route("GET", "/api/v1/me", operation_id="getMe", summary="Who this key belongs to", action="read", **HOOKS,
       response=Me, description="The connection test of Zapier, Make and n8n: the organization and the key.")
def me(ctx: Ctx) -> Any:
    return whoami(ctx.deps, ctx.caller)


group.seal()

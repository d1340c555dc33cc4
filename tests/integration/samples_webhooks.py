"""Matrix samples of the ``webhooks`` routes: a subscription to a closed loopback port (deliveries fail fast, which
is all a scope check needs) and a delivery made by its test ping."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.api.local import LocalClient
from tests.integration.matrix import Sample

BASE = "/api/v1/webhooks"
CLOSED_PORT_URL = "http://127.0.0.1:9/hook"


def subscription(owner: LocalClient) -> str:
    response = owner.post(BASE, json={"url": CLOSED_PORT_URL, "events": ["invoice.paid"]})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


def delivery(owner: LocalClient) -> tuple[str, str]:
    sub_id = subscription(owner)
    response = owner.post(f"{BASE}/{sub_id}/test")
    assert response.status_code == 200, response.text
    return sub_id, str(response.json()["data"]["id"])


def _delivery_path(owner: LocalClient, tail: str = "") -> Sample:
    sub_id, delivery_id = delivery(owner)
    return Sample(f"{BASE}/{sub_id}/deliveries/{delivery_id}{tail}")


REQUESTS: dict[str, Callable[[LocalClient], Sample]] = {
    "listWebhookEvents": lambda o: Sample(f"{BASE}/events"),
    "listWebhooks": lambda o: Sample(BASE),
    "createWebhook": lambda o: Sample(BASE, {"url": CLOSED_PORT_URL, "events": ["customer.created"]}),
    "getWebhook": lambda o: Sample(f"{BASE}/{subscription(o)}"),
    "updateWebhook": lambda o: Sample(f"{BASE}/{subscription(o)}", {"description": "Comptabilité"}),
    "deleteWebhook": lambda o: Sample(f"{BASE}/{subscription(o)}"),
    "rotateWebhookSecret": lambda o: Sample(f"{BASE}/{subscription(o)}/rotate-secret"),
    "testWebhook": lambda o: Sample(f"{BASE}/{subscription(o)}/test"),
    "listWebhookDeliveries": lambda o: Sample(f"{BASE}/{subscription(o)}/deliveries"),
    "getWebhookDelivery": lambda o: _delivery_path(o),
    "replayWebhookDelivery": lambda o: _delivery_path(o, "/replay"),
    "subscribeHook": lambda o: Sample("/api/v1/hooks", {"target_url": CLOSED_PORT_URL, "event": "invoice.paid"}),
    "unsubscribeHook": lambda o: Sample(f"/api/v1/hooks/{subscription(o)}"),
    "listHookSamples": lambda o: Sample("/api/v1/hooks/samples/invoice.paid"),
    "getMe": lambda o: Sample("/api/v1/me"),
}

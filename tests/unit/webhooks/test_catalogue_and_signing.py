"""The event catalogue's names and aliases, and the two signatures, checked against independent verifiers."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from chalicelib.webhooks.catalogue import CATALOGUE, canonical, delivered_name, describe, examples, known_names
from chalicelib.webhooks.signing import body_signature, new_secret, standard_signature


@pytest.mark.parametrize(("subscribed", "event", "expected"), [
    (["client.created"], "customer.created", "client.created"),
    (["customer.created"], "customer.created", "customer.created"),
    (["*"], "customer.created", "customer.created"),
    (["*", "client.created"], "customer.created", "client.created"),
    (["invoice.paid"], "customer.created", None),
    (["*"], "api_key.created", None),  # not in the catalogue: never delivered
    (["client.deleted"], "customer.deleted", "client.deleted"),
])
def test_a_subscription_hears_an_event_under_the_name_it_asked_for(subscribed: list[str], event: str,
                                                                   expected: str | None) -> None:
    assert delivered_name(subscribed, event) == expected


def test_every_name_and_alias_is_known_and_every_event_has_an_example() -> None:
    assert canonical("client.updated") == "customer.updated" and canonical("nope.nope") is None
    assert {"client.created", "customer.created", "order.shipped", "bank.alert"} <= set(known_names())
    assert set(examples()) == {event.name for event in CATALOGUE}
    assert all(row["example"] for row in describe())


def test_names_follow_the_standard_webhooks_rule() -> None:
    import re

    assert all(re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)+", name) for name in known_names())


def test_the_standard_signature_verifies_with_the_standardwebhooks_package() -> None:
    secret = new_secret()
    now = datetime.now(UTC)
    body = b'{"event":"invoice.paid","data":{"id":"x"}}'
    headers = {"webhook-id": "msg_1", "webhook-timestamp": str(int(now.timestamp())),
               "webhook-signature": standard_signature([secret], "msg_1", int(now.timestamp()), body)}
    assert Webhook(secret).verify(body, headers) == {"event": "invoice.paid", "data": {"id": "x"}}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers)


def test_two_secrets_give_two_signatures_each_verifying_alone() -> None:
    old, new = new_secret(), new_secret()
    ts = int(datetime.now(UTC).timestamp())
    header = standard_signature([new, old], "msg_2", ts, b"{}")
    assert len(header.split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(b"{}", {"webhook-id": "msg_2", "webhook-timestamp": str(ts),
                                       "webhook-signature": header})


def test_the_body_signature_is_the_hex_hmac_keyed_with_the_whole_secret_string() -> None:
    secret = new_secret()
    body = '{"event":"order.created","data":{}}'
    expected = "sha256=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
    assert body_signature(secret, body.encode()) == expected
    assert body_signature(secret, body.encode()) != body_signature(new_secret(), body.encode())

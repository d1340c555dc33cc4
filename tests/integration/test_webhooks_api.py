"""Webhook subscriptions and deliveries end to end (both backends): events caused through the API reach a receiver
on 127.0.0.1, signed so that the ``standardwebhooks`` package and the product document's snippet both verify them."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook

from chalicelib.core.clock import FixedClock
from chalicelib.store.deps import Deps
from chalicelib.webhooks.worker import run_org
from chalicelib.wiring import with_webhook_dispatch
from tests.conftest import unique
from tests.integration.conftest import Tenant
from tests.integration.webhook_receiver import Receiver, receiving

BASE = "/api/v1/webhooks"


@pytest.fixture
def clock() -> FixedClock:
    # Near the real time: the standardwebhooks package checks webhook-timestamp against its own clock (±5 min).
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with receiving() as running:
        yield running


def verify_webhook(payload, signature, secret):  # type: ignore[no-untyped-def]  # the MonChai document's snippet, verbatim
    expected = 'sha256=' + hmac.new(
        secret.encode(),
        payload.encode(),
        hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(signature, expected)


def subscribe(tenant: Tenant, url: str, events: list[str] | None = None) -> dict:  # type: ignore[type-arg]
    response = tenant.client.post(BASE, json={"url": url, **({"events": events} if events else {})})
    assert response.status_code == 201, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def new_client(tenant: Tenant) -> str:
    response = tenant.client.post("/api/v1/clients", json={"company_name": unique("Domaine")})
    assert response.status_code == 201
    return str(response.json()["data"]["id"])


def deliveries(tenant: Tenant, sub_id: str) -> list[dict]:  # type: ignore[type-arg]
    response = tenant.client.get(f"{BASE}/{sub_id}/deliveries")
    assert response.status_code == 200, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def test_a_new_client_reaches_both_the_client_and_the_customer_subscriptions_signed_both_ways(
        deps: Deps, tenant: Tenant, receiver: Receiver) -> None:
    monchai = subscribe(tenant, receiver.url + "?as=monchai", ["customer.created"])
    cashpilot = subscribe(tenant, receiver.url + "?as=cashpilot", ["client.created"])
    client_id = new_client(tenant)
    run_org(deps, tenant.org_id)
    got = {r.path.split("=")[1]: r for r in receiver.wait_for(2)}
    for name, sub, event in (("monchai", monchai, "customer.created"), ("cashpilot", cashpilot, "client.created")):
        request = got[name]
        body = json.loads(request.body)
        assert (body["event"], body["type"], body["data"]["id"]) == (event, event, client_id)
        assert body["organization_id"] == tenant.org_id and body["timestamp"].endswith("Z")
        assert Webhook(sub["secret"]).verify(request.body, request.headers) == body
        assert verify_webhook(request.body.decode(), request.headers["x-signature"], sub["secret"])
        assert not verify_webhook(request.body.decode(), request.headers["x-signature"], monchai["secret"] + "x")
        assert request.headers["webhook-id"] == body["id"]
    assert got["monchai"].headers["webhook-id"] == got["cashpilot"].headers["webhook-id"]  # one event, one id


def test_the_secret_is_shown_once_and_lists_show_its_hint(tenant: Tenant, receiver: Receiver) -> None:
    sub = subscribe(tenant, receiver.url)
    assert sub["secret"].startswith("whsec_") and sub["events"] == ["*"] and sub["active"] is True
    listed = tenant.client.get(BASE).json()
    assert listed["meta"]["total"] == 1 and "secret" not in listed["data"][0]
    assert listed["data"][0]["secret_hint"] == "whsec_..." + sub["secret"][-4:]
    assert "secret" not in tenant.client.get(f"{BASE}/{sub['id']}").json()["data"]


def test_only_the_events_a_subscription_asked_for_are_delivered(deps: Deps, tenant: Tenant,
                                                                 receiver: Receiver) -> None:
    sub = subscribe(tenant, receiver.url, ["product.created"])
    new_client(tenant)
    assert tenant.client.post("/api/v1/products", json={"product_name": unique("Vin"), "unit_price": "12.50"}
                              ).status_code == 201
    run_org(deps, tenant.org_id)
    [request] = receiver.wait_for(1)
    assert json.loads(request.body)["event"] == "product.created"
    assert [d["event"] for d in deliveries(tenant, sub["id"])] == ["product.created"]


def test_a_subscription_hears_only_what_happens_after_it_was_made(deps: Deps, tenant: Tenant,
                                                                  receiver: Receiver, clock: FixedClock) -> None:
    new_client(tenant)
    clock.advance(1)
    subscribe(tenant, receiver.url, ["customer.created"])
    run_org(deps, tenant.org_id)
    assert receiver.received == []


def test_failed_attempts_follow_the_standard_webhooks_schedule_then_fail(deps: Deps, tenant: Tenant,
                                                                         receiver: Receiver,
                                                                         clock: FixedClock) -> None:
    sub = subscribe(tenant, receiver.url, ["customer.created"])
    receiver.answer(500, b"boom", times=8)
    new_client(tenant)
    run_org(deps, tenant.org_id)
    delays = [5, 300, 1800, 7200, 18000, 36000, 36000]
    for n, delay in enumerate(delays, start=1):
        [delivery] = deliveries(tenant, sub["id"])
        assert (delivery["status"], delivery["attempt_count"], delivery["response_code"]) == ("pending", n, 500)
        assert delivery["response_body"] == "boom"
        last = datetime.fromisoformat(delivery["attempts"][-1]["at"])
        wait = datetime.fromisoformat(delivery["next_attempt_at"]) - last
        assert timedelta(seconds=delay) <= wait <= timedelta(seconds=delay * 1.1)
        clock.advance(delay - 1)
        run_org(deps, tenant.org_id)
        assert len(receiver.received) == n  # not yet due
        clock.advance(delay * 0.1 + 1)
        run_org(deps, tenant.org_id)
        assert len(receiver.received) == n + 1
    [delivery] = deliveries(tenant, sub["id"])
    assert (delivery["status"], delivery["attempt_count"], delivery["next_attempt_at"]) == ("failed", 8, None)
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # the same id on every retry


def test_a_retry_after_longer_than_the_schedule_is_honoured(deps: Deps, tenant: Tenant, receiver: Receiver) -> None:
    sub = subscribe(tenant, receiver.url, ["customer.created"])
    receiver.answer(429, headers={"Retry-After": "120"})
    new_client(tenant)
    run_org(deps, tenant.org_id)
    [delivery] = deliveries(tenant, sub["id"])
    wait = datetime.fromisoformat(delivery["next_attempt_at"]) - datetime.fromisoformat(delivery["attempts"][0]["at"])
    assert wait == timedelta(seconds=120)


def test_a_410_gone_unsubscribes_at_once(deps: Deps, tenant: Tenant, receiver: Receiver) -> None:
    sub = subscribe(tenant, receiver.url, ["customer.created"])
    receiver.answer(410)
    for _ in range(3):
        new_client(tenant)
    run_org(deps, tenant.org_id)
    assert len(receiver.received) == 1  # the deliveries after the 410 are not sent, even in the same run
    got = tenant.client.get(f"{BASE}/{sub['id']}").json()["data"]
    assert (got["active"], got["disabled_reason"]) == (False, "gone")
    assert sorted(d["status"] for d in deliveries(tenant, sub["id"])) == ["cancelled", "cancelled", "failed"]
    new_client(tenant)
    run_org(deps, tenant.org_id)
    assert len(receiver.received) == 1


def test_three_days_of_failures_disable_the_subscription_with_an_event(deps: Deps, tenant: Tenant,
                                                                       receiver: Receiver,
                                                                       clock: FixedClock) -> None:
    sub = subscribe(tenant, receiver.url, ["customer.created"])
    subscribe(tenant, receiver.url + "?watcher", ["webhook.disabled"])
    receiver.answer(503, times=100)
    new_client(tenant)
    for _ in range(16):  # every 6 hours a run and a new event, until 3 days of failures
        run_org(deps, tenant.org_id)
        clock.advance(6 * 3600)
        if not tenant.client.get(f"{BASE}/{sub['id']}").json()["data"]["active"]:
            break
        new_client(tenant)
    got = tenant.client.get(f"{BASE}/{sub['id']}").json()["data"]
    assert (got["active"], got["disabled_reason"]) == (False, "failing")
    failing_for = datetime.fromisoformat(got["disabled_at"]) - datetime.fromisoformat(got["failing_since"])
    assert failing_for >= timedelta(days=3)
    receiver.answers.clear()
    run_org(deps, tenant.org_id)
    alerts = [json.loads(r.body) for r in receiver.received if r.path.endswith("?watcher")]
    assert [a["data"]["id"] for a in alerts] == [sub["id"]] and alerts[0]["data"]["reason"] == "failing"


def test_re_enabling_a_subscription_starts_from_the_events_after_it(deps: Deps, tenant: Tenant,
                                                                    receiver: Receiver, clock: FixedClock) -> None:
    sub = subscribe(tenant, receiver.url, ["customer.created"])
    assert tenant.client.patch(f"{BASE}/{sub['id']}", json={"active": False}).status_code == 200
    new_client(tenant)
    run_org(deps, tenant.org_id)
    clock.advance(1)
    assert tenant.client.patch(f"{BASE}/{sub['id']}", json={"active": True}).json()["data"]["active"] is True
    later = new_client(tenant)
    run_org(deps, tenant.org_id)
    [request] = receiver.wait_for(1)
    assert json.loads(request.body)["data"]["id"] == later


def test_two_workers_at_once_deliver_each_event_once(deps: Deps, tenant: Tenant, receiver: Receiver) -> None:
    subscribe(tenant, receiver.url, ["customer.created"])
    created = {new_client(tenant) for _ in range(8)}
    start = threading.Barrier(3)

    def worker() -> None:
        start.wait()
        run_org(deps, tenant.org_id)

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run_org(deps, tenant.org_id)
    ids = [json.loads(r.body)["data"]["id"] for r in receiver.received]
    assert sorted(ids) == sorted(created)


def test_an_event_committed_after_a_later_one_is_still_delivered(deps: Deps, tenant: Tenant, receiver: Receiver,
                                                                 clock: FixedClock) -> None:
    from chalicelib.store.unit import commit, plain
    from chalicelib.webhooks.outbox import Event, record_event

    subscribe(tenant, receiver.url, ["customer.created"])
    clock.advance(120)
    new_client(tenant)
    run_org(deps, tenant.org_id)  # delivers it and moves the cursor to a minute ago
    # Stamped 3 s earlier than the event already delivered, committed after it (a write retried under contention).
    late = Event(id=deps.new_id(), org_id=tenant.org_id, type="customer.created", entity="client", entity_id="late",
                 payload={"id": "late"}, occurred_at=clock.now() - timedelta(seconds=3))
    commit(deps.store, plain([record_event(late)]))
    clock.advance(10)
    run_org(deps, tenant.org_id)
    assert [json.loads(r.body)["data"]["id"] for r in receiver.received][-1] == "late"


def test_replay_sends_the_same_delivery_again_and_logs_the_attempt(deps: Deps, tenant: Tenant,
                                                                   receiver: Receiver) -> None:
    sub = subscribe(tenant, receiver.url, ["customer.created"])
    new_client(tenant)
    run_org(deps, tenant.org_id)
    [delivery] = deliveries(tenant, sub["id"])
    replayed = tenant.client.post(f"{BASE}/{sub['id']}/deliveries/{delivery['id']}/replay")
    assert replayed.status_code == 200, replayed.text
    assert (replayed.json()["data"]["attempt_count"], replayed.json()["data"]["status"]) == (2, "delivered")
    first, second = receiver.wait_for(2)
    assert first.body == second.body and first.headers["webhook-id"] == second.headers["webhook-id"]
    assert tenant.client.post(f"{BASE}/{sub['id']}/deliveries/nope/replay").status_code == 404


def test_the_test_ping_answers_how_the_endpoint_answered(tenant: Tenant, receiver: Receiver) -> None:
    sub = subscribe(tenant, receiver.url)
    receiver.answer(418, b"teapot")
    response = tenant.client.post(f"{BASE}/{sub['id']}/test")
    assert response.status_code == 200, response.text
    ping = response.json()["data"]
    assert (ping["event"], ping["status"], ping["response_code"], ping["response_body"]) == (
        "webhook.test", "failed", 418, "teapot")
    assert ping["duration_ms"] >= 0
    assert json.loads(receiver.received[0].body)["event"] == "webhook.test"
    ok = tenant.client.post(f"{BASE}/{sub['id']}/test").json()["data"]
    assert (ok["status"], ok["response_code"]) == ("delivered", 200)
    assert tenant.client.get(f"{BASE}/{sub['id']}/deliveries").json()["meta"]["total"] == 2


def test_after_a_rotation_deliveries_are_signed_with_both_secrets_for_24_hours(deps: Deps, tenant: Tenant,
                                                                               receiver: Receiver,
                                                                               clock: FixedClock) -> None:
    sub = subscribe(tenant, receiver.url, ["customer.created"])
    rotated = tenant.client.post(f"{BASE}/{sub['id']}/rotate-secret").json()["data"]
    assert rotated["secret"] != sub["secret"] and rotated["previous_secret_expires_at"]
    new_client(tenant)
    run_org(deps, tenant.org_id)
    [request] = receiver.wait_for(1)
    for secret in (sub["secret"], rotated["secret"]):
        Webhook(secret).verify(request.body, request.headers)
    assert verify_webhook(request.body.decode(), request.headers["x-signature"], rotated["secret"])
    assert verify_webhook(request.body.decode(), request.headers["x-signature-previous"], sub["secret"])
    clock.advance(24 * 3600 + 1)
    tenant.client.post(f"{BASE}/{sub['id']}/test")
    later = receiver.received[-1]
    assert len(later.headers["webhook-signature"].split()) == 1 and "x-signature-previous" not in later.headers


@pytest.mark.parametrize("url", ["http://10.0.0.8/hook", "https://169.254.169.254/latest", "ftp://example.com/x",
                                 "https://user:pw@127.0.0.1/x", "not a url"])
def test_a_url_the_guard_refuses_is_a_422_naming_the_field(tenant: Tenant, url: str) -> None:
    response = tenant.client.post(BASE, json={"url": url})
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "url_not_allowed" and "url" in response.json()["details"]
    assert tenant.client.get(BASE).json()["meta"]["total"] == 0


def test_unknown_event_names_are_refused(tenant: Tenant, receiver: Receiver) -> None:
    response = tenant.client.post(BASE, json={"url": receiver.url, "events": ["invoice.paid", "invoice.teleported"]})
    assert response.status_code == 422 and "events" in json.dumps(response.json()["details"])


def test_the_catalogue_holds_both_products_names_with_examples(tenant: Tenant) -> None:
    events = {e["name"]: e for e in tenant.client.get(f"{BASE}/events").json()["data"]}
    for name in ("customer.created", "customer.updated", "customer.deleted", "order.created", "order.updated",
                 "order.paid", "order.shipped", "order.cancelled", "stock.low", "lot.created", "analysis.alert",
                 "invoice.paid", "payment.created", "quote.accepted", "credit_note.issued", "expense.created",
                 "client.created", "bank.transaction.matched"):
        assert events[name]["example"], name
    assert events["client.created"]["alias_of"] == "customer.created"
    assert events["customer.created"]["aliases"] == ["client.created"]


def test_a_rest_hook_subscribes_delivers_and_unsubscribes(deps: Deps, tenant: Tenant, receiver: Receiver) -> None:
    created = tenant.client.post("/api/v1/hooks", json={"target_url": receiver.url, "event": "client.created"})
    assert created.status_code == 201, created.text
    hook_id = created.json()["id"]
    assert created.json()["event"] == "client.created" and created.json()["target_url"] == receiver.url
    client_id = new_client(tenant)
    run_org(deps, tenant.org_id)
    assert json.loads(receiver.wait_for(1)[0].body)["data"]["id"] == client_id
    assert tenant.client.delete(f"/api/v1/hooks/{hook_id}").status_code == 200
    assert tenant.client.get(f"{BASE}/{hook_id}").status_code == 404
    private = tenant.client.post("/api/v1/hooks", json={"target_url": "http://10.1.1.1/", "event": "invoice.paid"})
    assert private.status_code == 422 and private.json()["error"] == "url_not_allowed"
    assert "target_url" in private.json()["details"]
    unknown = tenant.client.post("/api/v1/hooks", json={"target_url": receiver.url, "event": "x.y"})
    assert unknown.status_code == 422 and "event" in unknown.json()["details"]


def test_hook_samples_are_an_array_of_recent_bodies_of_this_organization_only(tenant: Tenant,
                                                                              other_tenant: Tenant) -> None:
    client_id = new_client(tenant)
    mine = tenant.client.get("/api/v1/hooks/samples/client.created")
    assert mine.status_code == 200 and isinstance(mine.json(), list)
    assert mine.json()[0]["data"]["id"] == client_id and mine.json()[0]["event"] == "client.created"
    theirs = other_tenant.client.get("/api/v1/hooks/samples/client.created").json()
    assert client_id not in json.dumps(theirs) and theirs[0]["organization_id"] == other_tenant.org_id
    everything = tenant.client.get("/api/v1/hooks/samples/*").json()
    known = {e["name"] for e in tenant.client.get(f"{BASE}/events").json()["data"]}
    assert everything and all(s["event"] in known for s in everything)  # never api_key.* or member.*
    assert tenant.client.get("/api/v1/hooks/samples/nothing.here").status_code == 404


def test_me_names_the_organization_and_the_key(tenant: Tenant) -> None:
    me = tenant.client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["data"]["organization"]["id"] == tenant.org_id
    assert me.json()["data"]["key"]["id"] == tenant.boot.key.id and "key" not in me.json()["data"]["key"]


def test_the_local_dispatch_delivers_right_after_the_write(deps: Deps, tenant: Tenant, receiver: Receiver) -> None:
    from chalicelib.wiring import using

    dispatching = with_webhook_dispatch(deps)
    with using(dispatching):
        subscribe(tenant, receiver.url, ["customer.created"])
        client_id = new_client(tenant)
        [request] = receiver.wait_for(1, timeout=10)
    assert json.loads(request.body)["data"]["id"] == client_id


def test_a_deleted_subscription_receives_nothing_more(deps: Deps, tenant: Tenant, receiver: Receiver) -> None:
    sub = subscribe(tenant, receiver.url, ["customer.created"])
    receiver.answer(500)
    new_client(tenant)
    run_org(deps, tenant.org_id)
    assert tenant.client.delete(f"{BASE}/{sub['id']}").status_code == 200
    run_org(deps, tenant.org_id)
    new_client(tenant)
    run_org(deps, tenant.org_id)
    assert len(receiver.received) == 1


def test_the_catalogue_examples_have_the_shape_the_services_write(deps: Deps, tenant: Tenant) -> None:
    from chalicelib.webhooks.catalogue import example
    from chalicelib.webhooks.outbox import recent_events
    from tests.integration.bank_files import new_iban

    client_id = new_client(tenant)
    tenant.client.patch(f"/api/v1/clients/{client_id}", json={"city": "Beaune"})
    tenant.client.post("/api/v1/invoices", json={"client_id": client_id, "total_ht": "100.00", "tax_rate": "20"})
    product = tenant.client.post("/api/v1/products", json={"product_name": unique("Vin"), "unit_price": "9.90"})
    tenant.client.delete(f"/api/v1/products/{product.json()['data']['id']}")
    tenant.client.post("/api/v1/expenses", json={"expense_date": "2026-03-02", "amount": "30.00"})
    tenant.client.post("/api/v1/bank/accounts", json={"name": "Compte", "iban": new_iban()})
    other = new_client(tenant)
    tenant.client.delete(f"/api/v1/clients/{other}")
    written = {e.type: e.payload for e in reversed(recent_events(deps.store, tenant.org_id))}
    checked = ["customer.created", "customer.updated", "customer.deleted", "invoice.created", "product.created",
               "product.deleted", "expense.created", "bank.account.created"]
    assert set(checked) <= set(written)
    for name in checked:
        assert set(example(name)) == set(written[name]), name


def test_the_table_stream_handler_delivers_the_events_it_is_given(deps: Deps, tenant: Tenant,
                                                                  receiver: Receiver) -> None:
    from boto3.dynamodb.types import TypeSerializer

    from chalicelib.webhooks.outbox import recent_events, record_event
    from functions.webhook_deliveries import on_outbox_events

    subscribe(tenant, receiver.url, ["customer.created"])
    client_id = new_client(tenant)
    [written] = [e for e in recent_events(deps.store, tenant.org_id) if e.type == "customer.created"]
    image = {k: TypeSerializer().serialize(v) for k, v in record_event(written).item.items() if v is not None}
    records = [{"eventName": "INSERT", "dynamodb": {"NewImage": image}},
               {"eventName": "MODIFY", "dynamodb": {"NewImage": image}},
               {"eventName": "INSERT", "dynamodb": {"NewImage": {"pk": {"S": "ORG#x"}, "org_id": {"S": "x"}}}}]
    answer = on_outbox_events({"Records": records}, None)
    assert list(answer["organizations"]) == [tenant.org_id]
    [request] = receiver.wait_for(1)
    assert json.loads(request.body)["data"]["id"] == client_id


@pytest.mark.parametrize("value", ["\u00b2", "9" * 5000, "99999999999999999", "Wed, 21 Oct 2026 07:28:00 GMT", "-5"])
def test_an_odd_retry_after_is_ignored_not_fatal(deps: Deps, tenant: Tenant, receiver: Receiver, value: str) -> None:
    sub = subscribe(tenant, receiver.url, ["customer.created"])
    receiver.answer(503, headers={"Retry-After": value})
    new_client(tenant)
    run_org(deps, tenant.org_id)
    [delivery] = deliveries(tenant, sub["id"])
    wait = datetime.fromisoformat(delivery["next_attempt_at"]) - datetime.fromisoformat(delivery["attempts"][0]["at"])
    assert delivery["status"] == "pending" and timedelta(seconds=5) <= wait <= timedelta(seconds=6)


def test_patch_clears_the_description_refuses_nulls_and_an_empty_patch_writes_nothing(tenant: Tenant,
                                                                                    receiver: Receiver) -> None:
    sub = tenant.client.post(BASE, json={"url": receiver.url, "description": "Compta"}).json()["data"]
    cleared = tenant.client.patch(f"{BASE}/{sub['id']}", json={"description": None})
    assert cleared.status_code == 200 and cleared.json()["data"]["description"] is None
    for field in ("url", "events", "active"):
        refused = tenant.client.patch(f"{BASE}/{sub['id']}", json={field: None})
        assert refused.status_code == 422 and field in refused.json()["details"], field
    before = tenant.client.get(f"{BASE}/{sub['id']}").json()["data"]
    assert tenant.client.patch(f"{BASE}/{sub['id']}", json={}).json()["data"] == before


def test_a_delivery_keeps_its_latest_attempts_and_counts_them_all(tenant: Tenant, receiver: Receiver) -> None:
    sub = subscribe(tenant, receiver.url)
    ping = tenant.client.post(f"{BASE}/{sub['id']}/test").json()["data"]
    receiver.answer(500, b"\xff" * 4096, times=30)
    for _ in range(24):
        replayed = tenant.client.post(f"{BASE}/{sub['id']}/deliveries/{ping['id']}/replay")
        assert replayed.status_code == 200, replayed.text
    got = replayed.json()["data"]
    assert got["attempt_count"] == 25 and len(got["attempts"]) == 20 and got["attempts"][-1]["number"] == 25
    assert all(len(a["response_body"].encode()) <= 1024 for a in got["attempts"])


def test_one_organization_failing_does_not_stop_the_others(deps: Deps, tenant: Tenant, other_tenant: Tenant,
                                                           receiver: Receiver,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.webhooks import repository as repo
    from chalicelib.webhooks.models import Delivery
    from chalicelib.webhooks.worker import run_everywhere

    broken = subscribe(other_tenant, receiver.url, ["customer.created"])
    now = deps.clock.now()
    item = repo.delivery_item(Delivery(id=deps.new_id(), org_id=other_tenant.org_id, subscription_id=broken["id"],
                                       event="customer.created", event_id="x", body="{}", next_attempt_at=now,
                                       created_at=now, updated_at=now))
    deps.store.put({**item, "attempts": "not a list"})  # an item this version cannot read
    subscribe(tenant, receiver.url, ["customer.created"])
    client_id = new_client(tenant)
    # The broken organization first (the run's order is random otherwise).
    monkeypatch.setattr("random.shuffle", lambda orgs: orgs.sort(key=lambda org: org != other_tenant.org_id))
    run_everywhere(deps)
    assert json.loads(receiver.wait_for(1)[0].body)["data"]["id"] == client_id

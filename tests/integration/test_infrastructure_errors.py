"""Infrastructure failures stop at the adapter: throttling is a retryable 503, anything else a generic 500 that
leaks no botocore text; concurrent writers keep the counters exact."""

from __future__ import annotations

import threading
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from app import app as whole_app
from chalicelib.api.local import LocalClient, LocalResponse
from chalicelib.core.clock import FixedClock
from chalicelib.core.errors import Unavailable
from chalicelib.store.deps import Deps
from chalicelib.store.dynamodb import DynamoStore
from chalicelib.store.port import ConditionFailed, StoreError
from chalicelib.wiring import using
from tests.integration.conftest import Tenant


def _stubbed(error_code: str, operation: str = "get_item") -> tuple[DynamoStore, Stubber]:
    client = boto3.client("dynamodb", region_name="eu-west-3", aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    stubber.add_client_error(operation, service_error_code=error_code,
                             service_message="arn:aws:dynamodb:eu-west-3:123456789012:table/prod-secret denied")
    stubber.activate()
    return DynamoStore(client, "prod-secret"), stubber


@pytest.mark.parametrize("code", ["ProvisionedThroughputExceededException", "ThrottlingException",
                                  "RequestLimitExceeded", "InternalServerError"])
def test_throttling_becomes_a_retryable_unavailable(code: str) -> None:
    store, _ = _stubbed(code)
    with pytest.raises(Unavailable):
        store.get("ORG#1", "X")


def test_unexpected_dynamodb_error_becomes_a_store_error_without_its_text() -> None:
    store, _ = _stubbed("AccessDeniedException")
    with pytest.raises(StoreError) as failure:
        store.get("ORG#1", "X")
    assert "prod-secret" not in str(failure.value)


def test_conditional_failure_becomes_condition_failed() -> None:
    store, _ = _stubbed("ConditionalCheckFailedException", "put_item")
    with pytest.raises(ConditionFailed):
        store.put({"pk": "a", "sk": "b"})


def _list_clients_on(store: DynamoStore, deps: Deps, tenant: Tenant) -> LocalResponse:
    faulty = Deps(settings=deps.settings, store=store, blobs=deps.blobs, clock=deps.clock, new_id=deps.new_id)
    with using(faulty):
        return LocalClient(whole_app, headers={"X-API-Key": tenant.key}).get("/api/v1/clients")


def test_an_infrastructure_fault_is_a_generic_500_naming_only_a_request_id(deps: Deps, tenant: Tenant) -> None:
    response = _list_clients_on(_stubbed("AccessDeniedException")[0], deps, tenant)
    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "internal_error"
    assert response.headers["X-Request-Id"] in body["message"]
    assert "prod-secret" not in response.text and "AccessDenied" not in response.text


def test_throttled_store_answers_503_with_retry_after(deps: Deps, tenant: Tenant) -> None:
    response = _list_clients_on(_stubbed("ThrottlingException")[0], deps, tenant)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error"] == "store_busy"


def test_concurrent_creations_keep_the_total_exact(api: LocalClient, tmp_path: Path, clock: FixedClock) -> None:
    errors: list[str] = []

    def worker(n: int) -> None:
        for i in range(5):
            response = api.post("/api/v1/clients", json={"company_name": f"T{n}-{i}"})
            if response.status_code != 201:
                errors.append(response.text)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    body = api.get("/api/v1/clients?limit=100").json()
    assert body["meta"]["total"] == 30 and len(body["data"]) == 30

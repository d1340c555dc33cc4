"""Fixtures shared by every suite: storage backends (SQLite file, DynamoDB and S3 through moto), clocks, ids."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib.core.clock import FixedClock
from chalicelib.store.blobs import FileBlobStore, S3BlobStore
from chalicelib.store.dynamodb import DynamoStore
from chalicelib.store.port import Store
from chalicelib.store.sqlite import SqliteStore

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
BACKENDS = ["sqlite", "dynamodb"]


def unique(prefix: str = "t") -> str:
    """A random unique token so tests never collide."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 15, 9, 30, tzinfo=UTC))


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


class SerializedClient:
    """A boto3 client whose calls run one at a time.

    moto's in-memory DynamoDB is not thread-safe (it copies its tables while other threads write them). Real
    DynamoDB applies each operation atomically; serialising whole calls reproduces exactly that, so concurrency
    tests still exercise the conditional writes under interleaving.
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


def make_store(backend: str, tmp_path: Path, clock: FixedClock) -> Store:
    if backend == "sqlite":
        return SqliteStore(tmp_path / "store.sqlite3", clock=clock)
    client = SerializedClient(boto3.client("dynamodb", region_name="eu-west-3"))
    store = DynamoStore(client, f"cashpilot-{uuid.uuid4().hex[:8]}", clock=clock)
    store.create_table()
    return store


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "dynamodb":
        with mock_aws():
            yield request.param
    else:
        yield request.param


@pytest.fixture
def store(backend: str, tmp_path: Path, clock: FixedClock) -> Store:
    return make_store(backend, tmp_path, clock)


@pytest.fixture(params=["files", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FileBlobStore | S3BlobStore]:
    if request.param == "files":
        yield FileBlobStore(tmp_path / "blobs", signing_key=b"k" * 32)
        return
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-west-3")
        bucket = f"cp-{uuid.uuid4().hex[:10]}"
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
        yield S3BlobStore(s3, bucket)

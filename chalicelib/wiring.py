"""The composition root: builds the real collaborators once per process, lazily, from settings.

It stands above every context and is imported only by the transports (routes, tools, jobs, the CLI, the Lambda
handlers) and by tests. Services never build their own store or clock; they receive a ``Deps``
(``chalicelib.store.deps``). Routes, tools and jobs ask ``get_deps()``; tests and the local runner install their
own with ``install_deps``. boto3 is imported only when a DynamoDB or S3 backend is configured, so the embedded
backend does not pay for it at cold start.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from chalicelib.core.clock import Clock, SystemClock
from chalicelib.core.egress import Answer, Egress
from chalicelib.core.ids import new_id
from chalicelib.core.settings import Settings, load_settings
from chalicelib.store.blobs import BlobStore, FileBlobStore, S3BlobStore
from chalicelib.store.deps import Deps
from chalicelib.store.port import Store

_lock = threading.Lock()
_current: Deps | None = None


# boto3 and the store backends are imported inside the builders: a cold start loads only the configured one.
def _boto_client(service: str, settings: Settings) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=2, read_timeout=10)
    return boto3.client(service, region_name=settings.aws_region, endpoint_url=settings.aws_endpoint_url,
                        config=config)


def _local_secret(data_dir: Path) -> bytes:
    """A per-installation secret for signing local download links, created on first use."""
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # Created private: the secret is never readable by others, not even for an instant.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as fh:
            fh.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def build_store(settings: Settings, clock: Clock) -> Store:
    if settings.storage_backend == "dynamodb":
        from chalicelib.store.dynamodb import DynamoStore

        return DynamoStore(_boto_client("dynamodb", settings), settings.table_name, clock=clock)
    from chalicelib.store.sqlite import SqliteStore

    return SqliteStore(settings.sqlite_path, clock=clock)


def build_blobs(settings: Settings) -> BlobStore:
    if settings.blob_backend == "s3":
        return S3BlobStore(_boto_client("s3", settings), settings.bucket_name)
    return FileBlobStore(settings.blob_dir, signing_key=_local_secret(settings.data_dir))


class LazyEgress:
    """The webhook sender, built on first use: a route group's cold start does not load ``ssl`` and
    ``http.client`` for it. Loopback ``http`` is allowed on the local stage only."""

    def __init__(self, local: bool) -> None:
        self._local = local
        self._sender: Egress | None = None

    def _real(self) -> Egress:
        if self._sender is None:
            from chalicelib.webhooks.egress import GuardedSender

            self._sender = GuardedSender(local=self._local)
        return self._sender

    def check(self, url: str) -> None:
        self._real().check(url)

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        return self._real().post(url, body, headers)


def build_deps(settings: Settings, clock: Clock | None = None) -> Deps:
    clock = clock or SystemClock()
    return Deps(settings=settings, store=build_store(settings, clock), blobs=build_blobs(settings), clock=clock,
                new_id=new_id, egress=LazyEgress(local=settings.stage == "local"))


def with_webhook_dispatch(deps: Deps) -> Deps:
    """``deps`` whose store wakes the webhook dispatcher after each transaction that records events (the local
    server: deliveries leave right after the write, not at the next minute's job)."""
    from chalicelib.store.observed import ObservedStore
    from chalicelib.webhooks.dispatch import Dispatcher

    holder: list[Deps] = []
    dispatcher = Dispatcher(lambda: holder[0])
    holder.append(replace(deps, store=ObservedStore(deps.store, dispatcher.on_commit)))
    return holder[0]


def get_deps() -> Deps:
    """The process's collaborators, built on first use from the environment's settings."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = build_deps(load_settings())
    return _current


def install_deps(deps: Deps | None) -> None:
    """Use ``deps`` for this process from now on (tests, the local runner); ``None`` resets to lazy building."""
    global _current
    with _lock:
        _current = deps


@contextmanager
def using(deps: Deps) -> Iterator[Deps]:
    previous = _current
    install_deps(deps)
    try:
        yield deps
    finally:
        install_deps(previous)

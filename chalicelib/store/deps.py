"""The collaborators a service receives: settings, the store, the blob store, the clock, the id generator
and the egress (HTTP to user-given addresses).

Services never build their own store or clock; they receive a ``Deps``, built by the composition root
(``chalicelib.wiring``) or by a test.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.core.clock import Clock
from chalicelib.core.egress import Egress
from chalicelib.core.ids import IdGenerator
from chalicelib.core.settings import Settings
from chalicelib.store.blobs import BlobStore
from chalicelib.store.port import Store


@dataclass(frozen=True)
class Deps:
    """Everything a service may need from the outside world."""

    settings: Settings
    store: Store
    blobs: BlobStore
    clock: Clock
    new_id: IdGenerator
    egress: Egress | None = None  # HTTP to user-given addresses (webhook deliveries); None where nothing sends

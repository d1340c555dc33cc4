"""A store that tells a listener what each committed transaction wrote: what DynamoDB Streams do for the table,
for the embedded backend (the local server dispatches webhooks with it right after the write)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from chalicelib.store.port import Operation, Store

log = logging.getLogger("cashpilot.store")
Listener = Callable[[Sequence[Operation]], None]


class ObservedStore:
    """Every call goes to ``inner``; after a ``transact`` succeeds, ``listener`` receives its operations. A failing
    listener is logged, never raised: the write has happened."""

    def __init__(self, inner: Store, listener: Listener) -> None:
        self._inner = inner
        self._listener = listener

    def transact(self, operations: Sequence[Operation]) -> None:
        self._inner.transact(operations)
        try:
            self._listener(operations)
        except Exception as exc:  # the write committed; a listener's failure must not turn it into an error
            log.error("store listener failed: %s: %s", type(exc).__name__, exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

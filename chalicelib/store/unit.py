"""The one unit of work of every context: one store transaction, with each operation's meaning on failure, and
retries.

Optimistic concurrency: a use case reads what it needs, decides, and commits its writes with preconditions
(expected versions, counters). When a precondition fails because something changed meanwhile, the whole use case
runs again on fresh data; when it fails for a business reason (a number already used, a client still referenced)
the operation's own error is raised. Concurrent payments of one invoice therefore serialize on its version and can
never push it past its total.

A valid request never fails because others ran at the same time. Each attempt holds the store's ``writer()``: on
SQLite, writers take turns (the read-decide-commit of a use case is one critical section, so it cannot conflict);
on DynamoDB nothing is held and a conflicting attempt runs again after a jittered exponential backoff ("full
jitter", capped at 0.25 s) until ``DEADLINE_SECONDS`` have passed, well within a request's 29 s.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from chalicelib.core.errors import Conflict, DomainError, Unavailable
from chalicelib.store.port import ConditionFailed, Operation, Store

T = TypeVar("T")
DEADLINE_SECONDS = 10.0
_BACKOFF_BASE, _BACKOFF_CAP = 0.004, 0.25


class Retry(Exception):
    """The data changed between read and write: run the use case again."""


Step = tuple[Operation, DomainError | None]


def commit(store: Store, steps: Sequence[Step]) -> None:
    """Apply every operation or none; a failed precondition raises its step's error, or ``Retry`` if it has none."""
    try:
        store.transact([op for op, _ in steps])
    except ConditionFailed as exc:
        error = steps[exc.index][1] if exc.index is not None else None
        if error is not None:
            raise error from exc
        raise Retry from exc


def commit_once(store: Store, ops: Sequence[Operation]) -> bool:
    """Commit ``ops`` once, without retrying: ``False`` when they collided with a concurrent change (a failed
    precondition or a busy store, what ``retrying`` would run again), for work whose next run sees the new state."""
    try:
        commit(store, plain(ops))
    except Retry:
        return False
    except Unavailable as exc:
        if exc.code != "store_busy":
            raise
        return False
    return True


def retrying(store: Store, attempt: Callable[[], T], deadline: float = DEADLINE_SECONDS) -> T:
    """Run ``attempt`` (holding the store's writer turn) until it commits, backing off between collisions."""
    started = time.monotonic()
    n = 0
    while True:
        with store.writer():
            try:
                return attempt()
            except Retry:
                pass
            except Unavailable as exc:
                if exc.code != "store_busy":
                    raise
        n += 1
        if time.monotonic() - started > deadline:
            raise Conflict("too many concurrent changes to the same records; retry", code="concurrent_update")
        time.sleep(random.uniform(0, min(_BACKOFF_CAP, _BACKOFF_BASE * 2 ** min(n, 8))))


def plain(ops: Sequence[Operation]) -> list[Step]:
    """Steps whose failure means "changed meanwhile"."""
    return [(op, None) for op in ops]

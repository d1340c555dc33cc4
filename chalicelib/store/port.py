"""The key-value storage port every repository writes through.

Shaped after DynamoDB's single-table model so domain code is written once and runs on both adapters:

* an item is a JSON-like ``dict`` with string keys ``pk`` and ``sk``, optional index keys ``gsi1pk/gsi1sk`` and
  ``gsi2pk/gsi2sk`` (an item without them is simply absent from that index), an optional ``ttl`` (Unix seconds,
  after which the item is invisible and later purged), and fields whose values are ``str``, ``int``, ``bool``,
  ``None``, ``list`` or ``dict``. Floats and ``Decimal`` are refused: money travels as decimal strings, so both
  backends store exactly what was written;
* every write may carry a precondition (must not exist, must exist, expected version, attribute at most N);
* ``transact`` applies up to 100 operations all-or-nothing, and reports which operation's condition failed;
* ``increment`` is an atomic counter with optional bounds;
* ``query`` reads one partition of the table or of an index, by sort-key prefix or range, forward or backward,
  with an opaque cursor. No operation scans: every read names a partition.

Adapters translate their infrastructure errors into ``ConditionFailed`` (a ``Conflict``), ``Unavailable``
(retryable) or ``StoreError``; callers never see sqlite or botocore types.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from chalicelib.core.errors import BadRequest, Conflict, DomainError

Item = dict[str, Any]
IndexName = Literal["gsi1", "gsi2"]
KEY_FIELDS = ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk")
INDEX_KEYS: dict[str, tuple[str, str]] = {"gsi1": ("gsi1pk", "gsi1sk"), "gsi2": ("gsi2pk", "gsi2sk")}
MAX_TRANSACT_OPS = 100
MAX_QUERY_LIMIT = 1000


# --- conditions -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MustNotExist:
    """The item must be absent (or expired)."""


@dataclass(frozen=True)
class MustExist:
    """The item must be present (and not expired)."""


@dataclass(frozen=True)
class ExpectedVersion:
    """The item must be present with ``version == version`` (optimistic locking)."""

    version: int


@dataclass(frozen=True)
class AttributeAtMost:
    """``item[name] <= value``; an absent item or attribute counts as 0 (guards such as "no invoices left")."""

    name: str
    value: int


Condition = MustNotExist | MustExist | ExpectedVersion | AttributeAtMost


# --- operations -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Put:
    item: Item
    condition: Condition | None = None


@dataclass(frozen=True)
class Delete:
    pk: str
    sk: str
    condition: Condition | None = None


@dataclass(frozen=True)
class Check:
    pk: str
    sk: str
    condition: Condition


@dataclass(frozen=True)
class Increment:
    """Add ``by`` to integer ``attribute`` of item (pk, sk), creating the item (with ``fields``) when absent.

    ``at_most`` / ``at_least`` bound the *resulting* value; a bound that would be crossed fails the operation
    as a condition failure and changes nothing. ``ttl`` (Unix seconds) is set on the counter item when given.
    ``also`` adds to other integer attributes of the same item in the same write (unbounded), so two counters
    kept on one item (an amount and a count) move together.
    """

    pk: str
    sk: str
    attribute: str
    by: int = 1
    at_most: int | None = None
    at_least: int | None = None
    ttl: int | None = None
    fields: Item = field(default_factory=dict)
    also: tuple[tuple[str, int], ...] = ()


Operation = Put | Delete | Check | Increment


@dataclass(frozen=True)
class Page:
    """One page of a query: the items, and the cursor of the next page (``None`` when there is none)."""

    items: list[Item]
    next_cursor: str | None


# --- errors -----------------------------------------------------------------------------------------------------


class ConditionFailed(Conflict):
    """A write's precondition did not hold. ``index`` names the failing operation of a transaction."""

    default_code = "condition_failed"

    def __init__(self, message: str = "the write's precondition does not hold", *, index: int | None = None):
        super().__init__(message)
        self.index = index


class StoreError(DomainError):
    """An infrastructure failure that is not the caller's fault and not known to be transient."""

    status = 500
    default_code = "internal_error"


# --- the port ---------------------------------------------------------------------------------------------------


class Store(Protocol):
    def get(self, pk: str, sk: str) -> Item | None:
        """The item, read consistently, or ``None`` when absent or expired."""
        ...

    def batch_get(self, keys: Sequence[tuple[str, str]]) -> list[Item]:
        """The present items among ``keys``, in the order of ``keys``."""
        ...

    def put(self, item: Item, condition: Condition | None = None) -> None: ...

    def delete(self, pk: str, sk: str, condition: Condition | None = None) -> None: ...

    def transact(self, operations: Sequence[Operation]) -> None:
        """Apply every operation or none; raise ``ConditionFailed(index=i)`` when operation ``i``'s fails."""
        ...

    def increment(
        self,
        pk: str,
        sk: str,
        attribute: str,
        by: int = 1,
        *,
        at_most: int | None = None,
        at_least: int | None = None,
        ttl: int | None = None,
    ) -> int:
        """Atomically add ``by`` and return the new value (see ``Increment``)."""
        ...

    def query(
        self,
        pk: str,
        *,
        index: IndexName | None = None,
        prefix: str | None = None,
        start: str | None = None,
        end: str | None = None,
        forward: bool = True,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        """Items of partition ``pk`` (of the table or ``index``) ordered by sort key.

        ``prefix`` selects sort keys that begin with it; ``start``/``end`` bound them inclusively. ``cursor`` is
        the ``next_cursor`` of the previous page of the *same* query.
        """
        ...

    def writer(self) -> AbstractContextManager[None]:
        """Held by a use case while it reads, decides and commits (``chalicelib.store.unit.retrying``).

        Where writers can simply take turns (SQLite: one writer at a time anyway), holding it makes a use case's
        reads and its commit one critical section, so concurrent writers wait instead of conflicting. Where they
        cannot (DynamoDB), it holds nothing and conflicts are retried with backoff.
        """
        ...


# --- helpers shared by adapters ---------------------------------------------------------------------------------


# DynamoDB's limits on key attributes (UTF-8 bytes), enforced on both backends so they refuse alike.
MAX_PARTITION_KEY_BYTES = 2048
MAX_SORT_KEY_BYTES = 1024


def validate_item(item: Item) -> None:
    """Refuse items the port does not accept, the same way on both backends."""
    for name in ("pk", "sk"):
        if not isinstance(item.get(name), str) or not item[name]:
            raise ValueError(f"item needs a non-empty string {name!r}")
    for name in KEY_FIELDS:
        limit = MAX_PARTITION_KEY_BYTES if name.endswith("pk") else MAX_SORT_KEY_BYTES
        if isinstance(item.get(name), str) and len(item[name].encode()) > limit:
            raise ValueError(f"key {name!r} is longer than {limit} bytes")
    for pk_name, sk_name in INDEX_KEYS.values():
        present = [n for n in (pk_name, sk_name) if item.get(n) is not None]
        if len(present) == 1:
            raise ValueError(f"index keys {pk_name}/{sk_name} must be set together")
        for n in present:
            if not isinstance(item[n], str) or not item[n]:
                raise ValueError(f"index key {n!r} must be a non-empty string")
    if item.get("ttl") is not None and (not isinstance(item["ttl"], int) or isinstance(item["ttl"], bool)):
        raise ValueError("ttl must be an integer (Unix seconds)")
    _check_values(item)


_SCALARS = (str, int, bool, type(None))


def _check_values(value: Any) -> None:
    # iterative, with the scalar test first: an entry holds a few hundred values and is checked on every write
    pending = [value]
    while pending:
        current = pending.pop()
        if isinstance(current, dict):
            pending += [v for v in current.values() if not isinstance(v, _SCALARS)]
        elif isinstance(current, list):
            pending += [v for v in current if not isinstance(v, _SCALARS)]
        elif not isinstance(current, _SCALARS):
            raise TypeError(f"store values must be JSON-like without floats; got {type(current).__name__}")


def operation_key(op: Operation) -> tuple[str, str]:
    if isinstance(op, Put):
        return op.item["pk"], op.item["sk"]
    return op.pk, op.sk


def validate_operations(operations: Sequence[Operation]) -> None:
    if not operations:
        raise ValueError("a transaction needs at least one operation")
    if len(operations) > MAX_TRANSACT_OPS:
        raise ValueError(f"a transaction holds at most {MAX_TRANSACT_OPS} operations")
    keys = [operation_key(op) for op in operations]
    if len(set(keys)) != len(keys):
        raise ValueError("a transaction may touch each item only once")
    for op in operations:
        if isinstance(op, Put):
            validate_item(op.item)


def validate_query(limit: int, prefix: str | None, start: str | None, end: str | None) -> None:
    validate_limit(limit)
    if prefix and (start is not None or end is not None):
        raise ValueError("a query takes a prefix or a range, not both")


def validate_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_QUERY_LIMIT:
        raise ValueError(f"query limit must be within 1..{MAX_QUERY_LIMIT}")


def encode_cursor(position: dict[str, str]) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, pk_field: str, pk: str, fields: Sequence[str]) -> dict[str, str]:
    """Decode a cursor and check that it belongs to this partition; anything else is a 400, never a crash."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError) as exc:
        raise BadRequest("cursor is not one this API issued", code="invalid_cursor") from exc
    if (
        not isinstance(position, dict)
        or position.get(pk_field) != pk
        or any(not isinstance(position.get(f), str) or not position[f] for f in fields)
    ):
        raise BadRequest("cursor does not belong to this listing", code="invalid_cursor")
    return {f: position[f] for f in fields}


def cursor_fields(index: IndexName | None) -> tuple[str, ...]:
    if index is None:
        return ("pk", "sk")
    ipk, isk = INDEX_KEYS[index]
    return (ipk, isk, "pk", "sk")


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix`` (code-point order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def is_expired(item: Item, now: int) -> bool:
    ttl = item.get("ttl")
    return ttl is not None and ttl <= now


def condition_holds(condition: Condition | None, current: Item | None) -> bool:
    """Evaluate a condition against the current (already TTL-filtered) item. Used by the SQLite adapter."""
    if condition is None:
        return True
    if isinstance(condition, MustNotExist):
        return current is None
    if isinstance(condition, MustExist):
        return current is not None
    if isinstance(condition, ExpectedVersion):
        return current is not None and current.get("version") == condition.version
    value = 0 if current is None else current.get(condition.name, 0)
    return isinstance(value, int) and value <= condition.value

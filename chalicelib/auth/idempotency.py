"""``Idempotency-Key`` on POST: the same key and body within the retention period replays the first answer.

Records are scoped by organization (a key cannot reach another tenant's answers) and stored with a TTL:

| pattern                    | index | key condition                                                  |
|----------------------------|-------|----------------------------------------------------------------|
| record of one key          | table | pk=``ORG#<org>#IDEMPOTENCY``, sk=``<sha256 of the key>``        |

Protocol: ``begin`` claims the key with a must-not-exist write (state ``in_progress``, short TTL so a crashed
request frees it); a duplicate finds the record and gets the stored answer (``completed``), 409 while the first is
still running, or 422 when the body differs. ``complete`` stores the answer; ``abandon`` frees the key after a
server error so a retry runs again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from chalicelib.core.clock import Clock, epoch
from chalicelib.core.errors import BadRequest, Conflict, ValidationFailed
from chalicelib.store.port import ConditionFailed, ExpectedVersion, MustNotExist, Store

_IN_PROGRESS_TTL = 120
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str
    headers: dict[str, str]


def normalize_key(raw: str) -> str:
    """Accept the IETF structured-field form (a quoted string) and the bare form; refuse odd keys with 400."""
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise BadRequest(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters",
                         code="invalid_idempotency_key")
    return key


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def _keys(org_id: str, key: str) -> tuple[str, str]:
    return f"ORG#{org_id}#IDEMPOTENCY", hashlib.sha256(key.encode()).hexdigest()


def begin(store: Store, clock: Clock, org_id: str, key: str, request_fingerprint: str) -> StoredResponse | None:
    """Claim ``key``; return the stored answer to replay when the request was already answered."""
    pk, sk = _keys(org_id, key)
    now = epoch(clock.now())
    claim = {"pk": pk, "sk": sk, "entity": "idempotency", "state": "in_progress",
             "fingerprint": request_fingerprint, "version": 1, "ttl": now + _IN_PROGRESS_TTL}
    try:
        store.put(claim, MustNotExist())
        return None
    except ConditionFailed:
        pass
    record = store.get(pk, sk)
    if record is None:  # expired between the two calls: the key is free again
        store.put(claim, MustNotExist())
        return None
    if record["fingerprint"] != request_fingerprint:
        raise ValidationFailed("this Idempotency-Key was used with a different request",
                               code="idempotency_key_reused",
                               details={"Idempotency-Key": ["already used with a different body or route"]})
    if record["state"] != "completed":
        raise Conflict("a request with this Idempotency-Key is still being processed; retry shortly",
                       code="idempotency_in_progress")
    return StoredResponse(status=record["status"], body=record["body"], headers=record.get("headers", {}))


def complete(store: Store, clock: Clock, org_id: str, key: str, response: StoredResponse, ttl_seconds: int) -> None:
    pk, sk = _keys(org_id, key)
    record: dict[str, Any] = store.get(pk, sk) or {}
    done = {**record, "pk": pk, "sk": sk, "state": "completed", "status": response.status, "body": response.body,
            "headers": response.headers, "version": 2, "ttl": epoch(clock.now()) + ttl_seconds}
    try:
        store.put(done, ExpectedVersion(1))
    except ConditionFailed:
        return  # the claim expired and was taken again: the newer request owns the key now


def abandon(store: Store, org_id: str, key: str) -> None:
    pk, sk = _keys(org_id, key)
    try:
        store.delete(pk, sk, ExpectedVersion(1))
    except ConditionFailed:
        return

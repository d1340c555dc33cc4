"""``Idempotency-Key`` on POST: the same key and body within the retention period replays the first answer.

Records are scoped by organization (a key cannot reach another tenant's answers) and stored with a TTL:

| pattern                    | index | key condition                                                  |
|----------------------------|-------|----------------------------------------------------------------|
| record of one key          | table | pk=``ORG#<org>#IDEMPOTENCY``, sk=``<sha256 of caller key id + key>`` |

Records are scoped by organization *and* by the API key that sent the request, so one caller can never receive
another caller's answer. Protocol: ``begin`` claims the key with a must-not-exist write (state ``in_progress``, a
random claim version, short TTL so a crashed request frees it); a duplicate finds the record and gets the stored
answer (``completed``), 409 while the first is still running, or 422 when the body differs. ``complete`` stores
the answer and ``abandon`` frees the key after a server error, each only if the claim is still this request's
(its random version), so a slow request can never overwrite or free a later claim. Answers that carry a secret
(a new API key) are not kept: a duplicate of such a request is refused with 409 instead of replayed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from chalicelib.core.clock import Clock, epoch
from chalicelib.core.errors import BadRequest, Conflict, ValidationFailed
from chalicelib.store.port import ConditionFailed, ExpectedVersion, MustNotExist, Store

# Idempotency records are request infrastructure, not business data: they are written directly with the store's
# single conditional put/delete, outside the unit of work (``billing.unit``), and a lost race has its own meaning
# in each step below (replay, 409, or "a newer request owns the key").

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


@dataclass(frozen=True)
class Claim:
    """This request's hold on an idempotency key (``version`` is random: it identifies this claim)."""

    org_id: str
    caller: str
    key: str
    version: int


def _keys(org_id: str, caller: str, key: str) -> tuple[str, str]:
    return f"ORG#{org_id}#IDEMPOTENCY", hashlib.sha256(f"{caller}\n{key}".encode()).hexdigest()


def begin(store: Store, clock: Clock, claim: Claim, request_fingerprint: str) -> StoredResponse | None:
    """Claim the key; return the stored answer to replay when the request was already answered."""
    pk, sk = _keys(claim.org_id, claim.caller, claim.key)
    now = epoch(clock.now())
    item = {"pk": pk, "sk": sk, "entity": "idempotency", "state": "in_progress",
            "fingerprint": request_fingerprint, "version": claim.version, "ttl": now + _IN_PROGRESS_TTL}
    try:
        store.put(item, MustNotExist())
        return None
    except ConditionFailed:
        pass
    record = store.get(pk, sk)
    if record is None:  # expired between the two calls: the key is free again
        store.put(item, MustNotExist())
        return None
    if record["fingerprint"] != request_fingerprint:
        raise ValidationFailed("this Idempotency-Key was used with a different request",
                               code="idempotency_key_reused",
                               details={"Idempotency-Key": ["already used with a different body or route"]})
    if record["state"] != "completed":
        raise Conflict("a request with this Idempotency-Key is still being processed; retry shortly",
                       code="idempotency_in_progress")
    if record.get("withheld"):
        raise Conflict("this request already succeeded; its answer held a secret and is not kept for replay",
                       code="idempotency_replay_unavailable")
    return StoredResponse(status=record["status"], body=record["body"], headers=record.get("headers", {}))


def new_claim(org_id: str, caller: str, key: str) -> Claim:
    return Claim(org_id=org_id, caller=caller, key=key, version=secrets.randbits(52) + 1)


def complete(store: Store, clock: Clock, claim: Claim, request_fingerprint: str, response: StoredResponse | None,
             ttl_seconds: int) -> None:
    """Keep the answer (``None``: withhold it, for answers that carry a secret)."""
    pk, sk = _keys(claim.org_id, claim.caller, claim.key)
    done: dict[str, Any] = {"pk": pk, "sk": sk, "entity": "idempotency", "state": "completed",
                            "fingerprint": request_fingerprint, "version": claim.version + 1,
                            "ttl": epoch(clock.now()) + ttl_seconds}
    if response is None:
        done["withheld"] = True
    else:
        done.update(status=response.status, body=response.body, headers=response.headers)
    try:
        store.put(done, ExpectedVersion(claim.version))
    except ConditionFailed:
        return  # the claim expired and was taken again: the newer request owns the key now


def abandon(store: Store, claim: Claim) -> None:
    pk, sk = _keys(claim.org_id, claim.caller, claim.key)
    try:
        store.delete(pk, sk, ExpectedVersion(claim.version))
    except ConditionFailed:
        return

"""Webhook secrets and the two signatures every delivery carries.

* Standard Webhooks v1: ``webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">``, keyed with the
  base64-decoded part of the ``whsec_`` secret; several space-separated signatures while a rotated secret is still
  valid.
* MonChai's form: ``X-Signature: sha256=<hex HMAC-SHA256 of the body>``, keyed with the secret string exactly as
  shown to the user (``whsec_...``), so the product document's verification snippet runs as written.

Signing is written here (a few lines of ``hmac``) rather than with the ``standardwebhooks`` package, so the tests
that verify deliveries with that package check this code independently.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

PREFIX = "whsec_"
_SECRET_BYTES = 32  # the spec asks for 24 to 64 random bytes


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(_SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def standard_signature(secrets_: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header: one ``v1,`` signature per valid secret, newest first."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return " ".join("v1," + base64.b64encode(hmac.new(_key(s), signed, hashlib.sha256).digest()).decode()
                    for s in secrets_)


def body_signature(secret: str, body: bytes) -> str:
    """The ``X-Signature`` header: ``sha256=`` and the hex HMAC of the body keyed with the whole secret string."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def hint(secret: str) -> str:
    """What lists show of a secret: its prefix and last four characters."""
    return f"{PREFIX}...{secret[-4:]}"

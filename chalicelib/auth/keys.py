"""API key secrets: generation, hashing and the format check done before any lookup."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Literal

KeyKind = Literal["cpk", "mch"]
_FORMAT = re.compile(r"^(cpk|mch)_[0-9a-f]{64}$")
DISPLAY_PREFIX_LENGTH = 12


def generate_secret(kind: KeyKind) -> str:
    """``cpk_`` or ``mch_`` followed by 32 random bytes in hex."""
    return f"{kind}_{secrets.token_hex(32)}"


def hash_secret(secret: str) -> str:
    """SHA-256 hex of the secret: what the store keeps (the secret itself is shown once, never stored)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_key(secret: str) -> bool:
    return bool(_FORMAT.match(secret))


def display_prefix(secret: str) -> str:
    return secret[:DISPLAY_PREFIX_LENGTH]

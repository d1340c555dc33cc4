"""Identifiers: UUID strings for entities, and the id generator collaborator services receive."""

from __future__ import annotations

import uuid
from collections.abc import Callable

IdGenerator = Callable[[], str]


def new_id() -> str:
    """A random UUID4 string, the id of every entity."""
    return str(uuid.uuid4())


def is_uuid(value: str) -> bool:
    """Whether ``value`` is a canonical UUID string (used to answer 404 early on malformed ids)."""
    try:
        return str(uuid.UUID(value)) == value.lower()
    except (ValueError, AttributeError, TypeError):
        return False

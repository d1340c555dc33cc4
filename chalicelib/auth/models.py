"""Auth domain objects and API DTOs.

Attributes use UTC ``datetime`` for instants. An ``ApiKey`` never holds its secret: only ``key_hash`` and the
display ``key_prefix``; the secret exists once, in ``ApiKeyCreated``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, ConfigDict, Field, field_validator

from chalicelib.auth.keys import KeyKind
from chalicelib.auth.scopes import SCOPES
from chalicelib.core.models import Model, RequestModel

Role = Literal["owner", "admin", "editor", "read_only"]
ROLE_RANK: dict[str, int] = {"read_only": 0, "editor": 1, "admin": 2, "owner": 3}


class Organization(Model):
    """A tenant. ``timezone`` decides "today" and month boundaries; ``currency`` is the books' currency."""

    id: str
    name: str
    timezone: str = "Europe/Paris"
    currency: str = "EUR"
    created_at: datetime
    version: int = 1


class User(Model):
    """A person. ``password_hash`` is Argon2id, or ``None`` when the user signs in only with keys."""

    id: str
    email: str
    name: str | None = None
    password_hash: str | None = None
    created_at: datetime
    version: int = 1


class Membership(Model):
    org_id: str
    user_id: str
    role: Role
    created_at: datetime


class ApiKey(Model):
    """A stored API key.

    Attributes:
        kind: ``cpk`` (CashPilot key) or ``mch`` (MonChai token): same mechanism, different default rate limit.
        key_prefix: the first 12 characters of the secret, for recognising a key in listings.
        rate_limit / rate_window: this key's quota, ``rate_limit`` requests per ``rate_window`` seconds.
        expires_at: after this instant the key is refused (``None``: never).
        revoked_at: set once the key is revoked; a revoked key is refused at once.
        replaced_by: id of the key that superseded this one through rotation (its ``expires_at`` is the end of
            the grace period).
    """

    id: str
    org_id: str
    user_id: str | None
    name: str
    kind: KeyKind
    key_prefix: str
    key_hash: str
    scopes: list[str]
    rate_limit: int
    rate_window: int
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    replaced_by: str | None = None
    last_used_at: datetime | None = None
    created_at: datetime
    version: int = 1


class Principal(Model):
    """Who is calling: resolved from a key before any route or tool runs."""

    model_config = ConfigDict(frozen=True)

    org_id: str
    key_id: str
    user_id: str | None
    kind: KeyKind
    scopes: frozenset[str]
    rate_limit: int
    rate_window: int


class ApiKeyCreate(RequestModel):
    """Body of ``POST /api/v1/api-keys``."""

    name: str = Field(default="Default", min_length=1, max_length=100, description="A label for the key.")
    kind: KeyKind = Field(default="cpk", description="`cpk` for CashPilot clients, `mch` for MonChai tokens.")
    scopes: list[str] = Field(default_factory=lambda: ["read"], min_length=1, max_length=len(SCOPES),
                              description="Any of read, write, delete, customers, orders, products, analytics, "
                                          "webhooks, all.")
    expires_at: AwareDatetime | None = Field(default=None,
                                             description="Instant (with its UTC offset) after which the key is "
                                                         "refused.")
    rate_limit: int | None = Field(default=None, ge=1, le=1_000_000,
                                   description="Requests per window; defaults to 100/hour (cpk) or 1000/minute "
                                               "(mch).")
    rate_window: int | None = Field(default=None, ge=1, le=86_400, description="Window length in seconds.")

    @field_validator("expires_at")
    @classmethod
    def _utc(cls, value: AwareDatetime | None) -> datetime | None:
        if value is None:
            return None
        if value.year > 9000:
            raise ValueError("must be before the year 9000")
        return value.astimezone(UTC)

    @field_validator("scopes")
    @classmethod
    def _known_scopes(cls, scopes: list[str]) -> list[str]:
        unknown = sorted(set(scopes) - SCOPES)
        if unknown:
            raise ValueError(f"unknown scopes {unknown}; allowed: {sorted(SCOPES)}")
        return sorted(set(scopes))


class ApiKeyRotate(RequestModel):
    """Body of ``POST /api/v1/api-keys/{key_id}/rotate``."""

    grace_period_days: int = Field(default=7, ge=0, le=90,
                                   description="Days the old key keeps working after rotation.")


class ApiKeyOut(Model):
    """A key as listed: never its secret."""

    id: str
    name: str
    kind: KeyKind
    key_prefix: str
    scopes: list[str]
    rate_limit: int
    rate_window: int
    expires_at: datetime | None
    revoked_at: datetime | None
    replaced_by: str | None
    last_used_at: datetime | None
    created_at: datetime
    status: Literal["active", "expired", "revoked"]


class OrganizationOut(Model):
    id: str
    name: str
    timezone: str
    currency: str


class Me(Model):
    """``GET /api/v1/me``: who the key belongs to (the connection test of Zapier, Make and n8n)."""

    organization: OrganizationOut
    key: ApiKeyOut
    user_id: str | None


class ApiKeyCreated(ApiKeyOut):
    """The answer to a key creation or rotation: the only time the secret is shown."""

    key: str = Field(description="The secret. Shown once; store it now.")

"""Models of webhook subscriptions and deliveries: request bodies, stored records and answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from chalicelib.core.errors import FieldValueError
from chalicelib.core.models import Model, QueryModel, RequestModel
from chalicelib.store.pagination import PageQuery
from chalicelib.webhooks.catalogue import WILDCARD, canonical

Source = Literal["api", "zapier", "mcp"]
DeliveryStatus = Literal["pending", "delivered", "failed", "cancelled"]
DisabledReason = Literal["failing", "gone"]
URL_FIELD = Field(max_length=2048, description="Where deliveries are POSTed: `https://` (on a local server, "
                                               "`http://` to a loopback address too).")


def _events(values: list[str] | None) -> list[str] | None:
    if values is None:
        return None
    seen: list[str] = []
    for n, value in enumerate(values):
        if value != WILDCARD and canonical(value) is None:
            raise ValueError(f"events[{n}]: unknown event {value!r}; GET /api/v1/webhooks/events lists them")
        if value not in seen:
            seen.append(value)
    return seen


class SubscriptionCreate(RequestModel):
    """Body of ``POST /api/v1/webhooks``."""

    url: str = URL_FIELD
    events: list[str] = Field(default_factory=lambda: [WILDCARD], min_length=1, max_length=100,
                              description="Event names (see `GET /api/v1/webhooks/events`), or `*` for all.")
    description: str | None = Field(default=None, max_length=500)
    active: bool = True

    @field_validator("events")
    @classmethod
    def _known_events(cls, value: list[str] | None) -> list[str] | None:
        return _events(value)


class SubscriptionPatch(RequestModel):
    """Body of ``PATCH /api/v1/webhooks/{id}``: only the fields sent change (``description: null`` clears it).
    ``active: true`` re-enables a disabled subscription; it receives the events recorded from then on."""

    url: str | None = Field(default=None, max_length=2048)
    events: list[str] | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=500)
    active: bool | None = None

    @model_validator(mode="after")
    def _no_null_for_required(self) -> SubscriptionPatch:
        for name in ("url", "events", "active"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise FieldValueError(name, "may not be null")
        return self

    @field_validator("events")
    @classmethod
    def _known_events(cls, value: list[str] | None) -> list[str] | None:
        return _events(value)


class HookCreate(RequestModel):
    """Body of ``POST /api/v1/hooks`` (a Zapier REST-hook subscription)."""

    target_url: str = URL_FIELD
    event: str = Field(max_length=100, description="One event name, or `*`.")

    @field_validator("event")
    @classmethod
    def _known(cls, value: str) -> str:
        if value != WILDCARD and canonical(value) is None:
            raise ValueError(f"unknown event {value!r}; GET /api/v1/webhooks/events lists them")
        return value


class Subscription(Model):
    id: str
    org_id: str
    url: str
    events: list[str]
    description: str | None = None
    active: bool = True
    source: Source = "api"
    secret: str
    previous_secret: str | None = None
    previous_secret_expires_at: datetime | None = None
    failing_since: datetime | None = None
    disabled_at: datetime | None = None
    disabled_reason: DisabledReason | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 1


class SubscriptionOut(Model):
    id: str
    url: str
    events: list[str]
    description: str | None
    active: bool
    source: Source = Field(description="`api`, `zapier` (REST hooks) or `mcp`.")
    secret_hint: str = Field(description="The secret's last characters; the secret itself is shown once.")
    previous_secret_expires_at: datetime | None = Field(
        description="Until then deliveries are also signed with the previous secret (after a rotation).")
    failing_since: datetime | None = Field(description="First failed attempt since the last success.")
    disabled_at: datetime | None
    disabled_reason: DisabledReason | None = Field(
        description="`failing` (3 days of failed attempts) or `gone` (the endpoint answered 410).")
    created_at: datetime
    updated_at: datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="`whsec_...`: verify deliveries with it. Shown once.")


class Attempt(Model):
    number: int
    at: datetime
    outcome: Literal["delivered", "failed"]
    response_code: int | None = Field(description="The endpoint's HTTP status; null when none came back.")
    duration_ms: int
    response_body: str = Field(description="The first 1 KB of the answer.")
    error: str | None = Field(default=None, description="Why no answer came: `timeout`, `connection`, `tls`, "
                                                         "`url_not_allowed`.")


class Delivery(Model):
    id: str
    org_id: str
    subscription_id: str
    event: str
    event_id: str
    body: str
    status: DeliveryStatus = "pending"
    attempts: list[Attempt] = Field(default_factory=list)  # the latest ``KEPT_ATTEMPTS``
    attempt_count: int = 0  # every attempt, manual ones included
    automatic: int = 0  # the scheduled attempts (what the retry schedule counts)
    next_attempt_at: datetime | None = None
    lease_until: datetime | None = None
    created_at: datetime
    updated_at: datetime
    version: int = 1


class DeliveryOut(Model):
    id: str
    subscription_id: str
    event: str
    event_id: str
    status: DeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None
    response_code: int | None = Field(description="The last attempt's HTTP status.")
    duration_ms: int | None = Field(description="The last attempt's duration.")
    response_body: str | None = Field(description="The first 1 KB of the last attempt's answer.")
    attempts: list[Attempt]
    payload: dict[str, Any] = Field(description="The body that is POSTed.")
    created_at: datetime
    updated_at: datetime


class DeliveryQuery(PageQuery):
    status: DeliveryStatus | None = Field(default=None, description="Only deliveries in this state.")


class EventTypeOut(Model):
    """An event of the catalogue."""

    name: str
    group: str
    product: Literal["monchai", "cashpilot", "both"] = Field(description="The product document that names it.")
    description: str
    aliases: list[str] = Field(description="Other names a subscription may use for it.")
    alias_of: str | None = Field(description="For an alias: the event it names.")
    example: dict[str, Any] = Field(description="An example `data`.")


class EventQuery(QueryModel):
    group: str | None = Field(default=None, max_length=40, description="Only events of this group (`invoices`...).")

"""Project models: the stored entity and the request/response shapes of ``/api/v1/projects``.

Field names follow the CashPilot API (``name``, ``client_id``, ``budget_hours``, ``hourly_rate``, ``status``).
Write models forbid unknown fields but tolerate the read-only fields (``id``, timestamps, the computed
``budget_amount``) that a client got from GET and sends back unchanged on PUT. Rules that need more than one field
or the stored state (the client belongs to the organization, ``end_date`` not before ``start_date``) are checked
by the service, on the merged result of a PATCH too.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, WithJsonSchema, field_validator

from chalicelib.billing.clients.models import READ_ONLY_FIELDS
from chalicelib.core.models import Model, RequestModel
from chalicelib.core.money import Money, PositiveAmount, Quantity, quantize
from chalicelib.core.validators import Currency, OptText
from chalicelib.store.pagination import PageQuery

PROJECT_READ_ONLY = READ_ONLY_FIELDS | {"budget_amount"}
ProjectStatus = Literal["active", "completed", "on_hold", "cancelled"]
# Hours: a quantity that cannot be negative.
Hours = Annotated[Quantity, Field(ge=0), WithJsonSchema(
    {"type": "number", "minimum": 0, "description": "Decimal number of hours; a JSON number or a numeric string."})]
# A Decimal as it goes out: a JSON number (the project serializer writes it exactly), never re-validated.
Number = Annotated[Decimal, WithJsonSchema({"type": "number"})]


class ProjectFields(RequestModel):
    """The writable fields of a project, with their rules."""

    name: str = Field(min_length=1, max_length=200, description="Name of the project (required).")
    client_id: OptText = Field(default=None, max_length=64,
                               description="Id of a client of the organization the project is for.")
    description: OptText = Field(default=None, max_length=5000)
    budget_hours: Hours | None = Field(default=None, description="Budgeted hours.")
    hourly_rate: PositiveAmount | None = Field(default=None, description="Hourly rate excluding VAT.")
    currency: Currency = Field(default="EUR", description="ISO 4217 code of the rate and budget.")
    status: ProjectStatus = Field(default="active")
    start_date: date | None = Field(default=None, description="First day (YYYY-MM-DD).")
    end_date: date | None = Field(default=None, description="Last day (YYYY-MM-DD), not before `start_date`.")

    ignored_fields = PROJECT_READ_ONLY


class ProjectCreate(ProjectFields):
    """Body of ``POST /projects`` and ``PUT /projects/{id}`` (a PUT replaces every field)."""


class ProjectPatch(ProjectFields):
    """Body of ``PATCH /projects/{id}``: only the fields sent change; ``null`` clears an optional field."""

    name: str | None = Field(default=None, min_length=1, max_length=200)  # type: ignore[assignment]
    currency: Currency | None = None  # type: ignore[assignment]
    status: ProjectStatus | None = None  # type: ignore[assignment]

    @field_validator("name", "currency", "status", mode="after")
    @classmethod
    def _required_stay_set(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be cleared")
        return value


class ProjectBase(Model):
    """The stored fields of a project, without input rules: data already stored is never re-judged."""

    id: str
    name: str
    client_id: str | None = None
    description: str | None = None
    budget_hours: Number | None = None
    hourly_rate: Money | None = None
    currency: str
    status: str
    start_date: date | None = None
    end_date: date | None = None
    created_at: datetime
    updated_at: datetime


def budget_amount(hours: Decimal | None, rate: Decimal | None, currency: str) -> Decimal | None:
    """Hours times rate, rounded to the currency's minor unit; ``None`` unless both are set."""
    if hours is None or rate is None:
        return None
    return quantize(hours * rate, currency)


class ProjectOut(ProjectBase):
    """A project on the wire: the stored fields plus ``budget_amount``, computed on read."""

    budget_amount: Money | None = Field(description="`budget_hours` times `hourly_rate`, rounded to the currency's "
                                                     "minor unit; null unless both are set.")


class Project(ProjectBase):
    """A stored project: the fields plus its organization and version (optimistic locking)."""

    model_config = ConfigDict(extra="ignore")

    org_id: str
    version: int = 1

    @property
    def budget_amount(self) -> Decimal | None:
        return budget_amount(self.budget_hours, self.hourly_rate, self.currency)


ProjectSort = Literal["created_at", "-created_at", "name", "-name"]


class ProjectListQuery(PageQuery):
    """Query of ``GET /projects``."""

    client_id: str | None = Field(default=None, max_length=64, description="Only the projects of this client.")
    status: ProjectStatus | None = Field(default=None, description="Only projects with this status.")
    search: str | None = Field(default=None, max_length=200,
                               description="Words to find in name or description; accents and case are ignored.")
    sort: ProjectSort = Field(default="-created_at", description="Order; a leading `-` means descending.")

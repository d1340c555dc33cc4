"""Client models: the stored entity and the request/response shapes of ``/api/v1/clients``.

Field names follow the CashPilot API (``company_name``, ``contact_name``, ``vat_number``, ...). Write models
forbid unknown fields (no mass assignment: ``id``, ``created_at`` and the like cannot be set by a client), but
tolerate the read-only fields a client got from GET and sends back unchanged on PUT.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field, StrictInt, model_validator

from chalicelib.core.models import READ_BACK_FIELDS, Model, RequestModel
from chalicelib.core.validators import Currency, OptBic, OptEmail, OptIban, OptPhone, OptText, OptVatNumber
from chalicelib.store.pagination import PageQuery

READ_ONLY_FIELDS = READ_BACK_FIELDS


class ClientFields(RequestModel):
    """The writable fields of a client, with their rules."""

    company_name: str = Field(min_length=1, max_length=200, description="Legal or trading name (required).")
    contact_name: OptText = Field(default=None, max_length=200, description="Main contact person.")
    email: OptEmail = Field(default=None, description="Billing e-mail address.")
    phone: OptPhone = Field(default=None, description="Phone number.")
    address: OptText = Field(default=None, max_length=500, description="Street address.")
    city: OptText = Field(default=None, max_length=100)
    postal_code: OptText = Field(default=None, max_length=20)
    country: OptText = Field(default=None, max_length=100, description="Country name or ISO code.")
    vat_number: OptVatNumber = Field(default=None, description="VAT number with country prefix.")
    tax_id: OptText = Field(default=None, max_length=50, description="National company id (SIREN, BCE...).")
    website: OptText = Field(default=None, max_length=200)
    preferred_currency: Currency = Field(default="EUR", description="ISO 4217 code of the client's invoices.")
    payment_terms: StrictInt | None = Field(default=None, ge=0, le=365, description="Payment term in days.")
    iban: OptIban = None
    bic_swift: OptBic = None
    bank_name: OptText = Field(default=None, max_length=100)
    notes: OptText = Field(default=None, max_length=5000)

    ignored_fields = READ_ONLY_FIELDS


class ClientCreate(ClientFields):
    """Body of ``POST /clients`` and ``PUT /clients/{id}`` (a PUT replaces every field)."""


class ClientPatch(ClientFields):
    """Body of ``PATCH /clients/{id}``: only the fields sent change; ``null`` clears an optional field."""

    company_name: str | None = Field(default=None, min_length=1, max_length=200)  # type: ignore[assignment]
    preferred_currency: Currency | None = Field(default=None)  # type: ignore[assignment]

    @model_validator(mode="after")
    def _required_stay_set(self) -> ClientPatch:
        for name in ("company_name", "preferred_currency"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be cleared")
        return self


class ClientOut(Model):
    """A client on the wire. Read models carry no input rules: data already stored is never re-judged."""

    id: str
    company_name: str
    contact_name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    vat_number: str | None = None
    tax_id: str | None = None
    website: str | None = None
    preferred_currency: str = "EUR"
    payment_terms: int | None = None
    iban: str | None = None
    bic_swift: str | None = None
    bank_name: str | None = None
    notes: str | None = None
    created_at: datetime
    updated_at: datetime


class Client(ClientOut):
    """A stored client: the wire fields plus its organization and version (optimistic locking)."""

    model_config = ConfigDict(extra="ignore")

    org_id: str
    version: int = 1


ClientSort = Literal["created_at", "-created_at", "company_name", "-company_name"]


class ClientListQuery(PageQuery):
    """Query of ``GET /clients``."""

    search: str | None = Field(default=None, max_length=200,
                               description="Words to find in company name, contact name or e-mail; accents and "
                                           "case are ignored.")
    sort: ClientSort = Field(default="-created_at", description="Order; a leading `-` means descending.")


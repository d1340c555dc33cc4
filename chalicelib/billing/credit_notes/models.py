"""Credit note models: stored credit notes and the request/response shapes of ``/api/v1/credit-notes``.

A credit note (avoir) credits one issued invoice, in the invoice's currency: in full (no amounts given: the
invoice's lines or stated totals, while nothing of it was credited yet) or in part (``items`` or stated
``total_ht``/``tax_rate``/``total_ttc``, computed by the invoices' rules, see ``invoices/totals.py``). It is numbered
``AV-YYYY-NNNN`` and issued on creation; it is never edited or deleted, only cancelled. ``tax_amount`` (the
original CashPilot name) equals ``total_vat``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import AliasChoices, ConfigDict, Field, model_validator

from chalicelib.billing.invoices.models import Line, StatedAmounts, VatBreakdown
from chalicelib.core.errors import FieldValueError
from chalicelib.core.models import READ_BACK_FIELDS, Model
from chalicelib.core.money import Money, RatePercent
from chalicelib.core.validators import OptText
from chalicelib.store.pagination import PageQuery

CreditNoteStatus = Literal["issued", "cancelled"]
READ_ONLY = READ_BACK_FIELDS | frozenset({"vat_breakdown",
                       "client_name", "invoice_number", "cancelled_at", "tax_amount"})


class CreditNoteCreate(StatedAmounts):
    """Body of ``POST /credit-notes``. Without amounts, the whole invoice is credited."""

    invoice_id: str = Field(min_length=1, max_length=64, description="The issued invoice (sent, overdue or paid).")
    client_id: str | None = Field(default=None, max_length=64,
                                  description="Optional; must be the invoice's client (the invoice's by default).")
    date: dt.date | None = Field(default=None, validation_alias=AliasChoices("date", "credit_note_date"),
                                 description="Credit note date; `credit_note_date` is accepted too. Default: today.")
    reason: str = Field(min_length=1, max_length=500, description="Why the invoice is credited (required).")
    tax_rate: RatePercent | None = Field(default=None, description="Percent. Default: the invoice's rate.")
    notes: OptText = Field(default=None, max_length=5000)
    status: Literal["issued"] = Field(default="issued", description="A credit note is issued on creation.")

    ignored_fields = READ_ONLY

    @model_validator(mode="after")
    def _amounts_given_whole(self) -> CreditNoteCreate:
        if not self.items and self.total_ht is None and (self.total_ttc is not None or self.total_vat is not None):
            raise FieldValueError("total_ht", "give items, or total_ht (with tax_rate and total_ttc)")
        return self

    def is_full(self) -> bool:
        """Whether no amounts were given: the whole invoice is credited."""
        return not self.items and self.total_ht is None


class CreditNoteOut(Model):
    """A credit note on the wire (lists and single reads)."""

    id: str
    credit_note_number: str
    invoice_id: str
    invoice_number: str | None = None
    client_id: str
    client_name: str | None = None
    date: dt.date
    credit_note_date: dt.date | None = None
    reason: str
    status: CreditNoteStatus
    currency: str
    items: list[Line] = Field(default_factory=list)
    total_ht: Money
    tax_rate: Decimal | None
    total_vat: Money
    tax_amount: Money
    total_ttc: Money
    vat_breakdown: list[VatBreakdown] = Field(default_factory=list)
    notes: str | None = None
    cancelled_at: dt.datetime | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class CreditNote(CreditNoteOut):
    """A stored credit note."""

    model_config = ConfigDict(extra="ignore")

    org_id: str
    version: int = 1


class CreditNoteListQuery(PageQuery):
    invoice_id: str | None = Field(default=None, max_length=64)
    client_id: str | None = Field(default=None, max_length=64)
    status: CreditNoteStatus | None = None
    start_date: dt.date | None = Field(default=None, description="Credit notes dated on or after this day.")
    end_date: dt.date | None = Field(default=None, description="Credit notes dated on or before this day.")

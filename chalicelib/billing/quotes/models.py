"""Quote models: stored quotes and the request/response shapes of ``/api/v1/quotes``.

A quote has the invoices' amount model (``items`` with computed totals, or stated ``total_ht``/``tax_rate``/
``total_ttc``; see ``invoices/totals.py``), a ``quote_number`` (``QUO-YYYY-NNNN`` when not given), a ``date``
(``quote_date`` is accepted too) and a ``valid_until`` day (default: date + 30 days). ``invoice_id`` is set once the
quote has been converted into an invoice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import AliasChoices, ConfigDict, Field, model_validator

from chalicelib.billing.invoices.models import NUMBER_PATTERN, Line, StatedAmounts, VatBreakdown
from chalicelib.core.errors import FieldValueError
from chalicelib.core.models import READ_BACK_FIELDS, Model, RequestModel
from chalicelib.core.money import Money
from chalicelib.core.validators import Currency, OptText
from chalicelib.store.pagination import PageQuery

QuoteStatus = Literal["draft", "sent", "accepted", "rejected", "expired"]
READ_ONLY = READ_BACK_FIELDS | frozenset({"vat_breakdown",
                       "client_name", "client", "invoice_id", "sent_at", "accepted_at", "rejected_at",
                       "expired_at", "converted_at"})


class QuoteCreate(StatedAmounts):
    """Body of ``POST /quotes`` and ``PUT /quotes/{id}`` (drafts only); ``status`` ``sent`` sends it at once."""

    quote_number: str | None = Field(default=None, pattern=NUMBER_PATTERN,
                                     description="Unique in the organization; assigned (QUO-YYYY-NNNN) if absent.")
    client_id: str = Field(min_length=1, max_length=64)
    date: dt.date | None = Field(default=None, validation_alias=AliasChoices("date", "quote_date"),
                                 description="Quote date (YYYY-MM-DD); `quote_date` is accepted too. Default: today.")
    valid_until: dt.date | None = Field(default=None, description="Last day of validity. Default: date + 30 days.")
    currency: Currency | None = Field(default=None, description="Default: the client's preferred currency.")
    notes: OptText = Field(default=None, max_length=5000)
    reference: OptText = Field(default=None, max_length=100)
    status: Literal["draft", "sent"] = Field(default="draft", description="Create as a draft, or sent.")

    ignored_fields = READ_ONLY

    @model_validator(mode="after")
    def _consistent(self) -> QuoteCreate:
        if self.date and self.valid_until and self.valid_until < self.date:
            raise FieldValueError("valid_until", "must not be before the quote date")
        if not self.items and self.total_ht is None:
            raise FieldValueError("total_ht", "give items, or total_ht (with tax_rate and total_ttc)")
        return self


class QuotePatch(StatedAmounts):
    """Body of ``PATCH /quotes/{id}``: ``status`` moves the quote (see the transitions); ``notes``, ``reference``
    and ``valid_until`` may change while the quote is a draft or sent; the other fields on drafts only."""

    quote_number: str | None = Field(default=None, pattern=NUMBER_PATTERN)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)
    date: dt.date | None = Field(default=None, validation_alias=AliasChoices("date", "quote_date"))
    valid_until: dt.date | None = None
    currency: Currency | None = None
    notes: OptText = Field(default=None, max_length=5000)
    reference: OptText = Field(default=None, max_length=100)
    status: QuoteStatus | None = None

    ignored_fields = READ_ONLY


class QuoteConvert(RequestModel):
    """Body of ``POST /quotes/{id}/convert`` (optional): the new invoice's status and dates."""

    status: Literal["draft", "sent"] = Field(default="draft", description="`sent` issues the invoice (numbered).")
    date: dt.date | None = Field(default=None, validation_alias=AliasChoices("date", "invoice_date"),
                                 description="Invoice date. Default: today.")
    due_date: dt.date | None = Field(default=None,
                                     description="Default: date + the client's payment terms (or 30 days).")
    invoice_number: str | None = Field(default=None, pattern=NUMBER_PATTERN,
                                       description="Assigned (INV-YYYY-NNNN) when issued if absent.")


class QuoteOut(Model):
    """A quote on the wire (lists and single reads)."""

    id: str
    quote_number: str
    client_id: str
    client_name: str | None = None
    date: dt.date
    quote_date: dt.date | None = None
    valid_until: dt.date
    status: QuoteStatus
    currency: str
    items: list[Line] = Field(default_factory=list)
    total_ht: Money
    tax_rate: Decimal | None
    total_vat: Money
    total_ttc: Money
    vat_breakdown: list[VatBreakdown] = Field(default_factory=list)
    notes: str | None = None
    reference: str | None = None
    invoice_id: str | None = None
    sent_at: dt.datetime | None = None
    accepted_at: dt.datetime | None = None
    rejected_at: dt.datetime | None = None
    expired_at: dt.datetime | None = None
    converted_at: dt.datetime | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class Quote(QuoteOut):
    """A stored quote."""

    model_config = ConfigDict(extra="ignore")

    org_id: str
    version: int = 1


class QuoteListQuery(PageQuery):
    status: QuoteStatus | None = None
    client_id: str | None = Field(default=None, max_length=64)
    start_date: dt.date | None = Field(default=None, description="Quotes dated on or after this day.")
    end_date: dt.date | None = Field(default=None, description="Quotes dated on or before this day.")
    search: str | None = Field(default=None, max_length=200,
                               description="Words in the number, notes, reference or client name.")

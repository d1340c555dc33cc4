"""Invoice models: stored invoices, their lines, and the request/response shapes of ``/api/v1/invoices``.

Field names follow the CashPilot API (``invoice_number``, ``date`` — ``invoice_date`` is accepted too —,
``due_date``, ``total_ht``, ``tax_rate`` in percent, ``total_vat``, ``total_ttc``, ``payment_status``...). An invoice
either has ``items`` (totals computed, see ``totals.py``) or states ``total_ht``/``tax_rate``/``total_ttc``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import AliasChoices, ConfigDict, Field, model_validator

from chalicelib.core.errors import FieldValueError
from chalicelib.core.models import READ_BACK_FIELDS, Model, QueryModel, RequestModel
from chalicelib.core.money import Amount, Money, Quantity, RatePercent
from chalicelib.core.validators import Currency, OptText
from chalicelib.store.pagination import PageQuery

InvoiceStatus = Literal["draft", "sent", "paid", "overdue", "cancelled"]
PaymentStatus = Literal["unpaid", "partial", "paid"]
NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/\-]{0,49}$"
READ_ONLY = READ_BACK_FIELDS | frozenset({"payment_status",
                       "amount_paid", "balance_due", "total_credited", "vat_breakdown", "client_name", "client",
                       "payments", "sent_at", "paid_at", "cancelled_at", "quote_id"})


class LineIn(RequestModel):
    """One line: ``quantity × unit_price``, less ``discount`` percent, taxed at ``tax_rate`` percent."""

    description: str = Field(min_length=1, max_length=1000)
    quantity: Quantity = Field(default=Decimal("1"), gt=0)
    unit_price: Amount
    tax_rate: RatePercent | None = Field(default=None, description="Percent; defaults to the invoice's tax_rate.")
    discount: RatePercent = Field(default=Decimal("0"), description="Line discount in percent.")
    unit: OptText = Field(default=None, max_length=30)
    product_id: OptText = Field(default=None, max_length=64)


class Line(Model):
    """A stored line with its rounded total."""

    description: str
    quantity: Decimal
    unit_price: Money
    tax_rate: Decimal
    discount: Decimal = Decimal("0")
    unit: str | None = None
    product_id: str | None = None
    line_total: Money


class VatBreakdown(Model):
    rate: Decimal
    base: Money
    vat: Money


class StatedAmounts(RequestModel):
    """The amount fields of every billing document's request: ``items`` (totals computed by ``totals.py``) or the
    stated ``total_ht``/``tax_rate``/``total_ttc`` (and optional ``total_vat``), checked either way."""

    items: list[LineIn] | None = Field(default=None, max_length=500)
    total_ht: Amount | None = None
    tax_rate: RatePercent | None = Field(default=None, description="Percent (20 for 20 %). Default 20.")
    total_vat: Amount | None = None
    total_ttc: Amount | None = None


class _InvoiceWrite(StatedAmounts):
    """Fields a client may write; amounts are either ``items`` or the stated totals."""

    invoice_number: str | None = Field(default=None, pattern=NUMBER_PATTERN,
                                       description="Assigned (INV-YYYY-NNNN) when the invoice is issued if absent.")
    client_id: str = Field(min_length=1, max_length=64)
    date: dt.date | None = Field(default=None, validation_alias=AliasChoices("date", "invoice_date"),
                                 description="Invoice date (YYYY-MM-DD); `invoice_date` is accepted too. "
                                             "Default: today.")
    due_date: dt.date | None = Field(default=None,
                                     description="Default: date + the client's payment terms (or 30 days).")
    currency: Currency | None = Field(default=None, description="Default: the client's preferred currency.")
    notes: OptText = Field(default=None, max_length=5000)
    reference: OptText = Field(default=None, max_length=100)

    ignored_fields = READ_ONLY

    @model_validator(mode="after")
    def _dates(self) -> _InvoiceWrite:
        if self.date and self.due_date and self.due_date < self.date:
            raise FieldValueError("due_date", "must not be before the invoice date")
        if not self.items and self.total_ht is None:
            raise FieldValueError("total_ht", "give items, or total_ht (with tax_rate and total_ttc)")
        return self


class InvoiceCreate(_InvoiceWrite):
    """Body of ``POST /invoices`` and ``PUT /invoices/{id}`` (drafts only)."""

    status: Literal["draft", "sent"] = Field(default="draft", description="Create as a draft, or issued (sent).")


class InvoicePatch(StatedAmounts):
    """Body of ``PATCH /invoices/{id}``: ``status`` moves the invoice (see the transitions); ``notes``,
    ``reference`` and ``due_date`` may change on any open invoice; the other fields on drafts only."""

    invoice_number: str | None = Field(default=None, pattern=NUMBER_PATTERN)
    client_id: str | None = Field(default=None, min_length=1, max_length=64)
    date: dt.date | None = Field(default=None, validation_alias=AliasChoices("date", "invoice_date"))
    due_date: dt.date | None = None
    currency: Currency | None = None
    notes: OptText = Field(default=None, max_length=5000)
    reference: OptText = Field(default=None, max_length=100)
    status: InvoiceStatus | None = None

    ignored_fields = READ_ONLY


class InvoiceOut(Model):
    """An invoice on the wire (lists and single reads)."""

    id: str
    invoice_number: str | None
    client_id: str
    client_name: str | None = None
    date: dt.date
    invoice_date: dt.date | None = None
    due_date: dt.date
    status: InvoiceStatus
    payment_status: PaymentStatus
    currency: str
    items: list[Line] = Field(default_factory=list)
    total_ht: Money
    tax_rate: Decimal | None
    total_vat: Money
    total_ttc: Money
    vat_breakdown: list[VatBreakdown] = Field(default_factory=list)
    amount_paid: Money
    total_credited: Money = Decimal("0")
    balance_due: Money
    notes: str | None = None
    reference: str | None = None
    quote_id: str | None = None
    sent_at: dt.datetime | None = None
    paid_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class Invoice(InvoiceOut):
    """A stored invoice."""

    model_config = ConfigDict(extra="ignore")

    org_id: str
    version: int = 1


class PaymentBrief(Model):
    id: str
    amount: Money
    payment_date: dt.date
    payment_method: str
    receipt_number: str
    reference: str | None = None


class InvoiceDetail(InvoiceOut):
    """``GET /invoices/{id}``: the invoice with its client and its payments."""

    client: dict[str, Any] | None = None
    payments: list[PaymentBrief] = Field(default_factory=list)


class InvoiceListQuery(PageQuery):
    status: InvoiceStatus | None = None
    payment_status: PaymentStatus | None = None
    client_id: str | None = Field(default=None, max_length=64)
    start_date: dt.date | None = Field(default=None, description="Invoices dated on or after this day.")
    end_date: dt.date | None = Field(default=None, description="Invoices dated on or before this day.")
    search: str | None = Field(default=None, max_length=200,
                               description="Words in the number, notes, reference or client name.")


class StatsQuery(QueryModel):
    months: int = Field(default=12, ge=1, le=120)


class InvoiceStats(Model):
    period_months: int
    start_date: dt.date
    currency: str = Field(description="Amounts count the invoices in the organization's currency only.")
    total_billed: Money
    total_paid: Money
    total_unpaid: Money
    overdue_count: int
    overdue_amount: Money
    count: dict[str, int]

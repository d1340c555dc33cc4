"""Payment models: a payment, its allocations to invoices, and the shapes of ``/api/v1/payments``."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from chalicelib.core.errors import FieldValueError
from chalicelib.core.models import Model, RequestModel
from chalicelib.core.money import Money, PositiveAmount
from chalicelib.core.validators import OptText
from chalicelib.store.pagination import PageQuery

PaymentMethod = Literal["bank_transfer", "cash", "check", "card", "other"]


class AllocationIn(RequestModel):
    invoice_id: str = Field(min_length=1, max_length=64)
    amount: PositiveAmount = Field(gt=0)


class PaymentCreate(RequestModel):
    """Body of ``POST /payments``: one invoice (``invoice_id`` + ``amount``) or several of one client
    (``allocations``; ``amount`` is then their sum, and may be left out)."""

    invoice_id: str | None = Field(default=None, min_length=1, max_length=64)
    amount: PositiveAmount | None = Field(default=None, gt=0, description="Amount received (> 0).")
    payment_method: PaymentMethod = "bank_transfer"
    payment_date: dt.date | None = Field(default=None, description="Default: today in the organization's zone.")
    reference: OptText = Field(default=None, max_length=100)
    notes: OptText = Field(default=None, max_length=2000)
    # 20 keeps a payment's transaction (payment, links, invoices, events, counters) under the store's 100 writes.
    allocations: list[AllocationIn] | None = Field(default=None, min_length=1, max_length=20)
    overpayment: bool = Field(default=False, description="Accept an amount above the balance due; the excess is "
                                                         "kept on the payment as `unallocated_amount`.")

    @model_validator(mode="after")
    def _target(self) -> PaymentCreate:
        if self.allocations:
            if self.invoice_id:
                raise FieldValueError("invoice_id", "give invoice_id or allocations, not both")
            total = sum((a.amount for a in self.allocations), Decimal(0))
            if self.amount is not None and self.amount != total:
                raise FieldValueError("amount", f"differs from the allocations' sum {total}")
            ids = [a.invoice_id for a in self.allocations]
            if len(set(ids)) != len(ids):
                raise FieldValueError("allocations", "an invoice appears twice")
            self.amount = total
        elif not self.invoice_id:
            raise FieldValueError("invoice_id", "required (or allocations)")
        elif self.amount is None:
            raise FieldValueError("amount", "required")
        return self


class Allocation(Model):
    invoice_id: str
    invoice_number: str | None
    amount: Money


class PaymentOut(Model):
    id: str
    invoice_id: str | None
    client_id: str
    client_name: str | None = None
    amount: Money
    unallocated_amount: Money = Decimal("0")
    currency: str = "EUR"
    payment_method: PaymentMethod
    payment_date: dt.date
    receipt_number: str
    reference: str | None = None
    notes: str | None = None
    allocations: list[Allocation]
    created_at: dt.datetime


class Payment(PaymentOut):
    model_config = ConfigDict(extra="ignore")

    org_id: str
    ledger_account: str | None = None  # the bank account of the books it posts to, when a bank transaction paid it
    version: int = 1


class PaymentListQuery(PageQuery):
    invoice_id: str | None = Field(default=None, max_length=64)
    client_id: str | None = Field(default=None, max_length=64)
    start_date: dt.date | None = None
    end_date: dt.date | None = None

"""Expense models: the stored entity, the request/response shapes of ``/api/v1/expenses``, and the amount rule.

An expense is dated by ``expense_date`` (the day it was paid), never by when it was recorded. Its ``tax_rate`` is
a percentage (20 for 20 %), like invoices. Write models forbid unknown fields but tolerate the read-only fields a
client got from GET and sends back unchanged on PUT.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal, get_args

from pydantic import (
    AliasChoices,
    Base64Bytes,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from chalicelib.core.errors import ValidationFailed
from chalicelib.core.models import READ_BACK_FIELDS, Model, QueryModel, RequestModel
from chalicelib.core.money import HUNDRED, Money, PositiveAmount, RatePercent, exponent, percent_of, quantize
from chalicelib.core.validators import Currency, OptText, blank_to_none
from chalicelib.store.pagination import PageQuery

Category = Literal["general", "office", "travel", "meals", "transport", "software", "hardware", "marketing", "legal",
                   "insurance", "rent", "utilities", "telecom", "training", "consulting", "other"]
CATEGORIES: tuple[str, ...] = get_args(Category)
PaymentMethod = Literal["bank_transfer", "cash", "check", "card", "other"]
RECEIPT_TYPES = ("image/jpeg", "image/png", "application/pdf", "image/heic")
MAX_RECEIPT_BYTES = 10 * 1024 * 1024
READ_ONLY_FIELDS = READ_BACK_FIELDS | {"receipt"}
MONEY_FIELDS = ("amount", "amount_ht", "tax_amount")


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _lower_or_none(value: object) -> object:
    return _lower(blank_to_none(value))


CategoryIn = Annotated[Category, BeforeValidator(_lower)]
OptPaymentMethod = Annotated[PaymentMethod | None, BeforeValidator(_lower_or_none)]


class ExpenseFields(RequestModel):
    """The writable fields of an expense, with their rules."""

    expense_date: date = Field(validation_alias=AliasChoices("expense_date", "date"),
                               description="Day the expense was paid (`YYYY-MM-DD`); `date` is accepted too.")
    amount: PositiveAmount | None = Field(default=None, description="Total paid, tax included (TTC).")
    amount_ht: PositiveAmount | None = Field(default=None, description="Amount before tax (HT).")
    tax_amount: PositiveAmount | None = Field(default=None, description="Deductible VAT included in `amount`.")
    tax_rate: RatePercent = Field(default=Decimal("0"), description="VAT rate in percent (20 for 20 %).",
                                  json_schema_extra={"default": 0})
    currency: Currency = Field(default="EUR", description="ISO 4217 code.")
    category: CategoryIn = Field(default="general", description="One of: " + ", ".join(CATEGORIES) + ".")
    supplier: OptText = Field(default=None, max_length=200, description="Who was paid.")
    description: OptText = Field(default=None, max_length=1000)
    reference: OptText = Field(default=None, max_length=100, description="Supplier invoice or receipt number.")
    payment_method: OptPaymentMethod = Field(default=None, description="bank_transfer, cash, check, card or other.")
    client_id: OptText = Field(default=None, max_length=64,
                               description="Client the expense was incurred for (must be a client of yours).")
    refacturable: bool = Field(default=False, description="Whether the expense is to be re-invoiced to the client.")

    ignored_fields = READ_ONLY_FIELDS


class ExpenseCreate(ExpenseFields):
    """Body of ``POST /expenses`` and ``PUT /expenses/{id}`` (a PUT replaces every field).

    Amounts: send ``amount`` (tax included) or ``amount_ht`` (tax excluded), at least one of them, with
    ``tax_rate`` in percent; the missing figures are computed and rounded half-up to the currency's minor unit:

    * ``amount`` (+ ``tax_rate``): ``amount_ht = round(amount / (1 + tax_rate / 100))`` and
      ``tax_amount = amount - amount_ht``;
    * ``amount_ht`` (+ ``tax_rate``): ``tax_amount = round(amount_ht * tax_rate / 100)`` and
      ``amount = amount_ht + tax_amount``;
    * two of ``amount``/``amount_ht``/``tax_amount``: the third is their difference or sum (the rate is stored,
      not applied: the figures of a receipt are authoritative);
    * all three: they must satisfy ``amount = amount_ht + tax_amount`` exactly, else 422 naming the three fields.
    """


class ExpensePatch(ExpenseFields):
    """Body of ``PATCH /expenses/{id}``: only the fields sent change; ``null`` clears an optional field.

    Amounts are recomputed only when a money field, ``tax_rate`` or ``currency`` is sent: the money fields sent
    are the inputs of the rule above; when neither ``amount`` nor ``amount_ht`` is sent, the stored ``amount``
    (what was paid) is kept and the rest derived from it.
    """

    expense_date: date | None = Field(  # type: ignore[assignment]
        default=None, validation_alias=AliasChoices("expense_date", "date"))
    tax_rate: RatePercent | None = None  # type: ignore[assignment]
    currency: Currency | None = None  # type: ignore[assignment]
    category: CategoryIn | None = None  # type: ignore[assignment]
    refacturable: bool | None = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _required_stay_set(self) -> ExpensePatch:
        for name in ("expense_date", "tax_rate", "currency", "category", "refacturable", *MONEY_FIELDS):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be cleared")
        return self


class ReceiptOut(Model):
    """The receipt attached to an expense (the file itself is at ``/expenses/{id}/receipt``)."""

    file_name: str
    content_type: str
    size: int
    uploaded_at: datetime


class StoredReceipt(ReceiptOut):
    """A receipt as stored: its metadata and the blob key of this upload."""

    blob_key: str


class ExpenseOut(Model):
    """An expense on the wire. Read models carry no input rules: data already stored is never re-judged."""

    id: str
    expense_date: date
    amount: Money
    amount_ht: Money
    tax_amount: Money
    tax_rate: Decimal
    currency: str = "EUR"
    category: str = "general"
    supplier: str | None = None
    description: str | None = None
    reference: str | None = None
    payment_method: str | None = None
    client_id: str | None = None
    refacturable: bool = False
    receipt: ReceiptOut | None = None
    created_at: datetime
    updated_at: datetime


class Expense(ExpenseOut):
    """A stored expense: the wire fields plus its organization, version and the receipt's blob key."""

    model_config = ConfigDict(extra="ignore")

    org_id: str
    version: int = 1
    receipt: StoredReceipt | None = None


ExpenseSort = Literal["-expense_date", "expense_date"]


class ExpenseListQuery(PageQuery):
    """Query of ``GET /expenses``."""

    category: CategoryIn | None = Field(default=None, description="Only this category.")
    start_date: date | None = Field(default=None, description="First expense date included (`YYYY-MM-DD`).")
    end_date: date | None = Field(default=None, description="Last expense date included (`YYYY-MM-DD`).")
    client_id: str | None = Field(default=None, max_length=64, description="Only the expenses of this client.")
    supplier: str | None = Field(default=None, max_length=200,
                                 description="Words to find in the supplier; accents and case are ignored.")
    search: str | None = Field(default=None, max_length=200,
                               description="Words to find in supplier, description or reference; accents and "
                                           "case are ignored.")
    sort: ExpenseSort = Field(default="-expense_date", description="Order by expense date; `-` means newest first.")

    @field_validator("end_date")
    @classmethod
    def _not_before_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("start_date")
        if value is not None and start is not None and value < start:
            raise ValueError("must not be before start_date")
        return value


class ReceiptQuery(QueryModel):
    """Query of ``PUT /expenses/{id}/receipt`` with a raw file body."""

    model_config = ConfigDict(extra="ignore")

    file_name: str | None = Field(default=None, max_length=255,
                                  description="Name of the file (else taken from `Content-Disposition`).")


@dataclass(frozen=True)
class ReceiptUpload:
    """A receipt file as received: its bytes, their declared media type and the file's name if given."""

    data: bytes
    content_type: str
    file_name: str | None = None


class ReceiptUploadBody(RequestModel):
    """JSON form of a receipt upload, for clients that can only send JSON (MCP, ChatGPT actions, Zapier)."""

    file_name: OptText = Field(default=None, max_length=255)
    content_type: str = Field(max_length=100, description="One of: " + ", ".join(RECEIPT_TYPES) + ".")
    content_base64: Base64Bytes = Field(description="The file, base64-encoded.")

    def upload(self) -> ReceiptUpload:
        return ReceiptUpload(data=self.content_base64, content_type=self.content_type.lower(),
                             file_name=self.file_name)


# --- the amount rule ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Amounts:
    """The three figures of an expense, consistent: ``amount = amount_ht + tax_amount``."""

    amount: Decimal
    amount_ht: Decimal
    tax_amount: Decimal


def settle_amounts(amount: Decimal | None, amount_ht: Decimal | None, tax_amount: Decimal | None,
                   tax_rate: Decimal, currency: str) -> Amounts:
    """The figures of an expense from those sent (see ``ExpenseCreate``), written with the currency's minor unit
    (``12.5`` -> ``12.50``); ``ValidationFailed`` naming the fields when they cannot be settled."""
    _check_minor_units({"amount": amount, "amount_ht": amount_ht, "tax_amount": tax_amount}, currency)
    settled = _settle(amount, amount_ht, tax_amount, tax_rate, currency)
    return Amounts(*(quantize(v, currency) for v in (settled.amount, settled.amount_ht, settled.tax_amount)))


def _settle(amount: Decimal | None, amount_ht: Decimal | None, tax_amount: Decimal | None, tax_rate: Decimal,
            currency: str) -> Amounts:
    if amount is None and amount_ht is None:
        message = "send amount (tax included) or amount_ht (tax excluded)"
        raise ValidationFailed(f"amount: {message}", details={"amount": [message], "amount_ht": [message]})
    if amount is not None and amount_ht is not None:
        return _from_both(amount, amount_ht, tax_amount)
    if amount is not None:
        if tax_amount is None:
            amount_ht = quantize(amount / (1 + tax_rate / HUNDRED), currency)
            return Amounts(amount, amount_ht, amount - amount_ht)
        _at_most("tax_amount", tax_amount, amount)
        return Amounts(amount, amount - tax_amount, tax_amount)
    assert amount_ht is not None
    tax = percent_of(amount_ht, tax_rate, currency) if tax_amount is None else tax_amount
    return Amounts(amount_ht + tax, amount_ht, tax)


def _from_both(amount: Decimal, amount_ht: Decimal, tax_amount: Decimal | None) -> Amounts:
    if tax_amount is None:
        _at_most("amount_ht", amount_ht, amount)
        return Amounts(amount, amount_ht, amount - amount_ht)
    if amount != amount_ht + tax_amount:
        message = f"amount must equal amount_ht + tax_amount ({amount_ht} + {tax_amount} = {amount_ht + tax_amount})"
        raise ValidationFailed(message, code="inconsistent_amounts",
                               details={name: [message] for name in MONEY_FIELDS})
    return Amounts(amount, amount_ht, tax_amount)


def _at_most(name: str, value: Decimal, amount: Decimal) -> None:
    if value > amount:
        raise ValidationFailed(f"{name}: cannot exceed amount ({amount})", details={name: ["cannot exceed amount"]})


def _check_minor_units(values: dict[str, Decimal | None], currency: str) -> None:
    for name, value in values.items():
        if value is not None and value != quantize(value, currency):
            places = max(0, -int(exponent(currency).as_tuple().exponent))
            message = f"{currency} amounts have at most {places} decimals"
            raise ValidationFailed(f"{name}: {message}", details={name: [message]})


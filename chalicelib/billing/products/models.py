"""Product models: the stored entity and the request/response shapes of ``/api/v1/products``.

Field names follow the CashPilot API (``product_name``, ``unit_price``, ``stock_quantity``, ...). Write models
forbid unknown fields but tolerate the read-only fields (``id``, timestamps, the computed ``low_stock``) that a
client got from GET and sends back unchanged on PUT. Money and quantities are ``Decimal``; on the wire they are
JSON numbers.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, WithJsonSchema, field_validator

from chalicelib.billing.clients.models import READ_ONLY_FIELDS
from chalicelib.billing.products.wine import Wine, WineFields
from chalicelib.core.models import Model, RequestModel
from chalicelib.core.money import Money, PositiveAmount, Quantity, RatePercent
from chalicelib.core.validators import Currency, OptText
from chalicelib.store.pagination import PageQuery

PRODUCT_READ_ONLY = READ_ONLY_FIELDS | {"low_stock", "stock_reserved"}
# A stock threshold: a quantity that cannot be negative.
StockLevel = Annotated[Quantity, Field(ge=0), WithJsonSchema(
    {"type": "number", "minimum": 0, "description": "Decimal quantity; a JSON number or a numeric string."})]
# A Decimal as it goes out: a JSON number (the project serializer writes it exactly), never re-validated.
Number = Annotated[Decimal, WithJsonSchema({"type": "number"})]


class ProductFields(RequestModel):
    """The writable fields of a product, with their rules."""

    product_name: str = Field(min_length=1, max_length=200, description="Name of the product or service.")
    sku: OptText = Field(default=None, max_length=100,
                         description="Stock keeping unit; unique in the organization (case and accents ignored).")
    description: OptText = Field(default=None, max_length=5000)
    category: OptText = Field(default=None, max_length=100, description="Free-text category.")
    unit_price: PositiveAmount = Field(default=0, validate_default=True, description="Sale price excluding VAT.")
    purchase_price: PositiveAmount | None = Field(default=None, description="Purchase price excluding VAT.")
    tax_rate: RatePercent = Field(default=20, validate_default=True, description="VAT rate in percent (20 = 20 %).")
    unit: str = Field(default="pièce", min_length=1, max_length=30, description="Unit of sale (pièce, heure, kg).")
    stock_quantity: Quantity = Field(default=0, validate_default=True,
                                     description="Quantity in stock (may be negative after overselling).")
    min_stock_level: StockLevel | None = Field(default=None, description="Threshold under which stock is low.")
    is_active: bool = Field(default=True, description="Inactive products stay listed but are not offered.")
    currency: Currency = Field(default="EUR", description="ISO 4217 code of the prices.")
    wine: WineFields | None = Field(default=None, description="Wine attributes: set, the product is a cuvée of "
                                                              "the winery catalogue.")

    ignored_fields = PRODUCT_READ_ONLY


class ProductCreate(ProductFields):
    """Body of ``POST /products`` and ``PUT /products/{id}`` (a PUT replaces every field)."""


_REQUIRED = ("product_name", "unit_price", "tax_rate", "unit", "stock_quantity", "is_active", "currency")


class ProductPatch(ProductFields):
    """Body of ``PATCH /products/{id}``: only the fields sent change; ``null`` clears an optional field."""

    product_name: str | None = Field(default=None, min_length=1, max_length=200)  # type: ignore[assignment]
    unit_price: PositiveAmount | None = None  # type: ignore[assignment]
    tax_rate: RatePercent | None = None  # type: ignore[assignment]
    unit: str | None = Field(default=None, min_length=1, max_length=30)  # type: ignore[assignment]
    stock_quantity: Quantity | None = None  # type: ignore[assignment]
    is_active: bool | None = None  # type: ignore[assignment]
    currency: Currency | None = None  # type: ignore[assignment]

    @field_validator(*_REQUIRED, mode="after")
    @classmethod
    def _required_stay_set(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be cleared")
        return value


class ProductBase(Model):
    """The stored fields of a product, without input rules: data already stored is never re-judged."""

    id: str
    product_name: str
    sku: str | None = None
    description: str | None = None
    category: str | None = None
    unit_price: Money
    purchase_price: Money | None = None
    tax_rate: Number
    unit: str
    stock_quantity: Number
    min_stock_level: Number | None = None
    is_active: bool
    currency: str
    wine: Wine | None = None
    stock_reserved: Number = Field(default=Decimal(0), description="Quantity reserved by validated orders not yet "
                                                                     "shipped.")
    created_at: datetime
    updated_at: datetime


def is_low_stock(stock_quantity: Decimal, min_stock_level: Decimal | None) -> bool:
    """Stock is low when a threshold is set and the quantity is at or under it."""
    return min_stock_level is not None and stock_quantity <= min_stock_level


class ProductOut(ProductBase):
    """A product on the wire: the stored fields plus ``low_stock``, computed on read."""

    low_stock: bool = Field(description="Whether `min_stock_level` is set and `stock_quantity` is at or under it.")


class Product(ProductBase):
    """A stored product: the fields plus its organization and version (optimistic locking)."""

    model_config = ConfigDict(extra="ignore")

    org_id: str
    version: int = 1

    @property
    def low_stock(self) -> bool:
        return is_low_stock(self.stock_quantity, self.min_stock_level)


ProductSort = Literal["created_at", "-created_at", "product_name", "-product_name"]


class ProductListQuery(PageQuery):
    """Query of ``GET /products``."""

    search: str | None = Field(default=None, max_length=200,
                               description="Words to find in name, SKU or description; accents and case are "
                                           "ignored.")
    category: str | None = Field(default=None, max_length=100,
                                 description="Only this category (accents and case ignored).")
    is_active: bool | None = Field(default=None, description="Only active (`true`) or inactive (`false`) products.")
    low_stock: bool | None = Field(default=None,
                                   description="`true`: only products at or under their minimum stock level; "
                                               "`false`: only the others.")
    sort: ProductSort = Field(default="-created_at", description="Order; a leading `-` means descending.")

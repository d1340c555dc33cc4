"""Tools of the ``products`` toolset: the catalogue of products and services (prices, VAT rate, stock); thin
adapters over ``chalicelib.billing.products.service`` as the ``/api/v1/products`` routes are."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from chalicelib.billing.products import service
from chalicelib.billing.products.models import ProductCreate, ProductListQuery, ProductOut, ProductPatch
from chalicelib.core.money import PositiveAmount, Quantity, RatePercent
from chalicelib.mcp.models import Confirm, Cursor, Deleted, IdempotencyKey, like, page_fields, request
from chalicelib.mcp.registry import Caller, tool

TOOLSET = "products"
RESOURCE = "products"

ProductId = Annotated[str, Field(min_length=1, max_length=64, description="The product's `id` (from list_products).")]
Sku = Annotated[str | None, like(ProductCreate, "sku", "Stock keeping unit, unique in the organization.")]
Description = Annotated[str | None, like(ProductCreate, "description", "Description printed on documents.")]
CategoryText = Annotated[str | None, like(ProductCreate, "category", "Free-text category.")]
PurchasePrice = Annotated[PositiveAmount | None, Field(description="Purchase price excluding VAT.")]
MinStock = Annotated[Quantity | None, Field(ge=0, description="Threshold at or under which stock is low.")]
Unit = Annotated[str | None, like(ProductCreate, "unit", "Unit of sale (pièce, heure, kg...).")]
Currency = Annotated[str | None, Field(min_length=3, max_length=3, description="ISO 4217 code of the prices.")]


class ProductList(BaseModel):
    products: list[ProductOut]
    count: int = Field(description="Products in this answer.")
    total: int = Field(description="Products matching the filters, all pages together.")
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page; null on the last page.")


@tool("list_products", toolset=TOOLSET, title="List products", action="read", resource=RESOURCE)
def list_products(caller: Caller, *,
                  search: Annotated[str | None, like(ProductListQuery, "search", "Words in name, SKU or "
                                                                                 "description.")] = None,
                  category: Annotated[str | None, like(ProductListQuery, "category", "Only this category.")] = None,
                  is_active: Annotated[bool | None, Field(description="Only active (true) or inactive (false) "
                                                                      "products.")] = None,
                  low_stock: Annotated[bool | None, Field(description="true: only products at or under their "
                                                                      "minimum stock level.")] = None,
                  limit: Annotated[int, like(ProductListQuery, "limit", "Per page, at most 100.")] = 50,
                  cursor: Cursor = None) -> ProductList:
    """List products and services of the catalogue (newest first), with unit price excluding VAT (a decimal in
    `currency`), VAT rate in percent, unit and stock. Returns `{products, count, total, next_cursor}`.
    """
    query = request(ProductListQuery, search=search, category=category, is_active=is_active, low_stock=low_stock,
                    limit=limit, cursor=cursor)
    listing = service.list_products(caller.deps, caller.org_id, query)
    return ProductList(products=listing.items, **page_fields(listing))


@tool("get_product", toolset=TOOLSET, title="Get a product", action="read", resource=RESOURCE)
def get_product(caller: Caller, *, product_id: ProductId) -> ProductOut:
    """Get one product: prices, VAT rate, unit, stock and whether it is low on stock."""
    return service.get_product(caller.deps, caller.org_id, product_id)


@tool("create_product", toolset=TOOLSET, title="Create a product", action="write", resource=RESOURCE)
def create_product(caller: Caller, *,
                   product_name: Annotated[str, like(ProductCreate, "product_name",
                                                     "Name of the product or service.")],
                   unit_price: Annotated[PositiveAmount, Field(description="Sale price excluding VAT.",
                                                               json_schema_extra={"default": 0})] = Decimal(0),
                   tax_rate: Annotated[RatePercent, Field(description="VAT rate in percent (20 = 20 %).",
                                                          json_schema_extra={"default": 20})] = Decimal(20),
                   unit: Unit = None, sku: Sku = None, description: Description = None,
                   category: CategoryText = None, purchase_price: PurchasePrice = None,
                   stock_quantity: Annotated[Quantity | None, Field(description="Quantity in stock. Default 0.")]
                   = None,
                   min_stock_level: MinStock = None, currency: Currency = None,
                   idempotency_key: IdempotencyKey = None) -> ProductOut:
    """Add a product or service to the catalogue. A SKU already used by another product is refused
    (`sku_exists`). Returns the product.
    """
    data = request(ProductCreate, product_name=product_name, unit_price=unit_price, tax_rate=tax_rate, unit=unit,
                   sku=sku, description=description, category=category, purchase_price=purchase_price,
                   stock_quantity=stock_quantity, min_stock_level=min_stock_level, currency=currency)
    return service.create_product(caller.deps, caller.org_id, data)


@tool("update_product", toolset=TOOLSET, title="Edit a product", action="write", resource=RESOURCE,
      idempotent=True)
def update_product(caller: Caller, *, product_id: ProductId,
                   product_name: Annotated[str | None, like(ProductPatch, "product_name", "New name.")] = None,
                   unit_price: Annotated[PositiveAmount | None, Field(description="New price excluding VAT.")]
                   = None,
                   tax_rate: Annotated[RatePercent | None, Field(description="New VAT rate in percent.")] = None,
                   unit: Unit = None, sku: Sku = None, description: Description = None,
                   category: CategoryText = None, purchase_price: PurchasePrice = None,
                   stock_quantity: Annotated[Quantity | None, Field(description="New quantity in stock.")] = None,
                   min_stock_level: MinStock = None,
                   is_active: Annotated[bool | None, Field(description="false withdraws it from sale.")] = None,
                   currency: Currency = None,
                   idempotency_key: IdempotencyKey = None) -> ProductOut:
    """Change some fields of a product; only the fields you pass change ("" clears an optional text). Returns the
    product.
    """
    patch = request(ProductPatch, product_name=product_name, unit_price=unit_price, tax_rate=tax_rate, unit=unit,
                    sku=sku, description=description, category=category, purchase_price=purchase_price,
                    stock_quantity=stock_quantity, min_stock_level=min_stock_level, is_active=is_active,
                    currency=currency)
    return service.update_product(caller.deps, caller.org_id, product_id, patch)


@tool("delete_product", toolset=TOOLSET, title="Delete a product", action="delete", resource=RESOURCE,
      destructive=True, idempotent=True)
def delete_product(caller: Caller, *, product_id: ProductId, confirm: Confirm = False,
                   idempotency_key: IdempotencyKey = None) -> Deleted:
    """Delete a product from the catalogue for good (documents already issued keep their lines); its SKU becomes
    free. To stop selling it but keep it, use `update_product(is_active=false)`. Requires `confirm: true`.
    """
    service.delete_product(caller.deps, caller.org_id, product_id)
    return Deleted(success=True, id=product_id)

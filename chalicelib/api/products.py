"""Routes of ``/api/v1/products``: thin adapters over ``chalicelib.billing.products.service``."""

from __future__ import annotations

from typing import Any

from chalicelib.api.routing import RouteGroup
from chalicelib.api.views import Ctx, deleted
from chalicelib.billing.products import service
from chalicelib.billing.products.models import ProductCreate, ProductListQuery, ProductOut, ProductPatch
from chalicelib.store.pagination import Listing

group = RouteGroup("products", tag="Products")
route = group.route
BASE = "/api/v1/products"
ITEM = BASE + "/{product_id}"


@route("GET", BASE, operation_id="listProducts", summary="List products", action="read", resource="products",
       query=ProductListQuery, response=ProductOut, list_response=True,
       description="Paginated with `page`/`limit` or `cursor`; `search` matches name, SKU and description, "
                   "ignoring accents and case; `category`, `is_active` and `low_stock` filter.")
def list_products(ctx: Ctx) -> Listing:
    return service.list_products(ctx.deps, ctx.org_id, ctx.query)


@route("POST", BASE, operation_id="createProduct", summary="Create a product", action="write",
       resource="products", body=ProductCreate, response=ProductOut, status=201,
       description="A SKU already used by another product of the organization is refused with 409 `sku_exists`.")
def create_product(ctx: Ctx) -> Any:
    return service.create_product(ctx.deps, ctx.org_id, ctx.body)


@route("GET", ITEM, operation_id="getProduct", summary="Get a product", action="read", resource="products",
       response=ProductOut)
def get_product(ctx: Ctx) -> Any:
    return service.get_product(ctx.deps, ctx.org_id, ctx.path["product_id"])


@route("PUT", ITEM, operation_id="replaceProduct", summary="Replace a product", action="write",
       resource="products", body=ProductCreate, response=ProductOut,
       description="Every writable field is replaced; fields left out take their defaults or become empty.")
def replace_product(ctx: Ctx) -> Any:
    return service.update_product(ctx.deps, ctx.org_id, ctx.path["product_id"], ctx.body)


@route("PATCH", ITEM, operation_id="updateProduct", summary="Update some fields of a product", action="write",
       resource="products", body=ProductPatch, response=ProductOut)
def update_product(ctx: Ctx) -> Any:
    return service.update_product(ctx.deps, ctx.org_id, ctx.path["product_id"], ctx.body)


@route("DELETE", ITEM, operation_id="deleteProduct", summary="Delete a product", action="delete",
       resource="products", description="Frees its SKU for another product.")
def delete_product(ctx: Ctx) -> Any:
    service.delete_product(ctx.deps, ctx.org_id, ctx.path["product_id"])
    return deleted()


group.seal()

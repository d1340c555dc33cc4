"""Persistence of products.

Key formats and access patterns:

| pattern                                  | index | key condition                                                  |
|------------------------------------------|-------|----------------------------------------------------------------|
| product by id                            | table | pk=``ORG#<org>``, sk=``PRODUCT#<id>``                           |
| products by creation time                | gsi1  | gsi1pk=``ORG#<org>#PRODUCTS``, gsi1sk=``<created_at>#<id>``     |
| products by name                         | gsi2  | gsi2pk=``ORG#<org>#PRODUCTS``, gsi2sk=``<folded name>#<id>``    |
| number of products (``meta.total``)      | table | pk=``ORG#<org>``, sk=``COUNTER#products`` (attribute ``count``) |
| SKU uniqueness marker                    | table | pk=``ORG#<org>``, sk=``PRODUCTSKU#<folded sku>`` (``product_id``) |

A product with a SKU owns its marker: the marker is written with ``MustNotExist`` in the transaction that gives
the product its SKU and deleted in the one that changes or removes it, so two products of an organization never
share a SKU (compared folded: case, accents and repeated spaces ignored).

Filtered listings (search, category, active flag, low stock) read one of the two list partitions in large pages
and filter in memory, like the clients' search; every product item carries ``search_text`` (folded name, SKU and
description) for that.
"""

from __future__ import annotations

from chalicelib.billing.products.models import Product
from chalicelib.core.clock import iso
from chalicelib.core.text import fold
from chalicelib.store.port import (
    Delete,
    ExpectedVersion,
    Increment,
    IndexName,
    Item,
    MustNotExist,
    Operation,
    Page,
    Put,
    Store,
)

COUNTER_SK = "COUNTER#products"
SKU_ENTITY = "product_sku"


def _pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def _sk(product_id: str) -> str:
    return f"PRODUCT#{product_id}"


def list_pk(org_id: str) -> str:
    return f"ORG#{org_id}#PRODUCTS"


def sku_sk(sku: str) -> str:
    return f"PRODUCTSKU#{fold(sku)}"


def _sku_key(sku: str | None) -> str | None:
    return None if sku is None else fold(sku)


def to_item(product: Product) -> Item:
    texts = (product.product_name, product.sku, product.description)
    return {
        "pk": _pk(product.org_id),
        "sk": _sk(product.id),
        "gsi1pk": list_pk(product.org_id),
        "gsi1sk": f"{iso(product.created_at)}#{product.id}",
        "gsi2pk": list_pk(product.org_id),
        "gsi2sk": f"{fold(product.product_name)}#{product.id}",
        "entity": "product",
        "search_text": " | ".join(fold(v) for v in texts if v),
        **product.model_dump(mode="json"),
    }


def from_item(item: Item) -> Product:
    return Product.model_validate(item)


def get(store: Store, org_id: str, product_id: str) -> Product | None:
    item = store.get(_pk(org_id), _sk(product_id))
    return from_item(item) if item else None


def _claim_sku(product: Product, sku: str) -> Put:
    return Put({"pk": _pk(product.org_id), "sk": sku_sk(sku), "entity": SKU_ENTITY, "product_id": product.id,
                "sku": sku}, MustNotExist())


def _release_sku(org_id: str, sku: str) -> Delete:
    return Delete(_pk(org_id), sku_sk(sku))


def claims_sku(op: Operation) -> bool:
    """Whether ``op`` is the claim of a SKU marker (its failure means the SKU is taken)."""
    return isinstance(op, Put) and op.item.get("entity") == SKU_ENTITY


def insert(product: Product) -> list[Operation]:
    ops: list[Operation] = [Put(to_item(product), MustNotExist()),
                            Increment(_pk(product.org_id), COUNTER_SK, "count", 1)]
    return ops + ([_claim_sku(product, product.sku)] if product.sku is not None else [])


def replace(updated: Product, current: Product) -> list[Operation]:
    """Replace ``current`` (at its version) by ``updated``, moving the SKU marker when the SKU changes."""
    ops: list[Operation] = [Put(to_item(updated), ExpectedVersion(current.version))]
    if _sku_key(current.sku) != _sku_key(updated.sku):
        if current.sku is not None:
            ops.append(_release_sku(current.org_id, current.sku))
        if updated.sku is not None:
            ops.append(_claim_sku(updated, updated.sku))
    return ops


def remove(product: Product) -> list[Operation]:
    ops: list[Operation] = [Delete(_pk(product.org_id), _sk(product.id), ExpectedVersion(product.version)),
                            Increment(_pk(product.org_id), COUNTER_SK, "count", -1)]
    return ops + ([_release_sku(product.org_id, product.sku)] if product.sku is not None else [])


def count(store: Store, org_id: str) -> int:
    item = store.get(_pk(org_id), COUNTER_SK)
    return int(item["count"]) if item else 0


def query(store: Store, org_id: str, sort: str, limit: int, cursor: str | None) -> Page:
    index: IndexName = "gsi2" if sort.lstrip("-") == "product_name" else "gsi1"
    return store.query(list_pk(org_id), index=index, forward=not sort.startswith("-"), limit=limit, cursor=cursor)

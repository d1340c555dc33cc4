"""The products' share of a backup: one record per product (SKU claims and the counter are rebuilt)."""

from __future__ import annotations

from chalicelib.billing.products import repository as repo
from chalicelib.billing.products.models import Product
from chalicelib.store.backup_parts import PAGE, ModelPart

PART = ModelPart("products", Product, lambda store, org_id, cursor: repo.query(store, org_id, "created_at", PAGE,
                                                                               cursor), repo.from_item, repo.insert)

"""Product use cases: create, read, list with search and filters, replace or patch, delete.

Each write is one transaction holding the change, the ``meta.total`` counter, the SKU uniqueness marker (claimed,
moved or released) and the outbox event. A SKU already used by another product of the organization is a 409
``sku_exists``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.billing.products import repository as repo
from chalicelib.billing.products.models import Product, ProductCreate, ProductListQuery, ProductOut, ProductPatch
from chalicelib.core.errors import Conflict, NotFound, field_error
from chalicelib.core.ids import is_uuid
from chalicelib.core.text import fold
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import Listing, all_items, fetch_page, page_of_matches
from chalicelib.store.port import Item, Operation, Page
from chalicelib.store.unit import commit, retrying
from chalicelib.webhooks.outbox import Event, record_event

_SCAN_BATCH = 1000


def _event(deps: Deps, product: Product, type_: str, payload: dict[str, Any]) -> Operation:
    return record_event(Event(id=deps.new_id(), org_id=product.org_id, type=type_, entity="product",
                              entity_id=product.id, payload=payload, occurred_at=deps.clock.now()))


def to_out(product: Product) -> ProductOut:
    return ProductOut.model_construct(**{name: getattr(product, name) for name in ProductOut.model_fields})


def _commit(deps: Deps, ops: list[Operation]) -> None:
    """Apply ``ops``; a taken SKU is ``sku_exists``, any other failed precondition a change made meanwhile (the
    use case runs again, see ``retrying``)."""
    commit(deps.store, [(op, _sku_taken() if repo.claims_sku(op) else None) for op in ops])


def _sku_taken() -> Conflict:
    return Conflict("another product of the organization already has this SKU", code="sku_exists",
                    details={"sku": ["already used by another product"]})


def create_product(deps: Deps, org_id: str, data: ProductCreate) -> ProductOut:
    now = deps.clock.now()
    product = Product(**data.model_dump(), id=deps.new_id(), org_id=org_id, created_at=now, updated_at=now)
    out = to_out(product)
    retrying(deps.store, lambda: _commit(deps, [*repo.insert(product), _event(deps, product, "product.created",
                                                                             out.model_dump(mode="json"))]))
    return out


def require_product(deps: Deps, org_id: str, product_id: str) -> Product:
    """The product, or ``NotFound`` (also for ids of other organizations: they are simply not there)."""
    product = repo.get(deps.store, org_id, product_id) if is_uuid(product_id) else None
    if product is None:
        raise NotFound(f"product {product_id} not found", code="product_not_found")
    return product


def check_line_products(deps: Deps, org_id: str, items: Sequence[Any] | None) -> None:
    """Each document line's ``product_id`` (when given) must be a product of the organization: a 422 naming
    ``items[i].product_id`` otherwise (another organization's product is simply not there)."""
    for n, item in enumerate(items or ()):
        product_id = getattr(item, "product_id", None)
        if product_id and (not is_uuid(product_id) or repo.get(deps.store, org_id, product_id) is None):
            raise field_error(f"items[{n}].product_id", "no product with this id in your organization")


def get_product(deps: Deps, org_id: str, product_id: str) -> ProductOut:
    return to_out(require_product(deps, org_id, product_id))


def update_product(deps: Deps, org_id: str, product_id: str, data: ProductCreate | ProductPatch) -> ProductOut:
    """PUT (``ProductCreate``: every field replaced) or PATCH (``ProductPatch``: only the fields sent), applied to
    the product as it is when the change commits."""
    changes = data.model_dump(exclude_unset=isinstance(data, ProductPatch))

    def attempt() -> ProductOut:
        current = require_product(deps, org_id, product_id)
        updated = current.model_copy(update={**changes, "updated_at": deps.clock.now(),
                                             "version": current.version + 1})
        out = to_out(updated)
        event = _event(deps, updated, "product.updated", {**out.model_dump(mode="json"), "changed": sorted(changes)})
        _commit(deps, [*repo.replace(updated, current), event])
        return out

    return retrying(deps.store, attempt)


def delete_product(deps: Deps, org_id: str, product_id: str) -> None:
    def attempt() -> None:
        product = require_product(deps, org_id, product_id)
        event = _event(deps, product, "product.deleted", {"id": product.id, "product_name": product.product_name,
                                                           "sku": product.sku})
        _commit(deps, [*repo.remove(product), event])

    retrying(deps.store, attempt)


def list_products(deps: Deps, org_id: str, params: ProductListQuery) -> Listing:
    if fold(params.search) or fold(params.category) or params.is_active is not None or params.low_stock is not None:
        return _filtered(deps, org_id, params)

    def query(limit: int, cursor: str | None) -> Page:
        return repo.query(deps.store, org_id, params.sort, limit, cursor)

    page, number = fetch_page(query, params)
    return Listing(items=[to_out(repo.from_item(i)) for i in page.items], page=number, limit=params.limit,
                   total=repo.count(deps.store, org_id), next_cursor=page.next_cursor)


def _keeps(params: ProductListQuery, item: Item, product: Product) -> bool:
    """Whether a product passes every filter of ``params``."""
    needle, category = fold(params.search), fold(params.category)
    return ((not needle or needle in item.get("search_text", ""))
            and (not category or fold(product.category) == category)
            and (params.is_active is None or product.is_active == params.is_active)
            and (params.low_stock is None or product.low_stock == params.low_stock))


def _filtered(deps: Deps, org_id: str, params: ProductListQuery) -> Listing:
    """Products passing the filters: one list partition read in large pages, filtered here.

    ``page``/``limit`` apply to the matches; the cursor of a filtered answer is the matches' offset.
    """
    matches: list[Product] = []
    for item in all_items(lambda cursor: repo.query(deps.store, org_id, params.sort, _SCAN_BATCH, cursor)):
        product = repo.from_item(item)
        if _keeps(params, item, product):
            matches.append(product)
    return page_of_matches(matches, params, to_out)

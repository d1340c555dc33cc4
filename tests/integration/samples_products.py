"""Matrix samples of ``/api/v1/products``: a valid request per operation (see ``tests.integration.matrix``)."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.api.local import LocalClient
from tests.conftest import unique
from tests.integration.matrix import Sample


def _product(owner: LocalClient) -> str:
    body = {"product_name": unique("P"), "sku": unique("SKU")}
    return str(owner.post("/api/v1/products", json=body).json()["data"]["id"])


REQUESTS: dict[str, Callable[[LocalClient], Sample]] = {
    "listProducts": lambda o: Sample("/api/v1/products"),
    "createProduct": lambda o: Sample("/api/v1/products", {"product_name": unique("P"), "sku": unique("SKU"),
                                                           "unit_price": "12.50"}),
    "getProduct": lambda o: Sample(f"/api/v1/products/{_product(o)}"),
    "replaceProduct": lambda o: Sample(f"/api/v1/products/{_product(o)}", {"product_name": "Replaced"}),
    "updateProduct": lambda o: Sample(f"/api/v1/products/{_product(o)}", {"stock_quantity": 3}),
    "deleteProduct": lambda o: Sample(f"/api/v1/products/{_product(o)}"),
}

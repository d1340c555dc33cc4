"""Lambda entry point of the `products` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.apps import build_app
from chalicelib.api.products import group

app = build_app("cashpilot-products", [group])

"""Lambda entry point of the `invoices` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.apps import build_app
from chalicelib.api.invoices import group

app = build_app("cashpilot-invoices", [group])

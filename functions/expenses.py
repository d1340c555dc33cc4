"""Lambda entry point of the `expenses` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.apps import build_app
from chalicelib.api.expenses import group

app = build_app("cashpilot-expenses", [group])

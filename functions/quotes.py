"""Lambda entry point of the `quotes` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.apps import build_app
from chalicelib.api.quotes import group

app = build_app("cashpilot-quotes", [group])

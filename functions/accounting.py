"""Lambda entry point of the `accounting` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.accounting import group
from chalicelib.api.apps import build_app

app = build_app("cashpilot-accounting", [group])

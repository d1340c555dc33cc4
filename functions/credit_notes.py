"""Lambda entry point of the `credit_notes` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.apps import build_app
from chalicelib.api.credit_notes import group

app = build_app("cashpilot-credit-notes", [group])

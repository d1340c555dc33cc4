"""Lambda entry point of the `payments` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.apps import build_app
from chalicelib.api.payments import group

app = build_app("cashpilot-payments", [group])

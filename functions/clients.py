"""Lambda entry point of the `clients` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.apps import build_app
from chalicelib.api.clients import group

app = build_app("cashpilot-clients", [group])

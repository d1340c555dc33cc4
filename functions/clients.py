"""Lambda entry point of the `clients` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.clients import group
from chalicelib.api.apps import build_app

app = build_app("cashpilot-clients", [group])

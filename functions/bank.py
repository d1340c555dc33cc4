"""Lambda entry point of the `bank` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.apps import build_app
from chalicelib.api.bank import group

app = build_app("cashpilot-bank", [group])

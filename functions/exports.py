"""Lambda entry point of the `exports` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.apps import build_app
from chalicelib.api.exports import group

app = build_app("cashpilot-exports", [group])

"""Lambda entry point of the `meta` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.apps import build_app
from chalicelib.api.meta import group

app = build_app("cashpilot-meta", [group])

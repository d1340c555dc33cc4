"""Lambda entry point of the `meta` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.meta import group
from chalicelib.api.apps import build_app

app = build_app("cashpilot-meta", [group])

"""Lambda entry point of the `analytics` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.analytics import group
from chalicelib.api.apps import build_app

app = build_app("cashpilot-analytics", [group])

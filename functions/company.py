"""Lambda entry point of the `company` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.apps import build_app
from chalicelib.api.company import group

app = build_app("cashpilot-company", [group])

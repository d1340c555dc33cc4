"""Lambda entry point of the `auth` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.apps import build_app
from chalicelib.api.keys import group

app = build_app("cashpilot-auth", [group])

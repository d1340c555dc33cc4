"""Lambda entry point of the `auth` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.keys import group
from chalicelib.api.apps import build_app

app = build_app("cashpilot-auth", [group])

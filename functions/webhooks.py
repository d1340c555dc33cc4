"""Lambda entry point of the `webhooks` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.apps import build_app
from chalicelib.api.webhooks import group

app = build_app("cashpilot-webhooks", [group])

"""Lambda entry point of the `downloads` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.apps import build_app
from chalicelib.api.downloads import group

app = build_app("cashpilot-downloads", [group])

"""Lambda entry point of the `projects` route group: a Chalice app holding only that group's blueprint."""

from chalicelib.api.apps import build_app
from chalicelib.api.projects import group

app = build_app("cashpilot-projects", [group])

"""Lambda entry point of the `mcp` route group: a Chalice app holding only the MCP endpoint's blueprint."""

from chalicelib.api.apps import build_app
from chalicelib.api.mcp import group

app = build_app("cashpilot-mcp", [group])

"""Public routes: service index, health, the OpenAPI document, the offline API browser, and the answer for
unknown routes (404 listing the available resources). Deployed as its own function, which also receives every
path no other function claims (``/{proxy+}``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from chalicelib.api.methods import EXTRA_METHODS, METHODS
from chalicelib.api.openapi import openapi_json
from chalicelib.api.registry import api_resources
from chalicelib.api.routing import RouteGroup
from chalicelib.api.views import Ctx, Reply
from chalicelib.core.errors import NotFound
from chalicelib.core.version import VERSION

group = RouteGroup("meta", tag="Service")
route = group.route
_ASSETS = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "application/javascript",
           "swagger-ui-standalone-preset.js": "application/javascript", "index.css": "text/css"}
_DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CashPilot API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
  persistAuthorization: true, validatorUrl: null});
</script></body></html>
"""


@route("GET", "/", operation_id="getServiceIndex", summary="Service index", action=None, resource=None)
def index(ctx: Ctx) -> Any:
    return {"name": "CashPilot", "version": VERSION, "api": "/api/v1", "docs": "/docs",
            "openapi": "/openapi.json", "mcp": "/mcp"}


@route("GET", "/health", operation_id="getHealth", summary="Liveness check", action=None, resource=None)
def health(ctx: Ctx) -> Any:
    return {"status": "ok"}


@route("GET", "/api/v1", operation_id="getApiIndex", summary="Resources of the REST API", action=None,
       resource=None)
def api_index(ctx: Ctx) -> Any:
    return {"resources": [f"/api/v1/{name}" for name in api_resources()], "docs": "/docs"}


@route("GET", "/openapi.json", operation_id="getOpenApi", summary="OpenAPI 3.1 document", action=None,
       resource=None, binary=True)
def openapi(ctx: Ctx) -> Reply:
    return Reply(openapi_json(), headers={"Content-Type": "application/json"}, raw=True)


@route("GET", "/docs", operation_id="getDocs", summary="Interactive API browser (works offline)", action=None,
       resource=None, binary=True)
def docs(ctx: Ctx) -> Reply:
    return Reply(_DOCS_PAGE, headers={"Content-Type": "text/html; charset=utf-8"}, raw=True)


@route("GET", "/docs/{asset}", operation_id="getDocsAsset", summary="Static file of the API browser",
       action=None, resource=None, binary=True, documented=False)
def docs_asset(ctx: Ctx) -> Reply:
    name = ctx.path["asset"]
    if name not in _ASSETS:
        raise NotFound(f"no such file {name}")
    return Reply(_asset(name), headers={"Content-Type": _ASSETS[name], "Cache-Control": "max-age=86400"},
                 raw=True)


@lru_cache(maxsize=8)
def _asset(name: str) -> str:
    from openapi_ui_bundles import swagger_ui

    return (Path(swagger_ui.static_path) / name).read_text(encoding="utf-8")


def _not_found(ctx: Ctx) -> Any:
    raise NotFound(
        f"no route {ctx.request.method} /{(ctx.request.uri_params or {}).get('proxy', '')}",
        code="not_found",
        details={"available_resources": [f"/api/v1/{n}" for n in api_resources()], "docs": "/docs"},
    )


for _method in (*METHODS, *EXTRA_METHODS):
    route(_method, "/{proxy+}", operation_id=f"notFound{_method.title()}", summary="Unknown route",
          action=None, resource=None, documented=False)(_not_found)

group.seal()

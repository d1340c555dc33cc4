"""The OpenAPI 3.1 document, generated from the route table and the pydantic models.

``build_openapi()`` is deterministic: ``schemas/openapi.yaml`` is its committed output (a test fails when they
differ) and ``/openapi.json`` serves the same document.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.api.routing import RouteSpec

REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"{(\w+)}")
_ERRORS = {400: "Malformed request", 401: "Missing, invalid, revoked or expired API key",
           403: "The key lacks the scope this operation needs", 404: "Not found (or not yours)",
           409: "Precondition failed (exists, changed concurrently, still referenced)",
           422: "A field breaks a rule; `details` names each field", 429: "Rate limit exceeded; see Retry-After"}
_SECURITY = [{"ApiKeyHeader": []}, {"BearerAuth": []}, {"ApiKeyQuery": []}]


def _models(routes: list[RouteSpec]) -> list[tuple[type[BaseModel], Any]]:
    seen: dict[tuple[type[BaseModel], str], None] = {}
    for r in routes:
        if r.body is not None:
            seen[(r.body, "validation")] = None
        if isinstance(r.response, type) and issubclass(r.response, BaseModel):
            seen[(r.response, "serialization")] = None
    return list(seen)


def _query_parameters(model: type[BaseModel] | None) -> list[dict[str, Any]]:
    if model is None:
        return []
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        description = prop.pop("description", None)
        prop.pop("title", None)
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if description:
            param["description"] = description
        params.append(param)
    return params


def _response_schema(route: RouteSpec, refs: dict[Any, Any]) -> dict[str, Any]:
    if route.response is None:
        if route.method == "DELETE":
            return {"$ref": "#/components/schemas/DeleteResult"}
        return {"type": "object", "properties": {"data": {"type": "object"}}}
    item = refs[(route.response, "serialization")]
    if route.list_response:
        return {"type": "object", "required": ["data", "meta"],
                "properties": {"data": {"type": "array", "items": item},
                               "meta": {"$ref": "#/components/schemas/PaginationMeta"}}}
    return {"type": "object", "required": ["data"], "properties": {"data": item}}


def _operation(route: RouteSpec, refs: dict[Any, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": route.operation_id, "summary": route.summary, "tags": [route.tag]}
    if route.description:
        op["description"] = route.description
    params = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
              for p in _PATH_PARAM.findall(route.path)]
    params += _query_parameters(route.query)
    if params:
        op["parameters"] = params
    if route.body is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": refs[(route.body, "validation")]}}}
    if route.method == "POST" and route.action is not None:
        op.setdefault("parameters", []).append(
            {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string",
             "maxLength": 255}, "description": "Replays the first answer for 24 h when the same key and body "
                                               "are sent again."})
    ok = {"description": "Success"}
    if not route.binary:
        ok["content"] = {"application/json": {"schema": _response_schema(route, refs)}}
    responses: dict[str, Any] = {str(route.status): ok}
    codes = [400, 422, 429] if route.action is None else [400, 401, 403, 404, 409, 422, 429]
    for code in codes:
        responses[str(code)] = {"description": _ERRORS[code],
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    op["responses"] = responses
    op["security"] = _SECURITY if route.action is not None else []
    if route.action is not None:
        scope = route.action + (f" + {route.resource}" if route.resource else "")
        op["x-required-scope"] = scope
    return op


def _common_schemas() -> dict[str, Any]:
    return {
        "Error": {"type": "object", "required": ["error", "message"],
                  "properties": {"error": {"type": "string", "description": "Stable machine code."},
                                 "message": {"type": "string"},
                                 "details": {"type": "object", "additionalProperties": True}}},
        "PaginationMeta": {"type": "object", "required": ["page", "limit", "total"],
                           "properties": {"page": {"type": ["integer", "null"]}, "limit": {"type": "integer"},
                                          "total": {"type": "integer"},
                                          "next_cursor": {"type": ["string", "null"]}}},
        "DeleteResult": {"type": "object", "required": ["success"],
                         "properties": {"success": {"type": "boolean", "const": True}}},
    }


def build_openapi() -> dict[str, Any]:
    from chalicelib.api.meta import VERSION
    from chalicelib.api.registry import all_routes

    routes = [r for r in all_routes() if r.documented]
    refs, definitions = models_json_schema(_models(routes), ref_template=REF)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs)
    schemas = {**definitions.get("$defs", {}), **_common_schemas()}
    return {
        "openapi": "3.1.0",
        "info": {"title": "CashPilot API", "version": VERSION,
                 "description": "Invoices, payments, books and legal exports. Authenticate with `X-API-Key`, "
                                "`Authorization: Bearer`, or `?api_key=`."},
        "servers": [{"url": "/"}],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "BearerAuth": {"type": "http", "scheme": "bearer"},
                "ApiKeyQuery": {"type": "apiKey", "in": "query", "name": "api_key"},
            },
        },
        "tags": [{"name": t} for t in sorted({r.tag for r in routes})],
    }


@lru_cache(maxsize=1)
def openapi_json() -> str:
    return json.dumps(build_openapi(), ensure_ascii=False)

"""The OpenAPI 3.1 document, generated from the route table and the pydantic models.

``build_openapi()`` is deterministic: ``schemas/openapi.yaml`` is its committed output (written by
``schemas/generate.py``; a test fails when they differ) and ``/openapi.json`` serves the same document.
Schemas come from pydantic, adjusted where its output is not valid OpenAPI 3.1: query models become inline
parameters (a query string cannot carry ``null``) and ``default: null`` is dropped where the schema refuses
null.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue, models_json_schema

from chalicelib.api.registry import all_routes
from chalicelib.api.routing import RouteSpec
from chalicelib.auth.scopes import ADMIN
from chalicelib.core.version import VERSION

REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"{(\w+)}")
_ERRORS = {400: "Malformed request", 401: "Missing, invalid, revoked or expired API key",
           403: "The key lacks the scope this operation needs", 404: "Not found (or not yours)",
           409: "Precondition failed (exists, changed concurrently, still referenced)",
           422: "A field breaks a rule; `details` names each field",
           429: "Rate limit exceeded; see Retry-After"}
_ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
_SECURITY: list[dict[str, list[str]]] = [{"ApiKeyHeader": []}, {"BearerAuth": []}, {"ApiKeyQuery": []}]


def _models(routes: list[RouteSpec]) -> list[tuple[type[BaseModel], JsonSchemaMode]]:
    """Every model the document names, once per mode, in route order (so the output is stable)."""
    seen: dict[tuple[type[BaseModel], JsonSchemaMode], None] = {}
    for r in routes:
        if r.query is not None:
            seen[(r.query, "validation")] = None
        if r.body is not None:
            seen[(r.body, "validation")] = None
        if isinstance(r.response, type) and issubclass(r.response, BaseModel):
            seen[(r.response, "serialization")] = None
    return list(seen)


def _accepts_null(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    if "const" in schema and schema["const"] is None:
        return True
    if None in schema.get("enum", [object()]):
        return True
    return any(_accepts_null(branch) for key in ("anyOf", "oneOf") for branch in schema.get(key, []))


class _NumbersAsNumbers(GenerateJsonSchema):
    """pydantic describes ``Decimal`` as a string (or number-or-string); the API reads and writes JSON numbers."""

    def decimal_schema(self, schema: Any) -> JsonSchemaValue:
        generated = dict(super().decimal_schema(schema))
        branches = generated.pop("anyOf", None)
        if branches:
            number = next((b for b in branches if b.get("type") == "number"), {"type": "number"})
            return {**number, **generated}
        generated.pop("pattern", None)
        return {**generated, "type": "number"}


def _scrub(node: Any) -> Any:
    """Drop ``default: null`` where the schema itself refuses null.

    pydantic writes it for fields declared ``x: str = None`` (``None`` there means "absent", as in PATCH
    bodies), and OpenAPI validators rightly reject a default that does not match its own schema.
    """
    if isinstance(node, list):
        return [_scrub(item) for item in node]
    if not isinstance(node, dict):
        return node
    cleaned = {key: _scrub(value) for key, value in node.items()}
    if "default" in cleaned and cleaned["default"] is None and not _accepts_null(cleaned):
        del cleaned["default"]
    if cleaned.get("type") == "number" and isinstance(cleaned.get("default"), str):
        # Decimal defaults are dumped as strings; the document states them as the numbers the API accepts.
        number = Decimal(cleaned["default"])
        if number == number.to_integral_value():
            cleaned["default"] = int(number)
        else:  # never approximate a decimal through a float: leave the default to the description
            del cleaned["default"]
    return cleaned


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query string cannot carry null: ``anyOf: [X, null]`` becomes ``X`` and ``default: null`` goes."""
    schema = {k: v for k, v in schema.items() if k != "title" and not (k == "default" and v is None)}
    branches = schema.get("anyOf")
    if isinstance(branches, list):
        kept = [b for b in branches if b != {"type": "null"}]
        if len(kept) == 1 and len(kept) < len(branches):
            del schema["anyOf"]
            schema = {**kept[0], **schema}
    return schema


def _query_parameters(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The properties of a query model's schema, as OpenAPI query parameters."""
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        description = prop.pop("description", None)
        param: dict[str, Any] = {"name": name, "in": "query", "required": name in required,
                                 "schema": _without_null(prop)}
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
    if route.bare:
        return dict(item)
    if route.list_response:
        return {"type": "object", "required": ["data", "meta"],
                "properties": {"data": {"type": "array", "items": item},
                               "meta": {"$ref": "#/components/schemas/PaginationMeta"}}}
    return {"type": "object", "required": ["data"], "properties": {"data": item}}


def _responses(route: RouteSpec, refs: dict[Any, Any]) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "Success"}
    if not route.binary:
        ok["content"] = {"application/json": {"schema": _response_schema(route, refs)}}
    responses: dict[str, Any] = {str(route.status): ok}
    codes = [400, 422, 429] if route.action is None else [400, 401, 403, 404, 409, 422, 429]
    for code in codes:
        responses[str(code)] = {"description": _ERRORS[code], "content": _ERROR_BODY}
    return responses


def _operation(route: RouteSpec, refs: dict[Any, Any], defs: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": route.operation_id, "summary": route.summary, "tags": [route.tag]}
    if route.description:
        op["description"] = route.description
    params = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
              for p in _PATH_PARAM.findall(route.path)]
    if route.query is not None:
        params += _query_parameters(defs[_ref_name(refs[(route.query, "validation")])])
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
    op["responses"] = _responses(route, refs)
    op["security"] = _SECURITY if route.action is not None else []
    if route.action is not None:
        scope = "all" if route.resource == ADMIN else route.action + (f" + {route.resource}" if route.resource else "")
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


def _ref_name(ref: dict[str, str]) -> str:
    return ref["$ref"].rsplit("/", 1)[-1]


def _component_schemas(routes: list[RouteSpec], refs: dict[Any, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Named schemas: bodies, responses and what they refer to. Query models are inlined as parameters, so
    they are left out unless some other schema refers to them."""
    named = {_ref_name(ref) for (model, mode), ref in refs.items()
             if any(r.body is model or r.response is model for r in routes)}
    queries = {_ref_name(refs[(r.query, "validation")]) for r in routes if r.query is not None} - named
    kept = {name: schema for name, schema in defs.items() if name not in queries}
    text = json.dumps(kept)
    kept.update({name: defs[name] for name in queries if f'"{REF.format(model=name)}"' in text})
    return _scrub({**kept, **_common_schemas()})


def build_openapi() -> dict[str, Any]:
    routes = [r for r in all_routes() if r.documented]
    refs, definitions = models_json_schema(_models(routes), ref_template=REF, schema_generator=_NumbersAsNumbers)
    defs: dict[str, Any] = definitions.get("$defs", {})
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, refs, defs)
    schemas = _component_schemas(routes, refs, defs)
    document = {
        "openapi": "3.1.0",
        "info": {"title": "CashPilot API", "version": VERSION,
                 "description": "Invoices, payments, books and legal exports. Authenticate with `X-API-Key`, "
                                "`Authorization: Bearer`, or `?api_key=`. Amounts (`format: decimal`) are exact "
                                "decimals written with their currency's minor units (`1350.00` EUR, `11800` XOF): "
                                "map them to a decimal type, never to a binary float."},
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
    # A plain JSON tree: no sub-object is shared between operations (YAML would write anchors for them) and a
    # caller that edits its copy cannot affect the next one.
    tree: dict[str, Any] = json.loads(json.dumps(document))
    return tree


@lru_cache(maxsize=1)
def openapi_json() -> str:
    return json.dumps(build_openapi(), ensure_ascii=False)

"""The request pipeline every route runs through, in order:

1. authenticate the key (any carrier) for non-public routes;
2. count the request against the key's quota (or the client IP's without a key) and attach rate-limit headers;
3. check the route's scope;
4. parse the path, query and JSON body into the route's models (422 naming each field);
5. for POST with ``Idempotency-Key``: replay the first answer, or claim the key;
6. call the view (which calls one service function) and render its answer with the one JSON serializer.

Every error on the way is rendered by ``chalicelib.api.errors``; nothing a client sends can produce a 500.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chalice import Blueprint, Response
from chalice.app import Request
from pydantic import ValidationError

from chalicelib.api.errors import from_validation, render_error
from chalicelib.api.routing import RouteSpec, View
from chalicelib.api.views import Ctx, Reply
from chalicelib.auth import idempotency
from chalicelib.auth.admission import admit
from chalicelib.auth.models import Principal
from chalicelib.auth.scopes import allows, describe
from chalicelib.core.errors import (
    BadRequest,
    Forbidden,
    PayloadTooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from chalicelib.core.serialization import dumps
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import Listing
from chalicelib.wiring import get_deps

JSON = "application/json"
# A JSON body larger than this is refused before it is parsed (file uploads have their own documented caps).
MAX_JSON_BYTES = 1024 * 1024
log = logging.getLogger("cashpilot.api")


def presented_key(request: Request) -> str | None:
    """The API key from ``X-API-Key``, ``Authorization: Bearer`` or ``?api_key=``, in that order."""
    headers = request.headers
    if headers.get("x-api-key"):
        return str(headers["x-api-key"]).strip()
    auth = str(headers.get("authorization") or "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    api_key = request.query_params.get("api_key") if request.query_params else None
    return str(api_key).strip() if api_key else None


def concrete_path(request: Request) -> str:
    """The path as sent (``request.path`` is the route template, ``/clients/{client_id}``)."""
    event = request.to_original_event()
    return str(event.get("path") or (request.context or {}).get("path") or request.path)


def client_ip(request: Request) -> str:
    return str((request.context or {}).get("identity", {}).get("sourceIp") or "unknown")


def _admit(deps: Deps, spec: RouteSpec, request: Request, headers: dict[str, str | list[str]]) -> Principal | None:
    # A wrong method sent with a valid key is that key's request: it counts on the key's quota, not on the
    # anonymous quota its IP shares with others. A bad key changes nothing there: the answer stays the 405.
    secret = presented_key(request) if spec.action is not None or spec.not_allowed else None
    admission = admit(deps, secret, client_ip(request), required=spec.action is not None)
    headers.update(admission.headers)
    principal = admission.principal
    if principal is not None and spec.action is not None and not allows(principal.scopes, spec.action,
                                                                         spec.resource):
        raise Forbidden(f"insufficient scope: this operation needs {describe(spec.action, spec.resource)}",
                        code="insufficient_scope",
                        details={"required": {"action": spec.action, "resource": spec.resource},
                                 "granted": sorted(principal.scopes)})
    return principal


def _json_body(request: Request, limit: int) -> Any:
    raw = request.raw_body or b""
    if len(raw) > limit:
        raise PayloadTooLarge(f"the JSON body is {len(raw)} bytes; at most {limit} bytes are accepted here",
                              details={"body": [f"at most {limit} bytes"]})
    if not raw.strip():
        return {}
    content_type = str(request.headers.get("content-type") or JSON).lower()
    if not content_type.startswith(JSON) and "+json" not in content_type:
        raise UnsupportedMediaType(f"send the body as {JSON}", details={"content-type": [content_type]})
    try:
        return json.loads(raw, parse_float=_bounded_decimal)  # exact amounts: a JSON number never becomes a float
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}", code="invalid_json") from exc


def _bounded_decimal(text: str) -> Decimal:
    """A JSON number as an exact ``Decimal``; absurd literals (1e999999999) are refused before any model turns
    them into a gigantic integer."""
    number = Decimal(text)
    if len(text) > 64 or abs(number.adjusted()) > 40:
        raise ValueError(f"number {text[:20]}... is out of range")
    return number


def _parse(spec: RouteSpec, request: Request) -> tuple[Any, Any]:
    query = None
    if spec.query is not None:
        params: dict[str, str] = {k: v for k, v in (request.query_params or {}).items() if k != "api_key"}
        try:
            query = spec.query.model_validate(params)
        except ValidationError as exc:
            raise from_validation(exc) from exc
    body = None
    if spec.body is not None:
        data = _json_body(request, spec.max_body or MAX_JSON_BYTES)
        if not isinstance(data, dict):
            raise ValidationFailed("the body must be a JSON object", details={"body": ["must be a JSON object"]})
        try:
            body = spec.body.model_validate(data)
        except ValidationError as exc:
            raise from_validation(exc) from exc
    return query, body


def _render(spec: RouteSpec, result: Any) -> tuple[int, str | bytes, dict[str, str]]:
    if isinstance(result, Reply):
        if result.raw:
            return result.status, result.body, result.headers
        return result.status, dumps(result.body), {"Content-Type": JSON, **result.headers}
    if isinstance(result, Listing):
        return spec.status, dumps({"data": result.items, "meta": result.meta()}), {"Content-Type": JSON}
    return spec.status, dumps({"data": result}), {"Content-Type": JSON}


@dataclass(frozen=True)
class _Claim:
    """An ``Idempotency-Key`` this request claimed, or whose stored answer it replays."""

    claim: idempotency.Claim
    fingerprint: str
    replay: idempotency.StoredResponse | None


def _claim(deps: Deps, spec: RouteSpec, request: Request, principal: Principal | None) -> _Claim | None:
    raw = request.headers.get("idempotency-key")
    if spec.method != "POST" or spec.not_allowed or principal is None or raw is None:
        return None
    claim = idempotency.new_claim(principal.org_id, principal.key_id, idempotency.normalize_key(str(raw)))
    raw_body = request.raw_body or b""
    raw_body = raw_body.encode() if isinstance(raw_body, str) else raw_body
    request_print = idempotency.fingerprint(spec.method, concrete_path(request), raw_body)
    stored = idempotency.begin(deps.store, deps.clock, claim, request_print)
    return _Claim(claim=claim, fingerprint=request_print, replay=stored)


def _settle(deps: Deps, spec: RouteSpec, held: _Claim, status: int, text: str | bytes) -> None:
    """Keep the answer for replay; free the key after a server error or a transient refusal so a retry runs."""
    if status >= 500 or status in (409, 429) or not isinstance(text, str):
        idempotency.abandon(deps.store, held.claim)
        return
    response = idempotency.StoredResponse(status=status, body=text, headers={}) if spec.replayable else None
    idempotency.complete(deps.store, deps.clock, held.claim, held.fingerprint, response,
                         deps.settings.idempotency_ttl_seconds)


def handle(bp: Blueprint, spec: RouteSpec, view: View, path_params: dict[str, str]) -> Response:
    request = bp.current_request
    request_id = str(uuid.uuid4())
    started = time.perf_counter()
    headers: dict[str, str | list[str]] = {"X-Request-Id": request_id}
    deps: Deps | None = None
    claim: _Claim | None = None
    text: str | bytes
    try:
        deps = get_deps()
        principal = _admit(deps, spec, request, headers)
        query, body = _parse(spec, request)
        claim = _claim(deps, spec, request, principal)
        if claim is not None and claim.replay is not None:
            replay = claim.replay
            claim = None
            status, text, extra = replay.status, replay.body, {"Content-Type": JSON, "Idempotent-Replayed": "true"}
        else:
            result = view(Ctx(deps=deps, principal=principal, path=path_params, body=body, query=query,
                              request=request))
            status, text, extra = _render(spec, result)
    except Exception as exc:  # every failure, expected or not, is rendered by the one error module
        status, text, extra = render_error(exc, request_id)
        extra = {"Content-Type": JSON, **extra}
    if claim is not None and deps is not None:
        try:
            _settle(deps, spec, claim, status, text)
        except Exception:  # the change is done: failing to keep its replay must not turn it into an error
            log.warning("request %s: idempotency record not settled", request_id, exc_info=True)
    headers.update(extra)
    if request.method == "HEAD":  # the GET answer's headers, without its body
        headers["Content-Length"] = str(len(text.encode() if isinstance(text, str) else text))
        text = b""
    headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return Response(body=text, status_code=status, headers=headers)

"""Running the Chalice app outside Lambda: an API-Gateway-like gateway and an in-process client (the local HTTP
server over the same gateway is ``chalicelib.api.wsgi``).

API Gateway sends every path no function claims to the ``/{proxy+}`` resource; Chalice's local gateway knows no
greedy paths, so ``Gateway`` adds that fallback. A method no route declares (TRACE, PROPFIND, anything a client
invents) is answered by the path's own refusal: the pipeline's JSON 405 with ``Allow``, or its JSON 404 on an
unknown path, never Chalice's bare error. Log lines never show a key (``redact``).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from chalice import Chalice
from chalice.app import Request
from chalice.config import Config
from chalice.local import (
    CustomLocalChalice,
    LambdaEventConverter,
    LocalChalice,
    LocalGateway,
    LocalGatewayException,
    MatchResult,
    RouteMatcher,
)

from chalicelib.api.methods import EXTRA_METHODS, METHODS
from chalicelib.api.registry import all_routes
from chalicelib.core.serialization import dumps

log = logging.getLogger("cashpilot.http")
CATCH_ALL = "/{proxy+}"
_SENT_METHOD = "cashpilotSentMethod"
_SECRET_PARAMETER = re.compile(r"(api(?:_|%5f)key=)[^&\s\"]+", re.IGNORECASE)
_SECRET_VALUE = re.compile(r"\b(cpk|mch)_[0-9a-zA-Z]{8,}")


def redact(text: str) -> str:
    """Hide keys wherever they appear: as the ``api_key`` parameter (however encoded) or as a bare value."""
    return _SECRET_VALUE.sub(r"\1_[REDACTED]", _SECRET_PARAMETER.sub(r"\1[REDACTED]", text))


_GREEDY = re.compile(r"^(?P<prefix>/.*)/\{(?P<name>[^}]+)\+\}$")


class _CatchAllMatcher(RouteMatcher):
    """Chalice's matcher plus greedy ``{name+}`` tails (``/downloads/{key+}``) and the ``/{proxy+}`` fallback."""

    def __init__(self, route_urls: list[str]) -> None:
        self._greedy = [(m["prefix"] + "/", m["name"], url) for url in route_urls if (m := _GREEDY.match(url))]
        super().__init__([url for url in route_urls if not _GREEDY.match(url)])

    def match_route(self, url: str) -> MatchResult:
        try:
            return super().match_route(url)
        except ValueError:
            parsed = urlparse(url)
            query = parse_qs(parsed.query, keep_blank_values=True)
            for prefix, name, template in self._greedy:
                if parsed.path.startswith(prefix) and len(parsed.path) > len(prefix):
                    return MatchResult(template, {name: parsed.path[len(prefix):]}, query)
            return MatchResult(CATCH_ALL, {"proxy": parsed.path.lstrip("/")}, query)


class Gateway(LocalGateway):
    def __init__(self, app: Chalice, config: Config | None = None) -> None:
        super().__init__(app, config or Config())
        routes = [r for r in app.routes if r != CATCH_ALL]
        self.event_converter = LambdaEventConverter(_CatchAllMatcher(routes), app.api.binary_types)
        self._refusals = _refusals(app)
        if not getattr(app, "_cashpilot_sent_method", False):
            app.register_middleware(_sent_method, "http")
            app._cashpilot_sent_method = True  # type: ignore[attr-defined]

    def _generate_lambda_event(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        event = super()._generate_lambda_event(method, path, headers, body)
        resource = event["requestContext"]["resourcePath"]
        if method not in self._app_object.routes.get(resource, {}) and resource in self._refusals:
            # Dispatch to the path's refusal view; the request it reads still names the method sent.
            event["requestContext"]["httpMethod"] = self._refusals[resource]
            event["httpMethod"] = self._refusals[resource]
            event[_SENT_METHOD] = method
        return event


def _refusals(app: Chalice) -> dict[str, str]:
    """Per resource path, a method whose view refuses (the sealed 405, or the catch-all's 404)."""
    refusing = {r.operation_id for r in all_routes() if r.not_allowed}
    found: dict[str, str] = {}
    for resource, entries in app.routes.items():
        for method in (*METHODS, *EXTRA_METHODS):
            entry = entries.get(method)
            if entry is not None and (resource == CATCH_ALL or entry.view_name in refusing):
                found[resource] = method
                break
    return found


def _sent_method(request: Request, get_response: Any) -> Any:
    """Chalice middleware: give back the request the method its client sent (see ``Gateway``)."""
    sent = request.to_original_event().get(_SENT_METHOD)
    if sent:
        request.method = str(sent)
    return get_response(request)


def make_thread_safe(app: Chalice) -> Chalice:
    """Give the app a thread-local ``current_request`` (Chalice's own local mode does the same)."""
    if not isinstance(app, LocalChalice):
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    return app


@dataclass
class LocalResponse:
    status_code: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed with exact decimals, so money compares exactly (``Decimal("26.98")``)."""
        return json.loads(self.body, parse_float=Decimal)

    @property
    def text(self) -> str:
        return self.body.decode()


class LocalClient:
    """Drives the app in-process exactly as API Gateway would, without a socket."""

    def __init__(self, app: Chalice, headers: dict[str, str] | None = None) -> None:
        self._gateway = Gateway(make_thread_safe(app))
        self.headers = dict(headers or {})

    def request(self, method: str, path: str, *, json_body: Any = None, body: bytes | str | None = None,
                headers: dict[str, str] | None = None, params: dict[str, Any] | None = None) -> LocalResponse:
        all_headers = {**self.headers, **(headers or {})}
        if json_body is not None:
            body = dumps(json_body, allow_floats=True)  # like any HTTP client; Decimals go out exactly
            all_headers.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        if params:
            path += ("&" if "?" in path else "?") + urlencode(params)
        try:
            raw = self._gateway.handle_request(method.upper(), path, all_headers, body)
        except LocalGatewayException as exc:
            return LocalResponse(exc.CODE, dict(exc.headers), exc.body or b"")
        headers_out = {k: v for k, v in raw["headers"].items()}
        payload = raw.get("body") or b""
        if raw.get("isBase64Encoded"):
            import base64

            payload = base64.b64decode(payload)
        return LocalResponse(raw["statusCode"], headers_out, payload.encode() if isinstance(payload, str)
                             else payload)

    def get(self, path: str, **kw: Any) -> LocalResponse:
        return self.request("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> LocalResponse:
        return self.request("POST", path, json_body=json, **kw)

    def put(self, path: str, json: Any = None, **kw: Any) -> LocalResponse:
        return self.request("PUT", path, json_body=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> LocalResponse:
        return self.request("PATCH", path, json_body=json, **kw)

    def delete(self, path: str, **kw: Any) -> LocalResponse:
        return self.request("DELETE", path, **kw)

"""Running the Chalice app outside Lambda: an API-Gateway-like gateway, an in-process client, and the local
HTTP server.

API Gateway sends every path no function claims to the ``/{proxy+}`` resource; Chalice's local gateway knows no
greedy paths, so ``Gateway`` adds that fallback. The server disables Nagle's algorithm (the stock dev server
stalls ~40 ms per keep-alive request) and redacts ``api_key`` from every log line.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from chalice import Chalice
from chalice.config import Config
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    LambdaEventConverter,
    LocalChalice,
    LocalDevServer,
    LocalGateway,
    LocalGatewayException,
    MatchResult,
    RouteMatcher,
)

from chalicelib.core.serialization import dumps

log = logging.getLogger("cashpilot.http")
CATCH_ALL = "/{proxy+}"
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


class _Handler(ChaliceRequestHandler):
    disable_nagle_algorithm = True

    def __init__(self, request: Any, client_address: Any, server: Any, app_object: Chalice,
                 config: Config) -> None:
        self.local_gateway = Gateway(app_object, config)
        BaseHTTPRequestHandler.__init__(self, request, client_address, server)

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), redact(format % args))


def serve(app: Chalice, host: str, port: int) -> LocalDevServer:
    """A threaded HTTP server for ``app`` on ``host:port`` (call ``serve_forever`` or ``shutdown``)."""
    return LocalDevServer(make_thread_safe(app), Config(), host, port, handler_cls=_Handler)

"""One exchange of the MCP endpoint as both ways of answering it see it (the SDK's app, ``chalicelib.mcp.bridge``,
and the direct ``tools/call``, ``chalicelib.mcp.fastpath``): the request and who sent it, the answer, the Host/Origin
rules, how long a request may take, and the tool results' exact amounts written into the answer's bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mcp.server.transport_security import TransportSecuritySettings

from chalicelib.core.errors import Unavailable
from chalicelib.core.serialization import dumps
from chalicelib.mcp.caller import EXACT_KEY, RequestCaller

PATH = "/mcp"
REQUEST_TIMEOUT = 28.0  # API Gateway gives up after 29 s


@dataclass(frozen=True)
class Exchange:
    """One HTTP request as the SDK's app sees it, and who sent it."""

    method: str
    headers: list[tuple[str, str]]
    body: bytes
    caller: RequestCaller
    query_string: str = ""
    client_ip: str = "unknown"
    scheme: str = "http"

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (lower case), as Starlette's ``Headers.get`` reads it."""
        return next((value for key, value in self.headers if key.lower() == name), None)


def asgi_headers(request: Exchange) -> list[tuple[bytes, bytes]]:
    """The request's headers as an ASGI scope holds them (``UnicodeEncodeError`` for a value beyond latin-1)."""
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in request.headers]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def security(hosts: tuple[str, ...]) -> TransportSecuritySettings:
    """DNS-rebinding protection for these Host values; ``*`` turns it off. Origins: the same hosts."""
    if "*" in hosts:
        return TransportSecuritySettings(enable_dns_rebinding_protection=False)
    origins = [f"{scheme}://{host}" for host in hosts for scheme in ("http", "https")]
    return TransportSecuritySettings(allowed_hosts=list(hosts), allowed_origins=origins)


def too_long() -> Unavailable:
    """The refusal of a request that ran past ``REQUEST_TIMEOUT``."""
    return Unavailable("the MCP request took too long; retry", code="mcp_timeout")


def exact_amounts(answer: Answer, texts: dict[str, str]) -> Answer:
    """A tool result's structured content written as exactly as its text (``1143.30``, not ``1143.3``).

    A tool's result crosses the SDK with a placeholder as structured content (``RequestCaller.placeholder``); its
    text is the JSON the project's serializer wrote from Decimals. The placeholder is replaced by that text: no string
    in the answer can hold its bare quotes (JSON escapes them), and its token is random. A placeholder written
    otherwise is read back from the text, the answer being parsed and written again.
    """
    if b'"structuredContent"' not in answer.body or not answer.headers.get("content-type", "").startswith(
            "application/json"):
        return answer
    body = answer.body
    for token, text in texts.items():
        placeholder = f'"structuredContent":{{"{EXACT_KEY}":"{token}"}}'.encode()
        if body.count(placeholder) == 1:
            body = body.replace(placeholder, b'"structuredContent":' + text.encode())
    if EXACT_KEY.encode() in body:  # a placeholder written otherwise (or a text naming the key): parse the answer
        return _reparsed(answer)
    return _with_body(answer, body) if body is not answer.body else answer


def _reparsed(answer: Answer) -> Answer:
    reply = json.loads(answer.body, parse_float=Decimal)
    result: dict[str, Any] = reply.get("result") or {} if isinstance(reply, dict) else {}
    content = result.get("content") if isinstance(result, dict) else None
    if not (isinstance(content, list) and content and isinstance(content[0], dict)
            and content[0].get("type") == "text" and "structuredContent" in result):
        return answer
    try:
        result["structuredContent"] = json.loads(content[0]["text"], parse_float=Decimal)
    except (ValueError, TypeError):
        return answer
    return _with_body(answer, dumps(reply).encode())


def _with_body(answer: Answer, body: bytes) -> Answer:
    headers = {k: v for k, v in answer.headers.items() if k != "content-length"}
    return Answer(answer.status, {**headers, "content-length": str(len(body))}, body)

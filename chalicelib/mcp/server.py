"""The MCP server object: one ``MCPServer`` (official SDK) per toolset selection, holding an SDK tool for each tool
of the catalogue (``chalicelib.mcp.registry``), the scenario prompts and the resources.

Each SDK tool is an adapter built from a ``ToolSpec``: its signature is the tool function's, without ``caller``,
plus the SDK's ``Context`` (so the SDK derives the same input schema), and its return annotation
``Annotated[CallToolResult, <output model>]`` publishes the output schema while letting the adapter write the
result itself: the model's JSON by the project's serializer (money as exact JSON numbers, as REST answers it) as
text, and the same JSON as structured content. That JSON is written once: the SDK would write structured content
from a dict (floats, and several passes of validation and dumping over it), so the result it carries holds a small
placeholder (``RequestCaller.placeholder``) that the bridge replaces with the text in the answer's bytes. The SDK
does not validate that placeholder against the output model (the tool's return value is an instance of it).

The SDK validates a call's arguments against the tool's argument model before the tool runs, and answers a
failure in its own words; so the registered SDK tool keeps the published input schema but takes its arguments
unchecked, and the call validates them itself, after the scope check, with the model the schema came from.

A call runs off the event loop (tools do blocking I/O), in the thread serving the request (``chalicelib.mcp.handoff``):
the scope check (``chalicelib.auth.scopes.allows``, the rule REST uses), the arguments (``validation_error: <field>:
<message>``), ``confirm: true`` on destructive tools, ``idempotency_key`` on writes (the same key and arguments
replay the stored result; other arguments are refused), the tool, and the error mapping of ``chalicelib.mcp.errors``.
Who calls is never a global: the route authenticates the request and puts a ``RequestCaller`` in the ASGI scope
(``SCOPE_KEY``); tools, resources read it back from the SDK's request context.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import logging
import typing
from collections.abc import Awaitable, Callable
from decimal import Decimal
from functools import cache, partial
from typing import Annotated, Any

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata, func_metadata
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict

from chalicelib.auth import idempotency
from chalicelib.core.errors import BadRequest
from chalicelib.core.serialization import dumps
from chalicelib.core.version import VERSION
from chalicelib.mcp import errors, prompts, resources
from chalicelib.mcp.caller import RequestCaller, authorize, caller_of
from chalicelib.mcp.models import ALL_TOOLSETS, DEFAULT_TOOLSETS
from chalicelib.mcp.registry import ToolSpec, load_all
from chalicelib.store.deps import Deps

log = logging.getLogger("cashpilot.mcp")

CONTEXT_PARAM = "mcp_context"
SERVER_NAME = "cashpilot"
REPLAYED_META = "io.cashpilot/idempotent-replayed"
INSTRUCTIONS = """CashPilot is a finance back office: clients, invoices, payments, double-entry books (France, \
Belgium, OHADA), VAT and legal exports (FEC, SAF-T, Factur-X).
- Tools take ids (UUIDs), not names or numbers: find them first (list_clients, search_invoices).
- Amounts are decimals in the document's currency; tax rates are percentages (20 = 20 %); dates are YYYY-MM-DD.
- Changes accept an optional idempotency_key: retrying with the same key and arguments replays the first result.
- Tools marked destructive require confirm: true; ask the user first.
- A failed call answers "<code>: <message>"; read the message and correct the call."""


# --- one tool call ------------------------------------------------------------------------------------------------


def success(result: BaseModel, who: RequestCaller) -> CallToolResult:
    """The tool's model as text and as structured content (the same JSON, from the one serializer)."""
    text = dumps(result)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=who.placeholder(text))


def run_tool(spec: ToolSpec, who: RequestCaller, raw: dict[str, Any]) -> CallToolResult:
    """Scope, arguments, confirmation, idempotency, the tool itself; every failure becomes an ``isError`` result."""
    try:
        authorize(who.principal, spec.action, spec.resource, spec.name)
        arguments = checked_arguments(spec).validate_arguments(raw)
        if spec.destructive and arguments.get("confirm") is not True:
            raise BadRequest(f"{spec.name} cannot be undone: ask the user, then call it again with confirm: true",
                             code="confirmation_required")
        key = None if spec.read_only else arguments.get("idempotency_key")
        if key is None:
            return success(spec.fn(who.caller, **arguments), who)
        return _run_once(spec, who, arguments, str(key))
    except Exception as exc:
        return errors.tool_failure(exc, spec.name, who.request_id)


def _run_once(spec: ToolSpec, who: RequestCaller, arguments: dict[str, Any], key: str) -> CallToolResult:
    """Run a write at most once per ``idempotency_key``: keep its result (or its refusal) for replay."""
    deps = who.deps
    claim = idempotency.new_claim(who.principal.org_id, f"mcp#{who.principal.key_id}", idempotency.normalize_key(key))
    request_print = fingerprint(spec.name, arguments)
    stored = idempotency.begin(deps.store, deps.clock, claim, request_print)
    if stored is not None:
        return _replay(stored, who)
    try:
        result = success(spec.fn(who.caller, **arguments), who)
    except Exception as exc:
        refusal = errors.as_domain_error(exc)
        if refusal is not None and refusal.status < 500 and refusal.status not in (409, 429):
            _keep(deps, claim, request_print, idempotency.StoredResponse(refusal.status, errors.error_text(refusal),
                                                                         {}))
        else:  # a transient or unexpected failure: free the key so a retry runs again
            idempotency.abandon(deps.store, claim)
        raise
    text = result.content[0].text if isinstance(result.content[0], TextContent) else ""
    _keep(deps, claim, request_print, idempotency.StoredResponse(200, text, {}) if spec.replayable else None)
    return result


def _keep(deps: Deps, claim: idempotency.Claim, request_print: str,
          answer: idempotency.StoredResponse | None) -> None:
    try:
        idempotency.complete(deps.store, deps.clock, claim, request_print, answer,
                             deps.settings.idempotency_ttl_seconds)
    except Exception:  # the change is done: failing to keep its replay must not turn it into an error
        log.warning("idempotency record of a tool call not settled", exc_info=True)


def _replay(stored: idempotency.StoredResponse, who: RequestCaller) -> CallToolResult:
    marker = {REPLAYED_META: True}
    if stored.status >= 300:
        return CallToolResult.model_validate({**errors.error_result(stored.body).model_dump(by_alias=True),
                                              "_meta": marker})
    return CallToolResult.model_validate({"content": [{"type": "text", "text": stored.body}],
                                          "structuredContent": who.placeholder(stored.body), "_meta": marker})


def fingerprint(tool: str, arguments: dict[str, Any]) -> str:
    """The same for equal arguments in any process (``100`` and ``100.00`` are equal amounts)."""
    relevant = {name: value for name, value in arguments.items() if name != "idempotency_key"}
    canonical = json.dumps(_canonical(relevant), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return idempotency.fingerprint("TOOL", tool, canonical.encode())


def _canonical(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _canonical(value.model_dump(mode="python", exclude_none=True))
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


# --- the SDK tools ------------------------------------------------------------------------------------------------


def tool_annotations(spec: ToolSpec) -> ToolAnnotations:
    return ToolAnnotations(title=spec.title, read_only_hint=spec.read_only,
                           destructive_hint=spec.destructive and not spec.read_only,
                           idempotent_hint=spec.idempotent, open_world_hint=spec.open_world)


class _Unchecked(ArgModelBase):
    """The SDK-facing argument model: takes whatever the client sent; ``run_tool`` checks it after the scope."""

    model_config = ConfigDict(extra="allow")

    def model_dump_one_level(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


def sdk_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """What an SDK tool's adapter receives for these ``tools/call`` arguments (the SDK's validation step)."""
    return _Unchecked.model_validate(arguments).model_dump_one_level()


def adapter(spec: ToolSpec) -> Callable[..., Awaitable[CallToolResult]]:
    """An SDK tool function for ``spec``: the tool's parameters without ``caller``, plus the SDK context."""
    hints = typing.get_type_hints(spec.fn, include_extras=True)
    parameters = list(inspect.signature(spec.fn).parameters.values())[1:]
    if any(p.name == CONTEXT_PARAM for p in parameters):
        raise ValueError(f"tool {spec.name} may not name a parameter {CONTEXT_PARAM}")
    parameters = [p.replace(annotation=hints.get(p.name, Any)) for p in parameters]
    returns = Annotated[CallToolResult, hints["return"]]

    async def call(**arguments: Any) -> CallToolResult:
        who = caller_of(arguments.pop(CONTEXT_PARAM))
        return await who.inbox.run(partial(run_tool, spec, who, arguments))

    context = inspect.Parameter(CONTEXT_PARAM, inspect.Parameter.KEYWORD_ONLY, annotation=Context)
    call.__signature__ = inspect.Signature([*parameters, context], return_annotation=returns)  # type: ignore[attr-defined]
    call.__annotations__ = {**{p.name: p.annotation for p in parameters}, CONTEXT_PARAM: Context, "return": returns}
    call.__name__ = call.__qualname__ = spec.name
    call.__doc__ = spec.description
    return call


@cache
def checked_arguments(spec: ToolSpec) -> FuncMetadata:
    """The argument model the SDK derives from the adapter's signature (the published input schema's source)."""
    return func_metadata(adapter(spec), skip_names=[CONTEXT_PARAM], structured_output=False)


def sdk_tool(spec: ToolSpec) -> Tool:
    """The SDK tool of ``spec``: its schemas from the adapter's signature, its arguments left to ``run_tool``."""
    built = Tool.from_function(adapter(spec), name=spec.name, title=spec.title,
                               description=inspect.cleandoc(spec.description), annotations=tool_annotations(spec),
                               structured_output=True)
    # The output schema stays published; output_model None keeps the SDK from validating the placeholder.
    built.fn_metadata = built.fn_metadata.model_copy(update={"arg_model": _Unchecked, "output_model": None})
    return built


def selected(toolsets: tuple[str, ...]) -> list[ToolSpec]:
    return sorted((spec for spec in load_all().values() if spec.toolset in toolsets), key=lambda s: s.name)


def build_server(toolsets: tuple[str, ...]) -> MCPServer:
    """A server with the tools of ``toolsets``, the scenario prompts and the resources."""
    server: MCPServer = MCPServer(SERVER_NAME, title="CashPilot", version=VERSION, instructions=INSTRUCTIONS,
                                  log_level="WARNING", tools=[sdk_tool(spec) for spec in selected(toolsets)])
    prompts.register(server)
    resources.register(server)
    return server


# --- toolsets ------------------------------------------------------------------------------------------------------


@cache
def known_toolsets() -> tuple[str, ...]:
    """Every toolset, in the catalogue's order (those of ``chalicelib.mcp.models`` first)."""
    present = {spec.toolset for spec in load_all().values()}
    return tuple(dict.fromkeys([*ALL_TOOLSETS, *sorted(present)]))


def parse_toolsets(raw: str | None) -> tuple[str, ...]:
    """``?toolsets=a,b`` as a canonical tuple; absent or empty means the default toolsets, ``all`` every one."""
    names = [name.strip().lower() for name in (raw or "").split(",") if name.strip()]
    if not names:
        return tuple(DEFAULT_TOOLSETS)
    known = known_toolsets()
    if "all" in names:
        return known
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise BadRequest(f"unknown toolsets {', '.join(unknown)}; choose among {', '.join(known)} or all",
                         code="unknown_toolset", details={"toolsets": unknown, "available": [*known, "all"]})
    return tuple(name for name in known if name in names)

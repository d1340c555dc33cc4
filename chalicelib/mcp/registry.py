"""The catalogue of MCP tools, declared once and independent of the SDK.

A tool is a plain function ``fn(caller: Caller, **params) -> BaseModel``: its parameters (after ``caller``) carry
type hints and ``pydantic.Field`` descriptions and constraints, which become the tool's input schema; it calls one
service function and returns a pydantic model (the structured content; its JSON is also sent as text). Domain
errors (``chalicelib.core.errors``) propagate; the server turns them into ``isError`` results.

The server (``chalicelib.mcp.server``) reads ``TOOLS`` and, for each tool of the selected toolsets: checks the
caller's scopes against ``action``/``resource`` (the same rule as REST), requires ``confirm: true`` on destructive
tools, applies ``idempotency_key`` on writes, and derives the MCP annotations from the flags below.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from pydantic import BaseModel

import chalicelib.mcp.tools as package
from chalicelib.auth.models import Principal
from chalicelib.store.deps import Deps

Action = Literal["read", "write", "delete"]
F = TypeVar("F", bound=Callable[..., BaseModel])


@dataclass(frozen=True)
class Caller:
    """Who calls a tool, and with which collaborators."""

    deps: Deps
    principal: Principal

    @property
    def org_id(self) -> str:
        return self.principal.org_id


@dataclass(frozen=True)
class ToolSpec:
    name: str
    toolset: str
    fn: Callable[..., BaseModel]
    title: str
    description: str
    action: Action
    resource: str | None
    destructive: bool = False
    idempotent: bool = False
    open_world: bool = False
    replayable: bool = True  # False: the answer holds a secret, so an idempotency key does not keep it for replay

    @property
    def read_only(self) -> bool:
        return self.action == "read"


TOOLS: dict[str, ToolSpec] = {}


def tool(name: str, *, toolset: str, title: str, action: Action, resource: str | None, destructive: bool = False,
         idempotent: bool = False, open_world: bool = False, description: str | None = None,
         replayable: bool = True) -> Callable[[F], F]:
    """Register ``fn`` as the tool ``name``; the description defaults to the function's docstring."""

    def register(fn: F) -> F:
        if name in TOOLS:
            raise ValueError(f"tool {name} is declared twice")
        text = description or inspect.cleandoc(fn.__doc__ or "")
        if not text:
            raise ValueError(f"tool {name} needs a description")
        TOOLS[name] = ToolSpec(name=name, toolset=toolset, fn=fn, title=title, description=text, action=action,
                               resource=resource, destructive=destructive, idempotent=idempotent or action == "read",
                               open_world=open_world, replayable=replayable)
        return fn

    return register


def load_all() -> dict[str, ToolSpec]:
    """Import every tool module of ``chalicelib.mcp.tools`` (registration happens on import) and return the
    catalogue."""
    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"chalicelib.mcp.tools.{info.name}")
    return TOOLS

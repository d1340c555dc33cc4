"""Writes the committed MCP contract, ``schemas/mcp-tools.json``: every tool of every toolset (name, toolset,
title, description, input and output schemas, annotations), the prompts and the resource templates, exactly as the
server lists them to clients (``tools/list``, ``prompts/list``, ``resources/templates/list``).

Run ``python schemas/generate_mcp.py`` after changing a tool, a prompt or a resource, and commit the result. With
``--check`` it writes nothing and exits 1 when the committed file differs from a fresh generation (CI runs that).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "schemas" / "mcp-tools.json"
if str(ROOT) not in sys.path:  # run as a script, this file's folder is on sys.path instead of the root
    sys.path.insert(0, str(ROOT))


def contract() -> dict[str, Any]:
    """What a client of a server holding every toolset is told, tools grouped by toolset."""
    from chalicelib.core.version import VERSION
    from chalicelib.mcp.models import DEFAULT_TOOLSETS
    from chalicelib.mcp.server import SERVER_NAME, build_server, known_toolsets, selected

    toolsets = known_toolsets()
    server = build_server(toolsets)
    listed = {tool.name: tool.model_dump(mode="json", by_alias=True, exclude_none=True)
              for tool in asyncio.run(server.list_tools())}
    specs = sorted(selected(toolsets), key=lambda s: (toolsets.index(s.toolset), s.name))
    tools = [{"name": spec.name, "toolset": spec.toolset, **{k: v for k, v in listed[spec.name].items() if k != "name"}}
             for spec in specs]
    prompts = [p.model_dump(mode="json", by_alias=True, exclude_none=True) for p in asyncio.run(server.list_prompts())]
    templates = [t.model_dump(mode="json", by_alias=True, exclude_none=True)
                 for t in asyncio.run(server.list_resource_templates())]
    return {"server": {"name": SERVER_NAME, "version": VERSION}, "toolsets": list(toolsets),
            "default_toolsets": list(DEFAULT_TOOLSETS), "tools": tools, "prompts": prompts,
            "resourceTemplates": templates}


def render() -> str:
    return json.dumps(contract(), indent=2, ensure_ascii=False) + "\n"


def check(target: Path = TARGET) -> list[str]:
    """The unified diff between ``target`` and a fresh generation (empty when they are equal)."""
    from chalicelib.core.artifacts import drift

    return drift(target, render())


def main(argv: list[str] | None = None) -> int:
    from chalicelib.core.artifacts import generator_main

    return generator_main(argv, description=__doc__.splitlines()[0] if __doc__ else None, target=TARGET,
                          render=render, regenerate="python schemas/generate_mcp.py")


if __name__ == "__main__":
    sys.exit(main())

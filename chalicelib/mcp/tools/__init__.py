"""MCP tool modules, one per bounded context; each registers its tools with ``chalicelib.mcp.registry.tool``."""

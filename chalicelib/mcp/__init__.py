"""The MCP server: the tools, prompts and resources an AI agent reaches through ``/mcp``, over the same services as
the REST routes."""

"""The product's version, as the API's root, its OpenAPI document and the MCP server announce it."""

VERSION = "0.1.0"

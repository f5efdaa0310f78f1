"""alecs: an MCP server for Akamai with one optimized network layer and a built-in sandbox."""

__version__ = "0.1.0"

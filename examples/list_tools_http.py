"""List alecs' tools over streamable HTTP, then call `network-diagnostics`.

Start a server first, e.g. on the sandbox:

    alecs serve --sandbox --transport http --port 8765

then run:

    python examples/list_tools_http.py                       # http://127.0.0.1:8765/mcp
    python examples/list_tools_http.py http://host:8765/mcp  # with ALECS_AUTH_TOKEN set if needed

With ALECS_AUTH_TOKEN set, the token is sent as `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import asyncio
import os
import sys

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


async def main(url: str) -> int:
    token = os.environ.get("ALECS_AUTH_TOKEN")
    if token:
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)
        server = streamable_http_client(url, http_client=http)
    else:
        server = url
    async with Client(server) as client:
        print(f"connected to {client.server_info.name} {client.server_info.version}")
        tools = (await client.list_tools()).tools
        for tool in tools:
            hints = tool.annotations
            kind = "read-only" if hints and hints.read_only_hint else "write"
            if hints and hints.destructive_hint:
                kind = "destructive"
            print(f"  {tool.name:<32} {kind:<12} {tool.title or ''}")
        result = await client.call_tool("network-diagnostics", {})
        print()
        print(result.content[0].text if result.content else result)
        return 1 if result.is_error else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8765/mcp")))

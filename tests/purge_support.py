"""Helpers shared by the Fast Purge and Network Lists tests (tests/test_purge_*.py,
tests/test_netlists_*.py).

`RecordingTransport` is the real `Transport` (EdgeGrid, TLS, HTTP/2, retries, rate limits) that
also keeps every call's request (method, path, query, JSON body) and the response the sandbox
gave it (status, body, content type), errors included, so tests can check both against
Akamai's official OpenAPI specs.
"""

from __future__ import annotations

import ssl
import warnings
from dataclasses import dataclass
from typing import Any

import httpx2
from mcp import Client

from alecs.transport import Transport, TransportSettings
from alecs.transport.auth import EdgeGridAuth
from alecs.transport.errors import AkamaiApiError
from alecs.transport.retry import RetryPolicy

KEY_A, KEY_B = "1-5SBXA1:1-8SBX", "1-7SBXB2:1-8SBX"
ACCOUNT_A, ACCOUNT_B = "act_1-5SBXA1", "act_1-7SBXB2"

warnings.filterwarnings("ignore", message=".*deprecated.*")


@dataclass
class Exchange:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int
    response: Any
    content_type: str


class RecordingTransport(Transport):
    """`Transport` that records every exchange (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.exchanges: list[Exchange] = []

    async def request(self, section: str, method: str, path: str, **kw: Any) -> httpx2.Response:
        query = {k: str(v) for k, v in (kw.get("params") or {}).items()}
        body = kw.get("json")
        try:
            resp = await super().request(section, method, path, **kw)
        except AkamaiApiError as exc:
            self.exchanges.append(
                Exchange(method, path, query, body, exc.status, exc.body, "application/json")
            )
            raise
        self.exchanges.append(
            Exchange(
                method,
                path,
                query,
                body,
                resp.status_code,
                resp.json() if resp.content else None,
                resp.headers.get("content-type", ""),
            )
        )
        return resp


def recording_transport(sandbox: Any, *sections: str) -> RecordingTransport:
    """A recording transport for the sandbox's sections; retries without backoff waits."""
    settings = TransportSettings(retry=RetryPolicy(random=lambda: 0.0))
    creds = {s: sandbox.credentials(s) for s in sections or ("sandbox",)}
    return RecordingTransport(creds, settings)


def raw_client(sandbox: Any, section: str = "sandbox") -> httpx2.AsyncClient:
    """A plain signed HTTP client (no retries): for answers the transport would retry."""
    return httpx2.AsyncClient(
        http2=True,
        base_url=sandbox.url,
        auth=EdgeGridAuth(sandbox.credentials(section)),
        verify=ssl.create_default_context(cafile=str(sandbox.ca_path)),
    )


async def call(client: Client, name: str, args: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """Call a tool that must succeed; return its structured content."""
    result = await client.call_tool(name, args, **kw)
    assert not result.is_error, f"{name}: {result.content[0].text}"
    assert result.structured_content is not None
    return result.structured_content


async def call_error(client: Client, name: str, args: dict[str, Any], **kw: Any) -> str:
    """Call a tool that must fail; return its error text."""
    result = await client.call_tool(name, args, **kw)
    assert result.is_error, f"{name} should have failed: {result.content[0].text}"
    return result.content[0].text


def answer(action: str, content: dict[str, Any] | None = None) -> Any:
    """An elicitation callback that answers every question the same way and records them."""
    from mcp.types import ElicitResult

    asked: list[str] = []

    async def callback(context: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action=action, content=content)

    callback.asked = asked  # type: ignore[attr-defined]
    return callback

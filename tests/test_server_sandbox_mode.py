"""`alecs serve --sandbox`: the built-in sandbox is reached directly and can keep its state."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from alecs.server import build_server


async def test_sandbox_is_reached_directly_even_with_a_proxy_configured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A proxy on a port nobody listens on: any request sent through it would fail.
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    server = build_server(toolsets="all", sandbox=True, warm_up=False)
    async with Client(server) as client:
        result = await client.call_tool("contract-list", {})
    assert not result.is_error, result.content
    assert result.structured_content["contracts"]


async def test_sandbox_dir_keeps_state_across_runs(tmp_path: Path) -> None:
    state_dir = tmp_path / "sbx"
    args = {"property_id": "prp_600004"}
    async with Client(
        build_server(toolsets="all", sandbox=True, sandbox_dir=state_dir, warm_up=False)
    ) as c:
        first = await c.call_tool("property-version-create", args)
    assert not first.is_error, first.content
    async with Client(
        build_server(toolsets="all", sandbox=True, sandbox_dir=state_dir, warm_up=False)
    ) as c:
        second = await c.call_tool("property-version-create", args)
        versions = await c.call_tool("property-version-list", args)
    assert not second.is_error, second.content
    assert second.structured_content["version"] == first.structured_content["version"] + 1
    assert (state_dir / "sandbox.sqlite3").exists()
    assert not versions.is_error


async def test_network_errors_read_as_such_without_python_class_names(tmp_path: Path) -> None:
    from alecs.transport import RetryPolicy, TransportSettings

    edgerc = tmp_path / "edgerc"
    edgerc.write_text(
        "[default]\nhost = 127.0.0.1:9\nclient_token = akab-ct\n"
        "client_secret = c2VjcmV0c2VjcmV0\naccess_token = akab-at\n"
    )
    settings = TransportSettings(retry=RetryPolicy(attempts=1))
    server = build_server(toolsets="all", edgerc=edgerc, transport_settings=settings, warm_up=False)
    async with Client(server) as client:
        result = await client.call_tool("contract-list", {})
    assert result.is_error
    text = result.content[0].text
    assert text.startswith("contract-list failed: Network error: ")  # the one error shape
    assert "127.0.0.1:9" in text and "network-diagnostics" in text
    assert "TransportError" not in text and "Traceback" not in text

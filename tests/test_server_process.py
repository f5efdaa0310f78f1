"""`alecs serve` as a real process: stdio, streamable HTTP and SSE, HTTP security, the CLI.

Every server binds port 0 (the banner on stderr says which port) and every process is stopped
and reaped by the test that started it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client.sse import sse_client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

ALECS = [sys.executable, "-m", "alecs"]
START_TIMEOUT = 30.0
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


def clean_env(**extra: str) -> dict[str, str]:
    """The test process's environment without alecs/Akamai settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALECS_", "AKAMAI_"))}
    env.update(extra)
    return env


class ServerProcess:
    """`alecs serve ...` in a child process; stderr collected by a thread."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [*ALECS, "serve", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env or clean_env(),
        )
        self.lines: list[str] = []
        self._url: str | None = None
        self._found = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)
            match = re.search(r"MCP URL:\s+(\S+)", line)
            if match:
                self._url = match.group(1)
                self._found.set()
        self._found.set()

    @property
    def stderr(self) -> str:
        return "".join(self.lines)

    def url(self) -> str:
        self._found.wait(START_TIMEOUT)
        assert self._url, f"no URL in the banner; stderr:\n{self.stderr}"
        return self._url

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(5)
        self._reader.join(5)
        return code


@pytest.fixture
def serve() -> Iterator[Any]:
    started: list[ServerProcess] = []

    def start(*args: str, env: dict[str, str] | None = None) -> ServerProcess:
        process = ServerProcess(*args, env=env)
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            process.stop()


# --------------------------------------------------------------------------- stdio


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_stdio_carries_only_json_rpc(tmp_path: Path, mode: str) -> None:
    stdout_copy = tmp_path / "stdout.jsonl"
    command = f"{shlex.join([*ALECS, 'serve', '--sandbox'])} | tee {shlex.quote(str(stdout_copy))}"
    params = StdioServerParameters(command="/bin/sh", args=["-c", command], env=clean_env())
    with (tmp_path / "stderr.log").open("w+") as errlog:
        async with Client(stdio_client(params, errlog=errlog), mode=mode) as client:
            tools = (await client.list_tools()).tools
            result = await client.call_tool("network-diagnostics", {"probe": True})
        errlog.flush()
        deadline = time.monotonic() + 10
        while "alecs stopped" not in errlog.read() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            errlog.seek(0)
        errlog.seek(0)
        stderr = errlog.read()

    assert "network-diagnostics" in {t.name for t in tools}
    assert not result.is_error, result.content
    assert result.structured_content["sandbox"].startswith("https://127.0.0.1:")
    assert all(p["error"] is None for p in result.structured_content["probes"])
    lines = stdout_copy.read_text().splitlines()
    assert len(lines) >= 3
    for line in lines:
        message = json.loads(line)
        assert message["jsonrpc"] == "2.0", line
        assert "id" in message or "method" in message, line
    assert "alecs ready" in stderr  # logs went to stderr
    assert "alecs stopped" in stderr, stderr  # stdin EOF shut the runtime down cleanly


# --------------------------------------------------------------------------- HTTP


async def test_streamable_http_end_to_end_and_security(serve: Any) -> None:
    server = serve(
        "--sandbox",
        "--transport",
        "http",
        "--port",
        "0",
        "--allowed-origin",
        "https://app.example",
    )
    url = server.url()
    base = url.removesuffix("/mcp")
    assert url.startswith("http://127.0.0.1:") and url.endswith("/mcp")
    assert "claude_desktop_config.json" in server.stderr
    assert "@modelcontextprotocol/inspector --cli" in server.stderr

    for mode in ("legacy", "auto"):
        async with Client(url, mode=mode) as client:
            tools = (await client.list_tools()).tools
            result = await client.call_tool("network-diagnostics", {"probe": True})
        assert "network-diagnostics" in {t.name for t in tools}
        assert not result.is_error, result.content
        assert result.structured_content["grade"] in {"A", "B", "C", "D", "F"}

    async with httpx2.AsyncClient(base_url=base) as http:
        health = await http.get("/healthz")
        assert health.status_code == 200 and health.json()["status"] == "ok"
        evil_origin = await http.post(
            "/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Origin": "http://evil.example"}
        )
        assert evil_origin.status_code == 403
        evil_host = await http.post(
            "/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Host": "evil.example"}
        )
        assert evil_host.status_code == 421
        allowed = await http.post(
            "/mcp", json=INITIALIZE, headers={**MCP_HEADERS, "Origin": "https://app.example"}
        )
        assert allowed.status_code == 200

    assert server.stop() == 0
    assert "alecs stopped" in server.stderr


def test_non_loopback_bind_without_token_refuses_to_start() -> None:
    done = subprocess.run(
        [*ALECS, "serve", "--sandbox", "--transport", "http", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
    )
    assert done.returncode == 2
    assert "refusing to listen on 0.0.0.0" in done.stderr
    assert "ALECS_AUTH_TOKEN" in done.stderr
    assert "alecs ready" not in done.stderr  # refused before starting anything


async def test_bearer_token_is_required_when_set(serve: Any) -> None:
    token = secrets.token_urlsafe(24)
    server = serve(
        "--sandbox",
        "--transport",
        "http",
        "--host",
        "0.0.0.0",
        "--port",
        "0",
        env=clean_env(ALECS_AUTH_TOKEN=token),
    )
    url = server.url()
    base = url.removesuffix("/mcp")
    async with httpx2.AsyncClient(base_url=base) as http:
        missing = await http.post("/mcp", json=INITIALIZE, headers=MCP_HEADERS)
        assert missing.status_code == 401
        assert missing.headers["www-authenticate"].startswith("Bearer")
        wrong = await http.post(
            "/mcp",
            json=INITIALIZE,
            headers={**MCP_HEADERS, "Authorization": f"Bearer {token[:-1]}x"},
        )
        assert wrong.status_code == 401
        assert (await http.get("/healthz")).status_code == 200

    authorized = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)
    async with authorized, Client(streamable_http_client(url, http_client=authorized)) as client:
        result = await client.call_tool("network-diagnostics", {})
    assert not result.is_error, result.content
    assert server.stop() == 0
    assert token not in server.stderr


async def test_sse_transport(serve: Any) -> None:
    server = serve("--sandbox", "--transport", "sse", "--port", "0")
    url = server.url()
    assert url.endswith("/sse")
    async with Client(sse_client(url), mode="legacy") as client:
        tools = (await client.list_tools()).tools
        result = await client.call_tool("network-diagnostics", {})
    assert "network-diagnostics" in {t.name for t in tools}
    assert not result.is_error, result.content
    assert server.stop() == 0


# --------------------------------------------------------------------------- the command


def test_cli_tools_call_and_diagnose() -> None:
    commands = {
        "tools": [*ALECS, "tools", "--json"],
        "call": [*ALECS, "call", "network-diagnostics", "--sandbox", "probe=true", "--json"],
        "bad": [*ALECS, "call", "network-diagnostics", "--sandbox", "probe=maybe"],
        "unknown": [*ALECS, "call", "no-such-tool", "--sandbox"],
        "diagnose": [*ALECS, "diagnose", "--sandbox", "--probe"],
    }
    running = {
        name: subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env()
        )
        for name, cmd in commands.items()
    }
    results: dict[str, tuple[int, str, str]] = {}
    for name, proc in running.items():
        try:
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        results[name] = (proc.returncode, out, err)

    code, out, _ = results["tools"]
    assert code == 0
    listed = {t["name"]: t for t in json.loads(out)}
    assert listed["network-diagnostics"]["annotations"]["readOnlyHint"] is True

    code, out, _ = results["call"]
    assert code == 0
    data = json.loads(out)
    assert data["grade"] in {"A", "B", "C", "D", "F"}
    assert [p["section"] for p in data["probes"]] == ["sandbox", "sandbox-b"]

    code, out, err = results["bad"]
    assert code == 1 and "`probe`" in err and out == ""

    code, _, err = results["unknown"]
    assert code == 1 and "no-such-tool" in err

    code, out, _ = results["diagnose"]
    assert code == 0
    assert out.startswith("grade ")
    assert "SECTION" in out and "PROBE" in out and "sandbox-b" in out


# --------------------------------------------------------------------------- MCP Inspector


@pytest.mark.skipif(
    not os.environ.get("ALECS_TEST_INSPECTOR"),
    reason="set ALECS_TEST_INSPECTOR to an installed @modelcontextprotocol/inspector binary "
    "(Node 22 on PATH, or its bin directory in ALECS_TEST_NODE_DIR) to run this check",
)
def test_mcp_inspector_cli_lists_and_calls() -> None:
    inspector = os.environ["ALECS_TEST_INSPECTOR"]
    env = clean_env()
    if os.environ.get("ALECS_TEST_NODE_DIR"):
        env["PATH"] = os.environ["ALECS_TEST_NODE_DIR"] + os.pathsep + env.get("PATH", "")
    alecs_bin = shutil.which("alecs", path=str(Path(sys.executable).parent))
    assert alecs_bin
    base = [inspector, "--cli", alecs_bin, "serve", "--sandbox"]
    listed = subprocess.run(
        [*base, "--method", "tools/list"], capture_output=True, text=True, timeout=90, env=env
    )
    assert listed.returncode == 0, listed.stderr
    assert "network-diagnostics" in {t["name"] for t in json.loads(listed.stdout)["tools"]}
    called = subprocess.run(
        [*base, "--method", "tools/call", "--tool-name", "network-diagnostics"],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
    )
    assert called.returncode == 0, called.stderr
    result = json.loads(called.stdout)
    assert not result.get("isError")
    assert result["structuredContent"]["grade"] in {"A", "B", "C", "D", "F"}

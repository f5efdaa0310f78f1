"""Serving limits and shutdown: header timeout and connection cap on the HTTP transports (real
`alecs serve` processes), the Host check on `/healthz`, SIGTERM on stdio (clean exit, lifespan
cleanup) and on HTTP (in-flight calls finish within the grace period)."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pytest
from mcp import Client
from test_server_process import ALECS, ServerProcess, clean_env

from alecs.sandbox.admin import AdminClient
from alecs.server import build_server, http_app
from alecs.serving import ServingLimits

EOF_BOUND_S = 30.0  # generous: only a server that never closes the sockets fails the test


@pytest.fixture
def serve() -> Iterator[Any]:
    started: list[ServerProcess] = []

    def start(*args: str) -> ServerProcess:
        process = ServerProcess(*args)
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            process.stop()


def _address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    return parts.hostname, parts.port


def _closed_by_server(sock: socket.socket) -> bool:
    """True when the server closed the connection (EOF or reset) within the bound."""
    sock.settimeout(EOF_BOUND_S)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def _partial_request(address: tuple[str, int]) -> socket.socket:
    sock = socket.create_connection(address, timeout=10)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # never finished
    return sock


def test_200_sockets_that_never_finish_their_headers_are_closed(serve: Any) -> None:
    server = serve("--sandbox", "--transport", "http", "--port", "0", "--header-timeout", "0.5")
    address = _address(server.url())
    sockets = [_partial_request(address) for _ in range(200)]
    try:
        closed = sum(_closed_by_server(sock) for sock in sockets)
    finally:
        for sock in sockets:
            sock.close()
    assert closed == 200
    base = server.url().removesuffix("/mcp")
    health = httpx2.get(base + "/healthz")
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert server.stop() == 0


def test_connections_beyond_the_cap_are_refused_while_a_normal_request_still_works(
    serve: Any,
) -> None:
    server = serve(
        "--sandbox",
        "--transport",
        "sse",
        "--port",
        "0",
        "--max-connections",
        "5",
        "--header-timeout",
        "300",
    )
    address = _address(server.url())
    held = [_partial_request(address) for _ in range(5)]
    try:
        extra = socket.create_connection(address, timeout=10)
        try:
            assert _closed_by_server(extra), "the sixth connection was closed at once"
        finally:
            extra.close()
        for sock in held:  # the five within the cap are still open
            sock.settimeout(0.2)
            with pytest.raises(TimeoutError):
                sock.recv(1)
    finally:
        for sock in held:
            sock.close()
    base = server.url().removesuffix("/sse")
    for _ in range(50):  # the server notices the closed sockets on its next loop pass
        try:
            health = httpx2.get(base + "/healthz")
            break
        except httpx2.TransportError:
            continue
    assert health.status_code == 200
    assert server.stop() == 0


def test_serving_limits_name_the_option_on_bad_values() -> None:
    with pytest.raises(ValueError, match="header-timeout must be > 0"):
        ServingLimits(header_timeout=0)
    with pytest.raises(ValueError, match="max-connections must be >= 1"):
        ServingLimits(max_connections=0)
    done = subprocess.run(
        [*ALECS, "serve", "--transport", "http", "--header-timeout", "soon"],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
    )
    assert done.returncode == 2
    assert "--header-timeout" in done.stderr and "soon" in done.stderr


@pytest.mark.parametrize("transport", ["http", "sse"])
async def test_healthz_is_behind_the_same_host_check_as_mcp(transport: str) -> None:
    app = http_app(build_server(sandbox=True, warm_up=False), transport=transport)  # type: ignore[arg-type]
    async with httpx2.AsyncClient(
        transport=httpx2.ASGITransport(app=app), base_url="http://127.0.0.1:8765"
    ) as http:
        assert (await http.get("/healthz")).status_code == 200
        assert (await http.get("/healthz", headers={"Host": "localhost:9"})).status_code == 200
        evil = await http.get("/healthz", headers={"Host": "evil.example"})
        assert evil.status_code == 421
        rebind = await http.get("/healthz", headers={"Host": "evil.example:8765"})
        assert rebind.status_code == 421


# --------------------------------------------------------------------------- SIGTERM


def test_stdio_exits_cleanly_on_sigterm() -> None:
    proc = subprocess.Popen(
        [*ALECS, "serve", "--sandbox"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )
    lines: list[str] = []
    ready = threading.Event()

    def read_stderr() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if "alecs ready" in line:
                ready.set()

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    try:
        assert proc.stdin is not None and proc.stdout is not None
        initialize = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-11-25",
                "capabilities": {},
                "clientInfo": {"name": "test", "version": "1"},
            },
        }
        proc.stdin.write(json.dumps(initialize) + "\n")
        proc.stdin.flush()
        answer = json.loads(proc.stdout.readline())
        assert answer["id"] == 1 and "result" in answer
        assert ready.wait(30), "".join(lines)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        reader.join(5)
    stderr = "".join(lines)
    assert code == 0, stderr
    assert "SIGTERM received: shutting down" in stderr
    assert "alecs stopped" in stderr, "the lifespan's cleanup ran"
    assert "Traceback" not in stderr


async def test_http_lets_an_in_flight_call_finish_on_sigterm(serve: Any, tmp_path: Path) -> None:
    server = serve(
        "--sandbox",
        "--toolsets",
        "papi",
        "--sandbox-dir",
        str(tmp_path / "sbx"),
        "--transport",
        "http",
        "--port",
        "0",
        "--grace-period",
        "30",
    )
    url = server.url()
    match = re.search(r"on sandbox (https://\S+)", server.stderr)
    assert match, server.stderr
    admin = AdminClient(match.group(1), tmp_path / "sbx" / "ca.pem")
    try:
        admin.set_faults(pattern="GET /papi/v1/contracts", latency_ms=1500)
        async with Client(url) as client:
            # The client validates structured results against the tool's output schema: list
            # the tools first, so the call needs no further request once the server stops
            # accepting connections.
            await client.list_tools()
            call = asyncio.ensure_future(client.call_tool("contract-list", {}))
            for _ in range(200):  # until the sandbox holds the request
                if (await asyncio.to_thread(admin.counters))["faults"]["latency"] >= 1:
                    break
                await asyncio.sleep(0.02)
            else:
                pytest.fail("the call never reached the sandbox")
            server.proc.send_signal(signal.SIGTERM)
            result = await call
        assert not result.is_error, result.content
        assert result.structured_content["contracts"], result.structured_content
    finally:
        admin.close()
    assert server.stop() == 0
    assert "alecs stopped" in server.stderr
    assert "graceful shutdown exceeded" not in server.stderr, "nothing was cut"

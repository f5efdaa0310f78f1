"""Scenario d: a small GET as an MCP tool call, in memory and over stdio.

The tool is chosen from what the server offers, preferring one whose body makes exactly one API
request: `group-list` (`GET /papi/v1/groups`, the sandbox's counters confirm one request per
call), then `property-get` for the scenario's property, `contract-list`, else
`network-diagnostics` (no Akamai request at all: then the row measures MCP plus the tool's own
work, and says so). The server is alecs' real one (`build_server`), with the benchmark's
transport settings; "in memory" runs it in this process (`mcp.Client(server)`), "stdio" in a
child process (`tools.bench.mcp_child`) that the SDK's client starts.

In memory, the same GET the tool makes is also sent through the server's own Transport,
interleaved with the tool calls in blocks of 10 (row `mcp-ref`): MCP overhead per call = tool
call p50 - that GET's p50, from one run, one process, one connection.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from alecs.config import Credentials
from tools.bench.harness import Row

REPO_ROOT = str(Path(__file__).resolve().parents[2])

# (tool, how its arguments come from the scenario's GET). The first the server offers and whose
# required arguments can all be filled wins.
PREFERRED = ("group-list", "property-get", "contract-list", "network-diagnostics")
# The request a tool's body makes, for tools that make exactly one: sent through the server's
# Transport as the reference of the MCP overhead (same path, params, headers and API family).
REFERENCE_GET: dict[str, tuple[str, dict[str, Any], dict[str, str], str]] = {
    "group-list": ("/papi/v1/groups", {}, {"PAPI-Use-Prefixes": "true"}, "papi"),
}
BLOCK = 10
ARG_ALIASES = {
    "property_id": "propertyId",
    "propertyId": "propertyId",
    "property": "propertyId",
    "contract_id": "contractId",
    "contractId": "contractId",
    "contract": "contractId",
    "group_id": "groupId",
    "groupId": "groupId",
    "group": "groupId",
}


def available() -> bool:
    try:
        from alecs.server import build_server  # noqa: F401
    except ImportError:
        return False
    return True


def scenario_values(path: str, params: dict[str, Any] | None) -> dict[str, Any]:
    values: dict[str, Any] = dict(params or {})
    parts = path.strip("/").split("/")
    if len(parts) >= 4 and parts[2] == "properties":
        values["propertyId"] = parts[3]
    return values


def pick_tool(
    tools: list[Any], path: str, params: dict[str, Any] | None
) -> tuple[str, dict[str, Any]]:
    """The tool to call and its arguments (see the module docstring)."""
    by_name = {t.name: t for t in tools}
    values = scenario_values(path, params)
    wanted = list(PREFERRED)
    if not path.startswith("/papi/v1/properties/"):
        wanted.remove("property-get")
    if path != "/papi/v1/contracts":
        wanted.remove("contract-list")
    for name in wanted:
        tool = by_name.get(name)
        if tool is None:
            continue
        schema = getattr(tool, "input_schema", None) or getattr(tool, "inputSchema", {}) or {}
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        args: dict[str, Any] = {}
        for prop in props:
            key = ARG_ALIASES.get(prop)
            if key and key in values:
                args[prop] = values[key]
        if required <= set(args):
            return name, args
    raise RuntimeError(f"no suitable tool among {sorted(by_name)}")


def write_edgerc(creds: Credentials, directory: Path) -> Path:
    path = directory / "edgerc"
    lines = [
        f"[{creds.section}]",
        f"host = {creds.host}",
        f"client_token = {creds.client_token}",
        f"client_secret = {creds.client_secret}",
        f"access_token = {creds.access_token}",
    ]
    if creds.ca_bundle:
        lines.append(f"ca_bundle = {creds.ca_bundle}")
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path


def _proc_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system) of a process, from /proc (Linux)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def run(
    row: Row,
    mode: str,
    target: Any,
    creds: Credentials,
    n: int,
    budget_s: float,
    proxy: Any,
    dns: Any,
    ref: Row | None = None,
) -> Row:
    """Fill `row` with `n` tool calls (bounded by `budget_s`); in memory mode, also `ref` with
    the same GET through the server's Transport, interleaved (left empty when the chosen tool
    does not make exactly one known request)."""
    with tempfile.TemporaryDirectory(prefix="alecs-bench-mcp-") as tmp:
        edgerc = write_edgerc(creds, Path(tmp))
        return asyncio.run(
            _run(row, mode, target, edgerc, creds.section, n, budget_s, proxy, dns, Path(tmp), ref)
        )


async def _run(
    row: Row,
    mode: str,
    target: Any,
    edgerc: Path,
    section: str,
    n: int,
    budget_s: float,
    proxy: Any,
    dns: Any,
    tmp: Path,
    ref: Row | None = None,
) -> Row:
    import mcp

    from tools.bench.contenders import transport_settings

    pid_file = tmp / "server.pid"
    if mode == "memory":
        from alecs.server import build_server

        source: Any = build_server(
            toolsets="all",
            section=section,
            edgerc=str(edgerc),
            transport_settings=transport_settings(http2=True),
            log_level="WARNING",
        )
    else:
        from mcp.client.stdio import StdioServerParameters

        source = StdioServerParameters(
            command=sys.executable,
            args=[
                "-m",
                "tools.bench.mcp_child",
                "--edgerc",
                str(edgerc),
                "--section",
                section,
                "--dns-ms",
                str(dns.delay_ms if dns is not None else 0),
                "--pid-file",
                str(pid_file),
            ],
            cwd=REPO_ROOT,
            env={**os.environ},
        )
    async with mcp.Client(source) as client:
        tools = (await client.list_tools()).tools
        name, args = pick_tool(tools, target.small_path, target.small_params)
        row.note = f"tool {name}"
        if name == "network-diagnostics":
            row.note += ": no Akamai request, so MCP + the tool's own work only"
            row.limit_ms = None
        first = await client.call_tool(name, args)  # warm-up: lifespan, warm connection
        if first.is_error:
            raise RuntimeError(f"{name} failed: {first.content}")
        await asyncio.sleep(0.2)  # let the background warm-up settle
        row.warmup_connections = int(proxy.reset().get("connections", 0))
        if dns is not None:
            dns.reset()
        reference = REFERENCE_GET.get(name) if mode == "memory" and ref is not None else None
        transport = None
        if reference is not None:
            state = source.runtime.state
            transport = state.transport if state is not None else None
            if transport is None:
                reference = None

        async def one_reference() -> float:
            assert reference is not None and transport is not None
            path, params, headers, family = reference
            t0 = time.perf_counter()
            response = await transport.request(
                section, "GET", path, params=params, headers=headers, api_family=family
            )
            response.json()
            return time.perf_counter() - t0

        if reference is not None:
            await one_reference()  # warm
        before = target.api_requests() if target.api_requests else None
        child_pid = int(pid_file.read_text()) if pid_file.exists() else None
        child0 = _proc_cpu(child_pid)
        start = time.perf_counter()
        deadline = start + budget_s
        done = 0
        tool_requests = 0
        proxy.reset()

        def count_traffic(into: Row) -> None:  # the proxy's counters since the last block
            stats = proxy.reset()
            into.connections += int(stats.get("connections", 0))
            into.bytes_rx += int(stats.get("bytes_down", 0))

        while done < n:
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for _ in range(min(BLOCK, n - done)):
                t0 = time.perf_counter()
                result = await client.call_tool(name, args)
                t1 = time.perf_counter()
                row.latencies_ms.append(1000 * (t1 - t0))
                key = "error" if result.is_error else "ok"
                row.statuses[key] = row.statuses.get(key, 0) + 1
                row.errors += bool(result.is_error)
                done += 1
            row.cpu_s += time.process_time() - cpu0
            row.wall_s += time.perf_counter() - wall0
            count_traffic(row)
            if before is not None and done == min(BLOCK, n):
                tool_requests = target.api_requests() - before
            if reference is not None and ref is not None:
                cpu0 = time.process_time()
                for _ in range(min(BLOCK, n - len(ref.latencies_ms))):
                    ref.latencies_ms.append(1000 * await one_reference())
                ref.cpu_s += time.process_time() - cpu0
                count_traffic(ref)
            if time.perf_counter() > deadline:
                row.truncated = True
                if ref is not None and ref.latencies_ms:
                    ref.truncated = True
                break
        child1 = _proc_cpu(child_pid)
        if child0 is not None and child1 is not None:
            row.cpu_s += child1 - child0
            row.cpu_note = "client + server processes"
        elif mode == "stdio":
            row.cpu_note = "client process only"
        row.n = len(row.latencies_ms)
        if before is not None and row.n:
            per_call = tool_requests / min(BLOCK, n)
            row.note += f", {per_call:g} API requests per call"
            if row.limit_ms and per_call > 0:
                row.limit_ms *= per_call  # the tool's requests run one after another
        if ref is not None and ref.latencies_ms:
            ref.n = len(ref.latencies_ms)
            ref.wall_s = sum(ref.latencies_ms) / 1000
            path, _params, _headers, _family = REFERENCE_GET[name]
            ref.note = f"GET {path}, the request {name} makes, interleaved with the tool calls"
            ref.http_version = "HTTP/2"
            ref.statuses = {"ok": ref.n}
        row.dns_lookups = dns.reset() if dns is not None else 0
        row.http_version = "HTTP/2"
    return row

"""Scenario d: the same small GET as an MCP tool call, in memory and over stdio.

The tool is chosen from what the server offers, preferring one that performs exactly the
scenario's GET: `property-get` for a property, `contract-list` for the contracts list, else
`network-diagnostics` (no Akamai request at all: then the row measures MCP plus the tool's own
work, and says so). The server is alecs' real one (`build_server`), with the benchmark's
transport settings; "in memory" runs it in this process (`mcp.Client(server)`), "stdio" in a
child process (`tools.bench.mcp_child`) that the SDK's client starts.
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
PREFERRED = ("property-get", "contract-list", "group-list", "network-diagnostics")
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
) -> Row:
    with tempfile.TemporaryDirectory(prefix="alecs-bench-mcp-") as tmp:
        edgerc = write_edgerc(creds, Path(tmp))
        return asyncio.run(
            _run(row, mode, target, edgerc, creds.section, n, budget_s, proxy, dns, Path(tmp))
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
) -> Row:
    import mcp

    from tools.bench.contenders import transport_settings

    pid_file = tmp / "server.pid"
    if mode == "memory":
        from alecs.server import build_server

        source: Any = build_server(
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
        before = target.api_requests() if target.api_requests else None
        child_pid = int(pid_file.read_text()) if pid_file.exists() else None
        child0 = _proc_cpu(child_pid)
        cpu0 = time.process_time()
        start = time.perf_counter()
        deadline = start + budget_s
        for _ in range(n):
            t0 = time.perf_counter()
            result = await client.call_tool(name, args)
            t1 = time.perf_counter()
            row.latencies_ms.append(1000 * (t1 - t0))
            key = "error" if result.is_error else "ok"
            row.statuses[key] = row.statuses.get(key, 0) + 1
            row.errors += bool(result.is_error)
            if t1 > deadline:
                row.truncated = True
                break
        row.wall_s = time.perf_counter() - start
        row.cpu_s = time.process_time() - cpu0
        child1 = _proc_cpu(child_pid)
        if child0 is not None and child1 is not None:
            row.cpu_s += child1 - child0
            row.cpu_note = "client + server processes"
        elif mode == "stdio":
            row.cpu_note = "client process only"
        row.n = len(row.latencies_ms)
        if before is not None and row.n:
            per_call = (target.api_requests() - before) / row.n
            row.note += f", {per_call:g} API requests per call"
            if row.limit_ms and per_call > 0:
                row.limit_ms *= per_call  # the tool's requests run one after another
        stats = proxy.reset()
        row.connections = int(stats.get("connections", 0))
        row.bytes_rx = int(stats.get("bytes_down", 0))
        row.dns_lookups = dns.reset() if dns is not None else 0
        row.http_version = "HTTP/2"
    return row

"""MCP overhead per tool call, measured in one process against the sandbox:

    python -m tools.bench.mcp_overhead [--calls 300] [--tool group-list] [--profile] [--top 30]

The alecs server (`build_server`, the benchmark's transport settings) runs in memory
(`mcp.Client(server)`), the sandbox in a child process. Interleaved, in blocks, it times:

- `tool`: the tool call through the MCP client (`group-list` makes exactly one API request,
  `GET /papi/v1/groups`; the sandbox's counters check that);
- `service`: the tool's own work without MCP: the service client's call and the output model;
- `get`: the same GET through the server's own Transport (what the tool's request costs).

`tool - get` is the MCP overhead plus the tool's own work; `tool - service` is MCP alone.
`--profile` runs the tool calls again under cProfile and prints the time by package and the
top functions, to show which part is alecs' and which the SDK's.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

PACKAGES = [
    ("mcp", "/mcp/"),
    ("mcp_types", "/mcp_types/"),
    ("pydantic", "/pydantic/"),
    ("pydantic_core", "pydantic_core"),
    ("jsonschema", "/jsonschema"),
    ("referencing", "/referencing/"),
    ("anyio", "/anyio/"),
    ("alecs.tools", "alecs/tools/"),
    ("alecs.server", "alecs/server.py"),
    ("alecs.akamai", "alecs/akamai/"),
    ("alecs.transport", "alecs/transport/"),
    ("httpx2/httpcore2/h2/hpack", "/h"),
    ("json", "/json/"),
    ("asyncio", "/asyncio/"),
    ("logging", "/logging/"),
    ("typing/inspect", "typing.py"),
]


def package_of(filename: str) -> str:
    for name, needle in PACKAGES:
        if needle in filename:
            if needle == "/h" and not any(
                p in filename for p in ("httpx2", "httpcore2", "/h2/", "hpack", "hyperframe")
            ):
                continue
            return name
    if filename.startswith("~") or filename == "<built-in>":
        return "builtins (C)"
    return "other"


def _p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


async def measure(
    target: Any,
    edgerc: Path,
    section: str,
    tool: str,
    calls: int,
    profile: bool,
    top: int,
    save: Path | None = None,
) -> None:
    import mcp

    from alecs.akamai.papi import PapiClient
    from alecs.server import build_server
    from tools.bench.contenders import transport_settings

    server = build_server(
        toolsets="all",
        section=section,
        edgerc=str(edgerc),
        transport_settings=transport_settings(http2=True),
        log_level="WARNING",
    )
    async with mcp.Client(server) as client:
        first = await client.call_tool(tool, {})
        if first.is_error:
            raise SystemExit(f"{tool} failed: {first.content}")
        state = server.runtime.state
        assert state is not None
        transport = state.transport
        papi = PapiClient(transport, section)

        async def via_tool() -> None:
            result = await client.call_tool(tool, {})
            assert not result.is_error

        async def via_service() -> None:
            from alecs.tools.papi import GroupList

            fresh = PapiClient(transport, section)
            GroupList(groups=await fresh.list_groups()).model_dump(mode="json", by_alias=True)

        async def via_transport() -> None:
            response = await transport.request(
                section,
                "GET",
                "/papi/v1/groups",
                params={},
                headers={"PAPI-Use-Prefixes": "true"},
                api_family="papi",
            )
            response.json()

        kinds = {"tool": via_tool, "service": via_service, "get": via_transport}
        for fn in kinds.values():  # warm every path
            for _ in range(5):
                await fn()
        before = target.api_requests() if target.api_requests else None
        for _ in range(20):
            await via_tool()
        if before is not None:
            per_call = (target.api_requests() - before) / 20
            print(f"{tool}: {per_call:g} API request(s) per call (sandbox counters)")
        lat: dict[str, list[float]] = {k: [] for k in kinds}
        cpu: dict[str, float] = dict.fromkeys(kinds, 0.0)
        block = 10
        for _ in range(max(1, calls // block)):
            for name, fn in kinds.items():
                c0 = time.process_time()
                for _ in range(block):
                    t0 = time.perf_counter()
                    await fn()
                    lat[name].append(1000 * (time.perf_counter() - t0))
                cpu[name] += time.process_time() - c0
        n = len(lat["tool"])
        print(f"{n} calls each, interleaved in blocks of {block}; ms")
        print("| path | p50 | p95 | max | mean | CPU per call |")
        print("|---|---|---|---|---|---|")
        for name in kinds:
            ordered = sorted(lat[name])
            print(
                f"| {name} | {_p50(ordered):.3f} | {ordered[int(0.95 * (n - 1))]:.3f} | "
                f"{ordered[-1]:.3f} | {statistics.fmean(ordered):.3f} | "
                f"{1000 * cpu[name] / n:.3f} |"
            )
        health = transport.health().totals
        if health.retries:
            print(
                f"note: {health.retries} retried attempt(s), {health.errors} error(s): the "
                "sandbox closes an HTTP/2 connection after 1,000 requests, leaving the last one "
                "unanswered"
            )
        print(
            f"MCP overhead + tool's own work (tool - get), p50: "
            f"{_p50(lat['tool']) - _p50(lat['get']):.3f} ms; "
            f"MCP alone (tool - service): {_p50(lat['tool']) - _p50(lat['service']):.3f} ms"
        )
        del papi
        if profile:
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(calls):
                await via_tool()
            prof.disable()
            stats = pstats.Stats(prof)
            if save is not None:
                stats.dump_stats(str(save))
            split: dict[str, float] = defaultdict(float)
            for (filename, _l, _f), (_cc, _nc, tt, _ct, _c) in stats.stats.items():  # type: ignore[attr-defined]
                split[package_of(filename)] += tt
            total = sum(split.values())
            print("\nown time by package under cProfile (tool calls only):")
            for pkg, tt in sorted(split.items(), key=lambda kv: -kv[1]):
                print(f"  {pkg:<28} {100 * tt / total:5.1f}%  {1e6 * tt / calls:8.1f} us/call")
            stats.sort_stats("cumulative").print_stats(top)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--calls", type=int, default=300)
    p.add_argument("--tool", default="group-list")
    p.add_argument("--profile", action="store_true")
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--save", type=Path, help="write the raw profile here")
    args = p.parse_args(argv)

    from tools.bench.mcp_bench import write_edgerc
    from tools.bench.targets import start_sandbox

    target = start_sandbox()
    try:
        with tempfile.TemporaryDirectory(prefix="alecs-mcp-overhead-") as tmp:
            edgerc = write_edgerc(target.creds, Path(tmp))
            asyncio.run(
                measure(
                    target,
                    edgerc,
                    target.creds.section,
                    args.tool,
                    args.calls,
                    args.profile,
                    args.top,
                    args.save,
                )
            )
    finally:
        target.stop()


if __name__ == "__main__":
    main()

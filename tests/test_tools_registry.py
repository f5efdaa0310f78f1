"""The tool registry: one list of module-level tools, filtered by toolset and --read-only.

Hidden tools answer a tool error saying why (through a real in-memory `mcp.Client`, both
protocol generations) and send nothing to the sandbox; `alecs tools --toolsets` lists only the
chosen toolsets and an unknown toolset is a usage error (exit 2).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from alecs.server import build_server
from alecs.tools import TOOL_MODULES, all_tools
from alecs.tools.registry import Registry, ToolSpec
from alecs.tools.toolsets import (
    DEFAULT_TOOLSETS,
    TOOLSETS,
    UnknownToolsetError,
    parse_toolsets,
)

MODES = ["legacy", "auto"]
TOOLS_DIR = Path(__file__).resolve().parents[1] / "alecs" / "tools"
ALECS = [sys.executable, "-m", "alecs"]
ACTIVATIONS = "POST /papi/v1/properties/{propertyId}/activations"
PROPERTIES = "GET /papi/v1/properties"


def clean_env(**extra: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALECS_", "AKAMAI_"))}
    env.update(extra)
    return env


# --------------------------------------------------------------------------- the list


def test_every_tool_belongs_to_exactly_one_known_toolset() -> None:
    specs = all_tools()
    names = [s.name for s in specs]
    assert len(names) == len(set(names)), "a tool name is declared twice"
    assert len(specs) >= 45
    for spec in specs:
        assert isinstance(spec, ToolSpec)
        assert spec.toolset in TOOLSETS, f"{spec.name}: toolset {spec.toolset!r}"
        assert spec.writes == (spec.kind != "read"), spec.name
        assert spec.annotations.read_only_hint is (not spec.writes), spec.name
        if spec.kind == "destructive":
            assert spec.confirms, f"{spec.name}: destructive without confirmation"
    used = {s.toolset for s in specs}
    assert used == set(TOOLSETS), f"toolsets without tools: {set(TOOLSETS) - used}"
    by_set = {ts: {s.name for s in specs if s.toolset == ts} for ts in TOOLSETS}
    assert "property-activate" in by_set["papi"] and "dns-record-upsert" in by_set["dns"]
    assert by_set["diagnostics"] == {"network-diagnostics"}


def _decorated_tools(tree: ast.Module) -> tuple[list[str], list[str]]:
    """(names of module-level tools, names of tools declared anywhere else)."""

    def is_tool(decorator: ast.expr) -> bool:
        call = decorator.func if isinstance(decorator, ast.Call) else decorator
        return (isinstance(call, ast.Name) and call.id == "tool") or (
            isinstance(call, ast.Attribute) and call.attr == "tool"
        )

    top = [
        node.name
        for node in tree.body
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef)
        and any(is_tool(d) for d in node.decorator_list)
    ]
    nested: list[str] = []
    for outer in ast.walk(tree):
        if not isinstance(outer, ast.AsyncFunctionDef | ast.FunctionDef | ast.ClassDef):
            continue
        for node in ast.walk(outer):
            if node is outer or not isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef):
                continue
            if any(is_tool(d) for d in node.decorator_list):
                nested.append(f"{outer.name}.{node.name}")
    return top, nested


def test_no_tool_is_defined_inside_another_function() -> None:
    top_level: list[str] = []
    for path in sorted(TOOLS_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        top, nested = _decorated_tools(tree)
        assert nested == [], f"{path}: tools defined inside functions: {nested}"
        assert "ToolRegistrar" not in path.read_text(), path
        top_level += top
    # Every registered tool is one of those module-level functions, and vice versa.
    registered = sorted(s.fn.__name__ for s in all_tools())
    assert registered == sorted(top_level)
    for spec in all_tools():
        assert "<locals>" not in spec.fn.__qualname__, spec.name
        assert spec.module.startswith(tuple(TOOL_MODULES)), spec.module


def test_the_registry_refuses_nested_tools_and_unknown_toolsets() -> None:
    from alecs.tools.registry import tool

    with pytest.raises(TypeError, match="module level"):

        @tool("nested-thing-get", toolset="papi", title="x")
        async def nested() -> None:
            """x"""

    with pytest.raises(ValueError, match="unknown toolset 'nope'"):
        Registry().tool("thing-get", toolset="nope", title="x")

    own = Registry()

    @own.tool("thing-get", toolset="dns", title="x")
    async def first() -> None:
        """x"""

    with pytest.raises(ValueError, match="declared twice"):

        @own.tool("thing-get", toolset="dns", title="x")
        async def second() -> None:
            """x"""


def test_parse_toolsets() -> None:
    assert parse_toolsets(None) == frozenset(DEFAULT_TOOLSETS)
    assert parse_toolsets("papi, DNS") == {"papi", "dns"}
    assert parse_toolsets("all") == frozenset(TOOLSETS)
    assert parse_toolsets(["dns", "all"]) == frozenset(TOOLSETS)
    with pytest.raises(UnknownToolsetError) as info:
        parse_toolsets("papi,dsn")
    message = str(info.value)
    assert "'dsn'" in message and all(name in message for name in [*TOOLSETS, "all"])
    with pytest.raises(UnknownToolsetError, match="no toolset given"):
        parse_toolsets(" , ")


# --------------------------------------------------------------------------- filtering


async def _listed(server: Any, mode: str) -> list[Any]:
    async with Client(server, mode=mode) as client:
        return (await client.list_tools()).tools


@pytest.mark.parametrize("mode", MODES)
async def test_toolsets_filter_the_tool_list(sandbox: Any, mode: str) -> None:
    specs = {s.name: s for s in all_tools()}
    server = build_server(
        edgerc=sandbox.edgerc_path, section="sandbox", toolsets="dns,purge", warm_up=False
    )
    names = {t.name for t in await _listed(server, mode)}
    assert names == {n for n, s in specs.items() if s.toolset in ("dns", "purge")}

    everything = build_server(
        edgerc=sandbox.edgerc_path, section="sandbox", toolsets="all", warm_up=False
    )
    assert {t.name for t in await _listed(everything, mode)} == set(specs)

    default = build_server(edgerc=sandbox.edgerc_path, section="sandbox", warm_up=False)
    expected = {n for n, s in specs.items() if s.toolset in DEFAULT_TOOLSETS}
    assert {t.name for t in await _listed(default, mode)} == expected


@pytest.mark.parametrize("mode", MODES)
async def test_read_only_filters_every_write_tool(sandbox: Any, mode: str) -> None:
    specs = {s.name: s for s in all_tools()}
    server = build_server(
        toolsets="all", edgerc=sandbox.edgerc_path, section="sandbox", read_only=True, warm_up=False
    )
    listed = await _listed(server, mode)
    assert {t.name for t in listed} == {n for n, s in specs.items() if not s.writes}
    assert all(t.annotations and t.annotations.read_only_hint for t in listed)


def test_an_unknown_toolset_is_refused_by_build_server() -> None:
    with pytest.raises(ValueError, match="unknown toolset 'bogus'"):
        build_server(sandbox=True, toolsets="papi,bogus", warm_up=False)


@pytest.mark.parametrize("mode", MODES)
async def test_a_write_tool_under_read_only_says_so(fresh_sandbox: Any, mode: str) -> None:
    server = build_server(
        toolsets="all",
        edgerc=fresh_sandbox.edgerc_path,
        section="sandbox",
        read_only=True,
        warm_up=False,
    )
    arguments = {"property_id": "prp_600001", "version": 1, "network": "STAGING"}
    async with Client(server, mode=mode) as client:
        result = await client.call_tool("property-activate", arguments)
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert "property-activate changes things and this server runs --read-only" in text
    assert "Unknown tool" not in text
    error = (result.meta or {})["alecs/error"]
    assert error["error"] == "ToolNotEnabled" and error["writes"] is True
    assert fresh_sandbox.admin.route_count(ACTIVATIONS) == 0
    assert fresh_sandbox.admin.writes() == 0


@pytest.mark.parametrize("mode", MODES)
async def test_a_tool_of_a_disabled_toolset_says_which_to_enable(
    fresh_sandbox: Any, mode: str
) -> None:
    server = build_server(
        edgerc=fresh_sandbox.edgerc_path, section="sandbox", toolsets="dns", warm_up=False
    )
    async with Client(server, mode=mode) as client:
        result = await client.call_tool("property-list", {})
        unknown = await client.call_tool("no-such-tool", {})
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert (
        "property-list is in toolset papi, which is not enabled; "
        "start alecs with --toolsets papi or all" in text
    )
    error = (result.meta or {})["alecs/error"]
    assert error["toolset"] == "papi" and error["tool"] == "property-list"
    assert fresh_sandbox.admin.route_count(PROPERTIES) == 0
    # A name no toolset has is still the SDK's unknown tool.
    assert unknown.is_error and "Unknown tool" in unknown.content[0].text  # type: ignore[union-attr]


# --------------------------------------------------------------------------- the command


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ALECS, *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(**env),
        check=False,
    )


def test_cli_tools_honours_toolsets() -> None:
    dns = {s.name for s in all_tools() if s.toolset == "dns"}
    listed = _run("tools", "--toolsets", "dns", "--json")
    assert listed.returncode == 0, listed.stderr
    tools = json.loads(listed.stdout)
    assert {t["name"] for t in tools} == dns
    assert {t["toolset"] for t in tools} == {"dns"}

    from_env = _run("tools", "--json", ALECS_TOOLSETS="purge")
    assert from_env.returncode == 0, from_env.stderr
    assert {t["toolset"] for t in json.loads(from_env.stdout)} == {"purge"}

    bad = _run("tools", "--toolsets", "dns,bogus", "--json")
    assert bad.returncode == 2 and bad.stdout == ""
    assert "unknown toolset 'bogus'" in bad.stderr
    assert "valid toolsets: " + ", ".join([*TOOLSETS, "all"]) in bad.stderr

    bad_env = _run("tools", ALECS_TOOLSETS="nope")
    assert bad_env.returncode == 2 and "unknown toolset 'nope'" in bad_env.stderr


def test_cli_call_honours_toolsets() -> None:
    hidden = _run("call", "network-diagnostics", "--sandbox", "--toolsets", "dns")
    assert hidden.returncode == 1
    assert "network-diagnostics is in toolset diagnostics, which is not enabled" in hidden.stderr
    bad = _run("call", "network-diagnostics", "--sandbox", "--toolsets", "bogus")
    assert bad.returncode == 2 and "unknown toolset 'bogus'" in bad.stderr


# --------------------------------------------------------------------------- paging


async def test_every_paged_tool_uses_limit_offset_and_page() -> None:
    server = build_server(sandbox=True, toolsets="all", warm_up=False)
    paged = []
    for t in await server.list_tools():
        props = t.input_schema.get("properties", {})
        assert "page" not in props and "page_size" not in props, t.name
        if "offset" in props:
            paged.append(t.name)
            assert "limit" in props, t.name
            out = (t.output_schema or {}).get("properties", {})
            assert {"total", "offset", "next_offset"} <= set(out), t.name
    assert {
        "property-list",
        "edge-hostname-list",
        "cpcode-list",
        "dns-zone-list",
        "dns-record-list",
    } <= set(paged)


async def test_dns_window_maps_offset_and_limit_onto_edge_dns_pages() -> None:
    from alecs.akamai.edgedns import window

    items = list(range(12))
    asked: list[tuple[int, int]] = []

    async def fetch(page: int, size: int) -> tuple[list[int], int]:
        asked.append((page, size))
        return items[(page - 1) * size : page * size], len(items)

    assert await window(fetch, offset=5, limit=5) == ([5, 6, 7, 8, 9], 12)
    assert asked == [(2, 5)]  # a multiple of the limit: one request
    asked.clear()
    assert await window(fetch, offset=3, limit=5) == ([3, 4, 5, 6, 7], 12)
    assert asked == [(1, 5), (2, 5)]
    asked.clear()
    assert await window(fetch, offset=10, limit=5) == ([10, 11], 12)
    assert asked == [(3, 5)]
    assert await window(fetch, offset=40, limit=5) == ([], 12)

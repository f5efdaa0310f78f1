"""The default tool list fits the context budget and reaches every API through the catalog.

Measured as a client sees it: tools/list through a real in-memory mcp.Client, each tool's
model-visible definition (name, title, description, inputSchema, annotations) as JSON.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from pydantic_core import to_json

from alecs.server import build_server
from alecs.tools import all_tools
from alecs.tools.toolsets import DEFAULT_TOOLSETS, TOOLSETS

BUDGET = 40_000
MODES = ["legacy", "auto"]
README = Path(__file__).resolve().parent.parent / "README.md"
CATALOG_TOOLS = {"api-search", "api-describe", "api-read", "api-call"}


def visible_bytes(tool: Any) -> int:
    wire = tool.model_dump(mode="json", by_alias=True, exclude_none=True)
    keep = {k: wire[k] for k in ("name", "title", "description", "inputSchema", "annotations")}
    return len(to_json(keep))


async def _tools(mode: str, **kw: Any) -> list[Any]:
    warnings.filterwarnings("ignore", category=UserWarning)
    server = build_server(sandbox=True, warm_up=False, **kw)
    async with Client(server, mode=mode) as client:
        return (await client.list_tools()).tools


@pytest.mark.parametrize("mode", MODES)
async def test_default_tool_list_fits_the_budget_and_includes_the_catalog(mode: str) -> None:
    tools = await _tools(mode)
    names = {t.name for t in tools}
    assert CATALOG_TOOLS <= names
    assert "catalog" in DEFAULT_TOOLSETS
    total = sum(visible_bytes(t) for t in tools)
    assert total <= BUDGET, f"default tools/list is {total} bytes (budget {BUDGET})"


async def test_all_offers_every_curated_tool() -> None:
    names = {t.name for t in await _tools("legacy", toolsets="all")}
    assert names == {s.name for s in all_tools()}
    curated = {s.name for s in all_tools() if s.toolset != "catalog"}
    assert len(curated) >= 45 and curated <= names


def test_readme_lists_every_toolset_with_its_size() -> None:
    text = README.read_text()
    rows = dict(re.findall(r"^\| ([a-z]+) \| .*?\| ([\d,]+) bytes \|", text, flags=re.M))
    assert set(rows) == set(TOOLSETS), sorted(rows)

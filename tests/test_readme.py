"""The README tells the truth about the tools and the two commands it shows first."""

from __future__ import annotations

import re
from pathlib import Path

from alecs.server import build_server

README = Path(__file__).resolve().parent.parent / "README.md"


async def test_readme_lists_every_tool_with_one_line() -> None:
    server = build_server(sandbox=True, read_only=False, toolsets="all")
    names = {tool.name for tool in await server.list_tools()}
    text = README.read_text()
    listed = re.findall(r"^\| `([a-z0-9-]+)` \| .+ \|$", text, flags=re.MULTILINE)
    assert names, "the server registered no tools"
    missing = sorted(names - set(listed))
    unknown = sorted(set(listed) - names)
    assert not missing, f"tools missing from the README's table: {missing}"
    assert not unknown, f"README lists tools the server does not have: {unknown}"
    assert len(listed) == len(set(listed)), "a tool is listed twice"


def test_readme_shows_make_run_and_make_test_first() -> None:
    text = README.read_text()
    first_block = text.split("```sh", 1)[1].split("```", 1)[0]
    assert "make run" in first_block and "make test" in first_block

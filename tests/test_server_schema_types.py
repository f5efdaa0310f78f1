"""Every tool's input and output schema types each property with one `type` per schema (or
`anyOf` branches), as strict MCP clients and single-type dialects require."""

from __future__ import annotations

from typing import Any

from alecs.server import build_server

TYPED = ("type", "$ref", "anyOf", "oneOf", "allOf", "enum", "const")


def untyped_properties(schema: Any, where: str) -> list[str]:
    found: list[str] = []
    if isinstance(schema, dict):
        for name, prop in (schema.get("properties") or {}).items():
            if isinstance(prop, dict) and not any(key in prop for key in TYPED):
                found.append(f"{where}.{name}")
        if isinstance(schema.get("type"), list):
            found.append(f"{where}: type is a list {schema['type']}")
        for key, value in schema.items():
            found += untyped_properties(value, f"{where}.{key}")
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            found += untyped_properties(value, f"{where}[{i}]")
    return found


async def test_no_tool_schema_has_an_untyped_property() -> None:
    server = build_server(toolsets="all", sandbox=True, read_only=False)
    problems: list[str] = []
    for tool in await server.list_tools():
        problems += untyped_properties(tool.input_schema, f"{tool.name} input")
        problems += untyped_properties(tool.output_schema or {}, f"{tool.name} output")
    assert not problems, problems

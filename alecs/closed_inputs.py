"""Closed tool inputs: an argument a tool does not have is an error, never silently dropped.

The MCP SDK validates arguments with a pydantic model built from the tool's signature, and that
model ignores unknown keys, so `netwrok=STAGING` used to run the purge on PRODUCTION. The
server checks every call's keys first (`check_arguments`) and publishes schemas that say so
(`close_schema`: `additionalProperties: false`):

- a key that is a parameter passes;
- a camelCase (or dashed) spelling of a parameter is taken as that parameter
  (`propertyId` -> `property_id`, what models often send); given together with the
  snake_case key and a different value it is an error;
- any other key raises `UnknownArguments`, naming it and the closest parameters ("`netwrok`
  is not an argument of purge-invalidate; did you mean `network`?"), before anything runs.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def snake_case(name: str) -> str:
    """`propertyId` -> `property_id`, `contractID` -> `contract_id`, `page-size` -> `page_size`."""
    return _CAMEL.sub("_", name.strip()).replace("-", "_").lower()


class UnknownArguments(ValueError):
    """Keys a tool does not take; the message names each one with the closest parameters."""

    def __init__(self, tool: str, problems: list[tuple[str, list[str]]], names: list[str]):
        self.tool = tool
        self.problems = problems
        self.names = names
        parts = []
        for key, close in problems:
            hint = "; did you mean " + " or ".join(f"`{c}`" for c in close) + "?" if close else "."
            parts.append(f"`{key}` is not an argument of {tool}{hint}")
        self.sentence = " ".join(parts)
        super().__init__(self.sentence)

    @property
    def fields(self) -> list[str]:
        return [key for key, _ in self.problems]

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": "UnknownArguments",
            "tool": self.tool,
            "unknown": [{"field": key, "did_you_mean": close} for key, close in self.problems],
            "arguments": self.names,
        }


class ConflictingArguments(ValueError):
    """The same parameter given twice (`propertyId` and `property_id`) with different values."""

    def __init__(self, tool: str, name: str, alias: str) -> None:
        self.tool = tool
        self.name = name
        self.alias = alias
        super().__init__(
            f"`{alias}` and `{name}` are the same argument of {tool}, given two different values"
        )


def closest(key: str, names: Iterable[str], n: int = 2) -> list[str]:
    """The parameters nearest to `key` (spelling, plural/singular, camelCase)."""
    names = list(names)
    wanted = snake_case(key)
    found = difflib.get_close_matches(wanted, names, n=n, cutoff=0.6)
    if not found:
        found = [name for name in names if wanted in name or name in wanted][:n]
    return found


def check_arguments(
    tool: str, arguments: Mapping[str, Any], names: Iterable[str]
) -> dict[str, Any]:
    """`arguments` with aliases renamed to the parameter names; raises `UnknownArguments` for
    keys the tool does not take and `ConflictingArguments` for one given twice differently."""
    allowed = list(names)
    known = set(allowed)
    out: dict[str, Any] = {}
    aliased: dict[str, str] = {}
    problems: list[tuple[str, list[str]]] = []
    for key, value in arguments.items():
        if key in known:
            if key in aliased and out[key] != value:
                raise ConflictingArguments(tool, key, aliased[key])
            out[key] = value
            continue
        name = snake_case(key)
        if name in known:
            if name in out and out[name] != value:
                raise ConflictingArguments(tool, name, key)
            out.setdefault(name, value)
            aliased[name] = key
            continue
        problems.append((key, closest(key, allowed)))
    if problems:
        raise UnknownArguments(tool, problems, allowed)
    return out


def close_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The tool's input schema, closed: `additionalProperties: false` (in place; returned)."""
    schema["additionalProperties"] = False
    return schema

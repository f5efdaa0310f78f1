"""MCP tools: one module per service (or resource), each tool a module-level ``async def``
declared with ``@tool(name, toolset=..., kind=...)`` (:mod:`alecs.tools.registry`).

Importing a tool module records its tools in :data:`alecs.tools.registry.REGISTRY`; nothing is
put on a server then. ``alecs.server.build_server`` takes :func:`all_tools` and installs the
ones of the enabled toolsets (:mod:`alecs.tools.toolsets`), leaving write tools out with
``--read-only``. To add a tool: one decorated function in its module. To add a module: list it
in :data:`TOOL_MODULES` (a new toolset also goes in ``toolsets.TOOLSETS``). Conventions
(arguments, errors, confirmation, progress, results) are re-exported by
:mod:`alecs.tools._common`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alecs.tools.registry import ToolSpec

TOOL_MODULES: list[str] = [
    "alecs.tools.diagnostics",
    "alecs.tools.papi.account",
    "alecs.tools.papi.properties",
    "alecs.tools.papi.versions",
    "alecs.tools.papi.rules",
    "alecs.tools.papi.rule_formats",
    "alecs.tools.papi.hostnames",
    "alecs.tools.papi.activations",
    "alecs.tools.papi.edge_hostnames",
    "alecs.tools.papi.cpcodes",
    "alecs.tools.purge",
    "alecs.tools.netlists",
    "alecs.tools.edgedns",
    "alecs.tools.dns_zonefile",
    "alecs.tools.cps",
    "alecs.tools.catalog",
]


def all_tools() -> list[ToolSpec]:
    """Every alecs tool, its module imported (listing order: :data:`TOOL_MODULES` order)."""
    from alecs.tools.registry import REGISTRY

    for name in TOOL_MODULES:
        importlib.import_module(name)
    order = {name: i for i, name in enumerate(TOOL_MODULES)}
    return sorted(REGISTRY.specs(), key=lambda spec: order.get(spec.module, len(order)))

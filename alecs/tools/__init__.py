"""MCP tools: one module (or package) per service, each tool a module-level ``async def``
declared with ``@tool(name, toolset=..., kind=...)`` (:mod:`alecs.tools.registry`).

Importing a tool module records its tools in :data:`alecs.tools.registry.REGISTRY`; nothing is
put on a server then. ``alecs.server.build_server`` takes :func:`all_tools` and installs the
ones of the enabled toolsets (:mod:`alecs.tools.toolsets`), leaving write tools out with
``--read-only``. To add a tool: one decorated function in the service's module. To add a
service: a new module here, appended to :data:`TOOL_MODULES`, and its toolset in
``toolsets.TOOLSETS``. Conventions (arguments, errors, confirmation, progress, results) are
re-exported by :mod:`alecs.tools._common`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alecs.tools.registry import ToolSpec

TOOL_MODULES: list[str] = [
    "alecs.tools.diagnostics",
    "alecs.tools.papi",
    "alecs.tools.purge",
    "alecs.tools.netlists",
    "alecs.tools.edgedns",
    "alecs.tools.cps",
]


def all_tools() -> list[ToolSpec]:
    """Every alecs tool, its module imported (listing order: :data:`TOOL_MODULES` order)."""
    from alecs.tools.registry import REGISTRY

    for name in TOOL_MODULES:
        importlib.import_module(name)
    order = {name: i for i, name in enumerate(TOOL_MODULES)}

    def rank(spec: ToolSpec) -> int:
        module = spec.module
        while module not in order and "." in module:
            module = module.rsplit(".", 1)[0]
        return order.get(module, len(order))

    return sorted(REGISTRY.specs(), key=rank)

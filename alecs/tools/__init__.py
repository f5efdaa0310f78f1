"""MCP tools: one module per service, each with ``register(server, *, read_only)``.

To add a service, append its module path to ``TOOL_MODULES``. Conventions (names, ``customer``,
``account_switch_key``, annotations, outputs, errors, confirmation, progress) live in
``alecs/tools/_common.py``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcp.server import MCPServer

TOOL_MODULES: list[str] = [
    "alecs.tools.diagnostics",
    "alecs.tools.papi",
    "alecs.tools.purge",
    "alecs.tools.netlists",
    "alecs.tools.edgedns",
    "alecs.tools.cps",
]


def register_all(server: MCPServer, *, read_only: bool) -> None:
    """Register every tool module's tools on ``server`` (write tools left out if read-only)."""
    for name in TOOL_MODULES:
        importlib.import_module(name).register(server, read_only=read_only)

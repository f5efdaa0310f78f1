"""Everything a tool module needs, importable from one place.

The conventions live in small modules with one job each; this module re-exports them:

- :mod:`alecs.tools.registry`: the ``@tool(...)`` decorator, :class:`ToolSpec`, ``install``,
  the wrapper that turns results and errors into MCP results;
- :mod:`alecs.tools.args`: ``Customer``, ``AccountSwitchKey``, ``ConfirmArg`` and the other shared
  argument types, lenient validators, :func:`normalize_id`;
- :mod:`alecs.tools.context`: :class:`AppState`, ``Ctx``, :func:`resolve_section`,
  :func:`service`;
- :mod:`alecs.tools.errors`: :class:`InputError` and the ``isError`` results of Akamai errors;
- :mod:`alecs.tools.results`: :class:`ToolOutput`, :class:`Page`, :func:`to_result`;
- :mod:`alecs.tools.confirm`: :func:`confirmation` and :class:`Confirmed`;
- :mod:`alecs.tools.progress`: :class:`Progress` and :func:`poll`.
"""

from __future__ import annotations

from alecs.tools.args import (
    AccountSwitchKey,
    ConfirmArg,
    ContractArg,
    Customer,
    GroupArg,
    IdText,
    Limit,
    NetworkArg,
    Offset,
    as_list,
    int_as_text,
    normalize_id,
    upper_text,
)
from alecs.tools.confirm import Confirmed, ConfirmForm, confirmation, uses_confirmation
from alecs.tools.context import AppState, Ctx, app_state, resolve_section, service
from alecs.tools.errors import (
    META_ERROR,
    ErrorMap,
    InputError,
    error_details,
    error_result,
    error_text,
)
from alecs.tools.progress import PollOutcome, Progress, poll
from alecs.tools.registry import (
    MAX_TOOL_NAME,
    REGISTRY,
    TOOL_NAME,
    Registry,
    ToolKind,
    ToolSpec,
    check_tool_name,
    install,
    tool,
    tool_annotations,
    wrap_tool,
)
from alecs.tools.results import Page, ToolOutput, next_offset, page_of, to_result

__all__ = [
    "MAX_TOOL_NAME",
    "META_ERROR",
    "REGISTRY",
    "TOOL_NAME",
    "AccountSwitchKey",
    "AppState",
    "ConfirmArg",
    "ConfirmForm",
    "Confirmed",
    "ContractArg",
    "Ctx",
    "Customer",
    "ErrorMap",
    "GroupArg",
    "IdText",
    "InputError",
    "Limit",
    "NetworkArg",
    "Offset",
    "Page",
    "PollOutcome",
    "Progress",
    "Registry",
    "ToolKind",
    "ToolOutput",
    "ToolSpec",
    "app_state",
    "as_list",
    "check_tool_name",
    "confirmation",
    "error_details",
    "error_result",
    "error_text",
    "install",
    "int_as_text",
    "next_offset",
    "normalize_id",
    "page_of",
    "poll",
    "resolve_section",
    "service",
    "to_result",
    "tool",
    "tool_annotations",
    "upper_text",
    "uses_confirmation",
    "wrap_tool",
]

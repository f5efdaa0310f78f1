"""Tool errors: bad input found inside a tool, and Akamai/transport errors as ``isError`` results.

An ``AlecsError`` (``AkamaiApiError`` etc.) escaping a tool becomes an ``isError`` result whose
text starts with status, title and detail and whose ``_meta["alecs/error"]`` holds the fields.
For bad input found inside a tool, ``raise InputError("field", "what is wrong",
allowed="what is allowed")``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent

from alecs.transport.errors import (
    AkamaiApiError,
    AlecsError,
    AmbiguousWriteError,
    CircuitOpenError,
    DeadlineExceededError,
    RateLimitedError,
    TransportError,
)

META_ERROR = "alecs/error"

ErrorMap = Mapping[type[Exception], Callable[[Any], ToolError]]
"""Exception type -> the tool error it becomes (a module's ``TOOL_ERRORS``)."""


class InputError(ToolError):
    """Bad tool input found inside a tool: names the field and what is allowed."""

    def __init__(self, field_name: str, problem: str, *, allowed: str | list[str] | None = None):
        self.field = field_name
        self.problem = problem
        if isinstance(allowed, list):
            allowed = ", ".join(allowed) if allowed else "none configured"
        self.allowed = allowed
        message = f"Invalid value for `{field_name}`: {problem}"
        if allowed:
            message += f". Allowed: {allowed}"
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": "InvalidInput",
            "field": self.field,
            "message": self.problem,
            "allowed": self.allowed,
        }


def error_details(exc: AlecsError | InputError) -> dict[str, Any]:
    """The structured part of a tool error (no secrets: errors never carry credentials)."""
    details = exc.to_dict()
    if isinstance(exc, AkamaiApiError):
        details["method"] = exc.method or None
        details["path"] = exc.path or None
        if exc.retry_after is not None:
            details["retry_after"] = exc.retry_after
    return details


_ERROR_LABELS: tuple[tuple[type[AlecsError], str], ...] = (
    (CircuitOpenError, "Akamai API paused after repeated failures (circuit open)"),
    (RateLimitedError, "Rate limited"),
    (DeadlineExceededError, "Timed out"),
    (AmbiguousWriteError, "Network error during a write"),
    (TransportError, "Network error"),
)


def error_text(exc: AlecsError) -> str:
    """Readable text of an error: status, title and detail first, as Akamai sent them."""
    if isinstance(exc, AkamaiApiError):
        lines = [f"Akamai API error: status {exc.status}" + (f", {exc.title}" if exc.title else "")]
        if exc.detail:
            lines.append(f"detail: {exc.detail}")
        for err in exc.errors[:10]:
            if isinstance(err, dict):
                text = err.get("detail") or err.get("title") or err.get("type")
                if text:
                    lines.append(f"- {text}")
        if exc.type:
            lines.append(f"type: {exc.type}")
        if exc.method and exc.path:
            lines.append(f"request: {exc.method} {exc.path}")
        if exc.request_id:
            lines.append(f"request id: {exc.request_id}")
        if exc.retry_after is not None:
            lines.append(f"retry after: {exc.retry_after:g} s")
        return "\n".join(lines)
    label = next((text for kind, text in _ERROR_LABELS if isinstance(exc, kind)), "Error")
    return (
        f"{label}: {exc}\nnetwork-diagnostics (probe: true) shows the state of the path to Akamai."
    )


def error_result(exc: AlecsError | InputError) -> CallToolResult:
    """A tool error (``isError``) carrying the error's text and, in ``_meta``, its fields."""
    text = str(exc) if isinstance(exc, InputError) else error_text(exc)
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        is_error=True,
        _meta={META_ERROR: error_details(exc)},
    )


def message_result(text: str, details: dict[str, Any]) -> CallToolResult:
    """A tool error with a plain message and structured ``_meta`` fields."""
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        is_error=True,
        _meta={META_ERROR: details},
    )

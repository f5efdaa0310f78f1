"""Tool results: output models become structured content plus a short readable text.

Every list tool pages the same way: ``limit``/``offset`` arguments (:data:`alecs.tools.args.Limit`,
:data:`alecs.tools.args.Offset`) and an output that extends :class:`Page` (``total``, ``offset``,
``next_offset``), built with :func:`page_of`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, Field
from pydantic_core import to_json

from alecs.akamai.plan import WritePlan

T = TypeVar("T")


class ToolOutput(BaseModel):
    """Base of tool output models: structured content plus a short readable text.

    Override :meth:`summary` (one or a few lines a person can read) and, where useful,
    :meth:`result_meta` (extra ``_meta`` for dashboards and clients).
    """

    def summary(self) -> str:
        return type(self).__name__

    def result_meta(self) -> dict[str, Any] | None:
        return None


class Page(ToolOutput):
    """The paging fields of every list tool's output (the items sit in the subclass)."""

    total: int = Field(description="How many items match, over all pages.")
    offset: int = Field(default=0, description="How many items were skipped.")
    next_offset: int | None = Field(
        default=None, description="Pass as `offset` for the next page; null on the last page."
    )

    def more(self) -> str:
        """`` (more: offset=N)`` when there is a next page, else an empty string."""
        return f" (more: offset={self.next_offset})" if self.next_offset is not None else ""


def next_offset(offset: int, shown: int, total: int) -> int | None:
    """The offset of the next page, or ``None`` when this page is the last."""
    return offset + shown if offset + shown < total else None


def page_of(items: Sequence[T], limit: int, offset: int) -> tuple[list[T], int | None]:
    """One page of an already fetched list: the items shown and the next offset."""
    shown = list(items[offset : offset + limit])
    return shown, next_offset(offset, len(shown), len(items))


def to_result(value: Any) -> Any:
    """Turn a tool's return value into the ``CallToolResult`` the client gets.

    The first text block is the readable summary, the second the JSON of the structured content
    (for clients that ignore ``structuredContent``). That JSON is compact and serialized from
    the already dumped dict by pydantic-core (Rust): indented ``json.dumps`` runs CPython's
    pure-Python encoder, ~25x slower (37 ms for a 300 KB rule tree) and ~40% longer, so more
    tokens for the model to read.
    """
    if not isinstance(value, BaseModel):
        return value
    structured = value.model_dump(mode="json", by_alias=True)
    readable = isinstance(value, ToolOutput | WritePlan)  # a dry run's plan reads like output
    text = value.summary() if readable else type(value).__name__
    meta = value.result_meta() if readable else None
    content = [
        TextContent(type="text", text=text),
        TextContent(type="text", text=to_json(structured).decode()),
    ]
    return CallToolResult(content=content, structured_content=structured, _meta=meta)

"""Dry-run plans: what a write would change, computed from the current state without changing it.

Every write tool answers ``dry_run: true`` with a :class:`WritePlan`: the resolved target, the
changes as a diff against the current state (``changes``: before/after per object), the
state-changing requests a real call would send (``requests``), kind-specific numbers
(``details``: the SOA serial that would follow, the resulting element count, purge requests and
rate-limit tokens, ...), and what Akamai or alecs would object to (``errors``, ``warnings``).
Confirmation questions show the same plan (:meth:`WritePlan.preview`).

Plans are built by the service clients' ``plan_*`` methods, which only read. To make that a
guarantee rather than a convention, :func:`reads_only` marks a block in which the transport
refuses any state-changing request (:class:`DryRunViolation`) before anything is sent; the
tool layer runs every dry run inside it.

The model is shared: ``api-call`` and any other tool with a dry run return the same shape.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from alecs.akamai._base import JsonValue
from alecs.transport.observe import (
    READ_ONLY_POSTS,
    DryRunViolation,
    check_may_send,
    in_dry_run,
    reads_only,
)

ChangeAction = Literal[
    "create",
    "replace",
    "delete",
    "add",
    "remove",
    "repoint",
    "unchanged",
    "activate",
    "deactivate",
    "cancel",
    "purge",
]


class PlanChange(BaseModel):
    """One object a write would change (or leave as it is)."""

    action: ChangeAction
    target: str = Field(description="What changes: a record set, hostname, element, URL, ...")
    before: JsonValue = Field(default=None, description="The current value (null: none yet).")
    after: JsonValue = Field(default=None, description="The value after the write (null: gone).")
    note: str | None = None


class PlannedRequest(BaseModel):
    """A state-changing request the real call would send (none is sent by a dry run)."""

    method: str
    path: str = Field(description="API path without the host or query string.")
    body_bytes: int | None = Field(default=None, description="Size of the JSON body, if any.")
    description: str | None = None


class WritePlan(BaseModel):
    """The result of a dry run: what the real call would do, against the current state."""

    dry_run: Literal[True] = Field(default=True, description="Always true: nothing was changed.")
    operation: str = Field(description="One line: what the real call would do.")
    target: dict[str, JsonValue] = Field(
        default_factory=dict, description="The resolved objects acted on (ids, names, network)."
    )
    changes: list[PlanChange] = Field(default_factory=list)
    requests: list[PlannedRequest] = Field(
        default_factory=list, description="State-changing requests a real call would send."
    )
    details: dict[str, JsonValue] = Field(
        default_factory=dict,
        description="Kind-specific figures: SOA serials, resulting counts, purge tokens, rule "
        "diff, existing objects, ...",
    )
    warnings: list[str] = Field(default_factory=list)
    errors: list[str] = Field(
        default_factory=list,
        description="Problems the real call would run into (validation errors, refusals).",
    )
    would_change: bool = Field(description="False when the real call would change nothing.")

    def summary(self) -> str:
        """Readable text of the plan (the first text block of a dry run's result)."""
        return "Dry run, nothing was changed. " + self.preview()

    def preview(self, *, max_changes: int = 20) -> str:
        """The plan as a few lines; also appended to confirmation questions."""
        state = " (would be refused)" if self.errors else ""
        if not state and not self.would_change:
            state = " (no change)"
        lines = [f"Plan: {self.operation}{state}"]
        shown = [c for c in self.changes if c.action != "unchanged"] or self.changes
        for change in shown[:max_changes]:
            line = f"- {change.action} {change.target}"
            if change.before is not None and change.after is not None:
                line += f": {_short(change.before)} -> {_short(change.after)}"
            elif change.after is not None:
                line += f": {_short(change.after)}"
            elif change.before is not None:
                line += f" (was {_short(change.before)})"
            if change.note:
                line += f" [{change.note}]"
            lines.append(line)
        if len(shown) > max_changes:
            lines.append(f"- ... and {len(shown) - max_changes} more")
        for key, value in self.details.items():
            label = key.replace("_", " ")
            if isinstance(value, str | int | float | bool) or value is None:
                lines.append(f"{label}: {value}")
            elif (
                isinstance(value, dict)
                and value
                and all(isinstance(v, str | int | float | bool) for v in value.values())
            ):
                lines.append(f"{label}: " + ", ".join(f"{k} {v}" for k, v in value.items()))
        if self.requests:
            lines.append(f"requests a real call sends: {len(self.requests)}")
        lines += [f"error: {e}" for e in self.errors]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def result_meta(self) -> dict[str, Any] | None:
        return {"alecs/dry_run": True}


def _short(value: Any, width: int = 120) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        text = ", ".join(str(v) for v in value)
    else:
        import json

        text = json.dumps(value, separators=(",", ":"), default=str)
    return text if len(text) <= width else text[: width - 3] + "..."


def request(
    method: str, path: str, body: Any = None, description: str | None = None
) -> PlannedRequest:
    """A :class:`PlannedRequest`, sizing ``body`` as the JSON the client would send."""
    size = None
    if body is not None:
        import json

        size = len(json.dumps(body, separators=(",", ":")).encode())
    return PlannedRequest(method=method, path=path, body_bytes=size, description=description)


__all__ = [
    "READ_ONLY_POSTS",
    "DryRunViolation",
    "PlanChange",
    "PlannedRequest",
    "WritePlan",
    "check_may_send",
    "in_dry_run",
    "reads_only",
    "request",
]

"""The audit hook of write tools: one :class:`~alecs.audit.AuditRecord` per attempt.

:func:`record_call` is called by the registry's wrapper (``alecs.tools.registry.wrap_tool``)
after every call of a tool that writes, dry runs included; :func:`record_refusal` by
``AlecsServer.call_tool`` when a confirmation was declined, cancelled or impossible (the tool
body never ran). Writing the log never fails a tool call: a full disk is logged, not raised.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from mcp.server.mcpserver import Context
from pydantic_core import to_jsonable_python

from alecs.audit import AuditLog, AuditRecord, error_fields, result_ids
from alecs.tools.confirm import Confirmed
from alecs.transport.observe import ApiCall

log = logging.getLogger("alecs.audit")

CONFIRMATION_OF = {
    "elicitation": "confirmed",
    "argument": "confirm-argument",
    "not-required": "not-needed",
    "dry-run": "dry-run",
}


def _default_section(ctx: Context[Any, Any] | None) -> str | None:
    if ctx is None:
        return None
    try:
        state = ctx.request_context.lifespan_context
    except Exception:  # no request context (a direct call in a test)
        return None
    return getattr(state, "default_section", None)


def loggable_arguments(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """Tool arguments as JSON values (pydantic inputs dumped); the context is left out."""
    out: dict[str, Any] = {}
    for key, value in arguments.items():
        if isinstance(value, Context | Confirmed):
            continue
        out[key] = to_jsonable_python(value, fallback=str)
    return out


def _write(audit: AuditLog, record: AuditRecord) -> None:
    try:
        audit.write(record)
    except OSError as exc:
        log.error(
            "audit log %s: could not write the record of %s: %s", audit.path, record.tool, exc
        )


def record_call(
    audit: AuditLog,
    *,
    tool: str,
    arguments: Mapping[str, Any],
    ctx: Context[Any, Any] | None,
    dry_run: bool,
    confirmed: Confirmed | None,
    calls: Sequence[ApiCall],
    structured: Any = None,
    is_error: bool = False,
    error: BaseException | None = None,
    duration_ms: float | None = None,
) -> None:
    """One line for a tool call that ran (its body started)."""
    how = confirmed.how if isinstance(confirmed, Confirmed) else None
    confirmation = CONFIRMATION_OF.get(how or "", "dry-run" if dry_run else "not-needed")
    if dry_run:
        confirmation = "dry-run"
    failed = error is not None or is_error
    record = AuditRecord(
        tool=tool,
        customer=arguments.get("customer") or _default_section(ctx),
        account_switch_key=arguments.get("account_switch_key") or None,
        arguments=loggable_arguments(arguments),
        dry_run=dry_run,
        confirmation=confirmation,
        outcome="error" if failed else ("planned" if dry_run else "ok"),
        requests=[c.to_dict() for c in calls],
        duration_ms=duration_ms,
    )
    if error is not None:
        record.error = error_fields(error, calls)
        record.status = getattr(error, "status", None) or getattr(error, "kind", None) or "error"
    elif is_error:
        text = ""
        if isinstance(structured, Mapping):
            text = str(structured.get("message") or structured.get("error") or "")
        record.error = {"type": "ToolError", "message": text[:500], "may_have_been_applied": False}
        record.status = "error"
    else:
        record.status = "planned" if dry_run else "ok"
        record.ids = result_ids(structured)
        if dry_run and isinstance(structured, Mapping):
            record.ids = {
                "would_change": structured.get("would_change"),
                "planned_requests": len(structured.get("requests") or []),
                "errors": len(structured.get("errors") or []),
            }
    _write(audit, record)


def record_refusal(
    audit: AuditLog,
    *,
    tool: str,
    arguments: Mapping[str, Any],
    ctx: Context[Any, Any] | None,
    outcome: str,
    message: str,
) -> None:
    """One line for a write whose confirmation was refused (nothing was sent)."""
    confirmation = {"did-not-confirm": "declined"}.get(outcome, outcome)
    _write(
        audit,
        AuditRecord(
            tool=tool,
            customer=arguments.get("customer") or _default_section(ctx),
            account_switch_key=arguments.get("account_switch_key") or None,
            arguments=loggable_arguments(arguments),
            dry_run=bool(arguments.get("dry_run")),
            confirmation=confirmation,
            outcome="declined" if confirmation in ("declined", "cancelled") else "refused",
            status=confirmation,
            error={"type": "ConfirmationRefused", "message": message[:500]},
        ),
    )


__all__ = ["loggable_arguments", "record_call", "record_refusal"]

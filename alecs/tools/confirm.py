"""Confirmation before a change: a resolver that asks the user (elicitation) or needs
``confirm: true``, so a confirmed tool's body only runs after the user agreed."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resolve import AcceptedElicitation
from pydantic import BaseModel, Field


class ConfirmForm(BaseModel):
    """What the user is asked (elicitation form)."""

    confirm: bool = Field(default=False, title="Confirm", description="Tick to go ahead.")


class Confirmed(BaseModel):
    """Injected into a confirmed tool: how the go-ahead was given."""

    how: Literal["elicitation", "argument", "not-required"]
    question: str | None = None


def _supports_elicitation(ctx: Context[Any, Any]) -> bool:
    caps = ctx.client_capabilities
    elicitation = caps.elicitation if caps is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def confirmation(question: Callable[..., str | None]) -> Resolve:
    """A resolver that asks the user before a tool runs: ``Annotated[Confirmed, confirmation(q)]``.

    ``question`` takes tool arguments by name and returns the question, or ``None`` when this
    call needs no confirmation (for example a STAGING activation). With a client that supports
    elicitation the user is asked (both protocol generations: the SDK sends an elicitation
    request on 2025-11-25 and an input-required round on 2026-07-28). Otherwise the call needs
    ``confirm: true``. Declining, cancelling or not confirming raises a tool error and the tool
    body never runs, so nothing changes.
    """
    wanted = [
        name for name in inspect.signature(question).parameters if name not in ("ctx", "confirm")
    ]

    async def ask(**kwargs: Any) -> Any:
        ctx: Context[Any, Any] = kwargs.pop("ctx")
        confirm: bool = bool(kwargs.pop("confirm"))
        text = question(**kwargs)
        if text is None:
            return Confirmed(how="not-required")
        if _supports_elicitation(ctx):
            return Elicit(text, ConfirmForm)
        if confirm:
            return Confirmed(how="argument", question=text)
        raise ToolError(
            f"Confirmation required: {text} Nothing was changed. Ask the user; if they agree, "
            "call this tool again with the same arguments and confirm: true."
        )

    params = [
        inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context),
        inspect.Parameter("confirm", inspect.Parameter.KEYWORD_ONLY, annotation=bool),
    ] + [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY) for name in wanted]
    ask.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    ask.__annotations__ = {"ctx": Context, "confirm": bool}
    ask.__qualname__ = f"confirm.ask[{question.__qualname__}]"
    ask.__module__ = question.__module__

    async def check(answer: Any) -> Confirmed:
        if isinstance(answer, AcceptedElicitation):
            data = answer.data
            if isinstance(data, Confirmed):
                return data
            if isinstance(data, ConfirmForm) and data.confirm:
                return Confirmed(how="elicitation")
            outcome = "did not confirm"
        else:
            outcome = "declined" if answer.action == "decline" else "cancelled"
        raise ToolError(f"Not done: the user {outcome}. Nothing was changed.")

    check.__annotations__ = {
        "answer": Annotated[ElicitationResult[ConfirmForm], Resolve(ask)],
        "return": Confirmed,
    }
    check.__qualname__ = f"confirm.check[{question.__qualname__}]"
    check.__module__ = question.__module__
    check._alecs_confirmation = True  # type: ignore[attr-defined]
    return Resolve(check)


def uses_confirmation(fn: Callable[..., Any]) -> bool:
    from mcp.server.mcpserver.resolve import find_resolved_parameters

    return any(
        getattr(marker.fn, "_alecs_confirmation", False)
        for marker, _ in find_resolved_parameters(fn).values()
    )

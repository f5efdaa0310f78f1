"""Confirmation before a change: a resolver that asks the user (elicitation) or needs
``confirm: true``, so a confirmed tool's body only runs after the user agreed."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
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

    how: Literal["elicitation", "argument", "not-required", "dry-run"]
    question: str | None = None


Outcome = Literal["declined", "cancelled", "did-not-confirm", "required"]


class ConfirmationRefused(ToolError):
    """The user declined, cancelled or did not confirm, or the client could not ask and the
    call lacked ``confirm: true``: the tool body never ran, nothing was changed."""

    def __init__(self, message: str, outcome: Outcome) -> None:
        self.outcome = outcome
        super().__init__(message)


Preview = Callable[[Context[Any, Any], dict[str, Any]], Awaitable[str | None]]
"""``preview(ctx, tool_arguments)``: the plan of the call as text, for the question."""


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
    binding: dict[str, Any] = {"preview": None, "dry_run": False}

    async def ask(**kwargs: Any) -> Any:
        ctx: Context[Any, Any] = kwargs.pop("ctx")
        confirm: bool = bool(kwargs.pop("confirm"))
        if binding["dry_run"] and kwargs.get("dry_run") is True:
            return Confirmed(how="dry-run")  # a dry run changes nothing: never ask
        text = question(**{name: kwargs[name] for name in wanted})
        if text is None:
            return Confirmed(how="not-required")
        if confirm and not _supports_elicitation(ctx):
            return Confirmed(how="argument", question=text)
        preview: Preview | None = binding["preview"]
        if preview is not None:
            shown = await preview(ctx, kwargs)
            if shown:
                text = f"{text}\n\n{shown}"
        if _supports_elicitation(ctx):
            return Elicit(text, ConfirmForm)
        raise ConfirmationRefused(
            f"Confirmation required: {text}\nNothing was changed. Ask the user; if they agree, "
            "call this tool again with the same arguments and confirm: true.",
            "required",
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
        raise ConfirmationRefused(
            f"Not done: the user {outcome}. Nothing was changed.",
            "did-not-confirm" if outcome == "did not confirm" else outcome,
        )

    check.__annotations__ = {
        "answer": Annotated[ElicitationResult[ConfirmForm], Resolve(ask)],
        "return": Confirmed,
    }
    check.__qualname__ = f"confirm.check[{question.__qualname__}]"
    check.__module__ = question.__module__
    check._alecs_confirmation = True  # type: ignore[attr-defined]

    def bind(tool_params: list[str], preview: Preview | None) -> None:
        """Let ``ask`` see every tool argument (for ``dry_run`` and the preview)."""
        extra = [n for n in tool_params if n not in wanted and n not in ("ctx", "confirm")]
        binding["preview"] = preview
        binding["dry_run"] = "dry_run" in tool_params
        names = [*wanted, *extra]
        ask.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            params[:2] + [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in names]
        )

    check._alecs_bind = bind  # type: ignore[attr-defined]
    return Resolve(check)


def confirmation_param(fn: Callable[..., Any]) -> str | None:
    """The name of the parameter ``fn`` receives its :class:`Confirmed` in (``None``: none)."""
    from mcp.server.mcpserver.resolve import find_resolved_parameters

    for name, (marker, _) in find_resolved_parameters(fn).items():
        if getattr(marker.fn, "_alecs_confirmation", False):
            return name
    return None


def bind_confirmation(
    fn: Callable[..., Any], tool_params: list[str], preview: Preview | None
) -> None:
    """Give the confirmation of tool ``fn`` all its arguments and a preview of the change.

    ``tool_params``: the published argument names (``dry_run`` included when the tool has
    one); ``preview(ctx, arguments)`` returns the text appended to the question.
    """
    from mcp.server.mcpserver.resolve import find_resolved_parameters

    for marker, _ in find_resolved_parameters(fn).values():
        bind = getattr(marker.fn, "_alecs_bind", None)
        if bind is not None:
            bind(tool_params, preview)


def uses_confirmation(fn: Callable[..., Any]) -> bool:
    from mcp.server.mcpserver.resolve import find_resolved_parameters

    return any(
        getattr(marker.fn, "_alecs_confirmation", False)
        for marker, _ in find_resolved_parameters(fn).values()
    )

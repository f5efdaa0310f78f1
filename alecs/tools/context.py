"""What a tool call runs with: the lifespan's :class:`AppState`, the ``.edgerc`` section it acts
for, and service clients (``alecs/akamai/<api>.py``) built for that section and account."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from mcp.server.mcpserver import Context

from alecs.tools.errors import InputError

if TYPE_CHECKING:
    from alecs.transport import Transport

T = TypeVar("T")


@dataclass
class AppState:
    """What the server's lifespan yields: one per process, shared by every tool call."""

    transport: Transport
    default_section: str
    sections: tuple[str, ...]
    read_only: bool = False
    sandbox: Any = None  # alecs.sandbox.runner.SandboxThread with --sandbox, else None
    started_at: float = field(default_factory=time.time)


Ctx = Context[AppState, Any]
"""The type of the ``ctx`` parameter of every tool."""


def app_state(ctx: Context[Any, Any]) -> AppState:
    """The lifespan's :class:`AppState` for this request."""
    state = ctx.request_context.lifespan_context
    if not isinstance(state, AppState):  # pragma: no cover - a wiring mistake, not user input
        raise RuntimeError(
            "the alecs lifespan state is missing; build the server with build_server"
        )
    return state


def resolve_section(ctx: Context[Any, Any], customer: str | None) -> str:
    """The .edgerc section a call acts for: ``customer`` if given (checked), else the default."""
    state = app_state(ctx)
    if customer is None or customer == "":
        return state.default_section
    if customer not in state.sections:
        raise InputError(
            "customer", f"no .edgerc section named {customer!r}", allowed=list(state.sections)
        )
    return customer


def service(
    ctx: Context[Any, Any],
    factory: Callable[..., T],
    customer: str | None,
    account_switch_key: str | None,
) -> T:
    """A service client (``alecs/akamai/<api>.py``) for this call's customer and account.

    Calls ``factory(transport, section, account_switch_key=account_switch_key)``.
    """
    state = app_state(ctx)
    section = resolve_section(ctx, customer)
    return factory(state.transport, section, account_switch_key=account_switch_key or None)

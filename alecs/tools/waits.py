"""Bounded waits in tools: one argument, one helper, one way to say how to continue.

Every tool that waits for Akamai (property activations, network list activations, certificate
changes) takes ``timeout_s`` (:data:`WaitSeconds`, default 45 s, under the common 60 s client
request timeout), waits at most that long through :func:`bounded_wait`, and answers with the
operation's id, Akamai's state and, while it is not finished, ``next_call``: the exact tool
call that continues waiting (:class:`alecs.akamai.waiting.NextCall`). Progress notifications
carry Akamai's state; their value comes from that state, never from elapsed time.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from pydantic import Field

from alecs.akamai.waiting import DEFAULT_WAIT_S, MAX_WAIT_S, NextCall, WaitOutcome, wait_for
from alecs.tools.context import Ctx
from alecs.tools.progress import Progress

T = TypeVar("T")


class WaitTime:
    """The sleep and clock bounded waits use; tests replace them to drive time without
    waiting (``alecs.tools.waits.TIME``)."""

    def __init__(self) -> None:
        self.sleep: Callable[[float], Awaitable[Any]] | None = None  # None: anyio.sleep
        self.clock: Callable[[], float] = time.monotonic


TIME = WaitTime()

WaitSeconds = Annotated[
    float,
    Field(
        ge=0,
        le=MAX_WAIT_S,
        description=f"How long this call waits, at most, in seconds (default "
        f"{DEFAULT_WAIT_S:g}: under the common 60 s client timeout; 0 answers at once). When it "
        "passes first, the result has the current state and next_call, the exact call that "
        "continues waiting (not a failure).",
    ),
]

__all__ = ["DEFAULT_WAIT_S", "NextCall", "WaitSeconds", "bounded_wait", "continue_call"]


async def bounded_wait(
    ctx: Ctx,
    fetch: Callable[[], Awaitable[T]],
    *,
    done: Callable[[T], bool],
    progress_of: Callable[[T], float],
    describe: Callable[[T], str],
    timeout_s: float,
    interval_s: float | Callable[[T], float],
) -> WaitOutcome[T]:
    """`alecs.akamai.waiting.wait_for` with progress notifications to the client."""
    progress = Progress(ctx, total=100)
    return await wait_for(
        fetch,
        done=done,
        progress_of=progress_of,
        describe=describe,
        report=progress,
        budget_s=timeout_s,
        interval_s=interval_s,
        sleep=TIME.sleep,
        clock=TIME.clock,
    )


def continue_call(
    tool: str, *, customer: str | None, account_switch_key: str | None, **arguments: Any
) -> NextCall:
    """The call that continues waiting, with the caller's customer and account kept."""
    return NextCall.of(tool, **arguments, customer=customer, account_switch_key=account_switch_key)

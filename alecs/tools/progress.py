"""Long operations: progress notifications and polling until done or a timeout."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from mcp.server.mcpserver import Context

log = logging.getLogger("alecs.tools")

T = TypeVar("T")


class Progress:
    """Progress notifications for long operations; a no-op when the client did not ask.

    ``progress = Progress(ctx, total=100)`` then ``await progress(40, "PENDING on STAGING")``.
    Values only go up; reporting never fails the tool.
    """

    def __init__(self, ctx: Context[Any, Any], total: float | None = None) -> None:
        self._ctx = ctx
        self.total = total
        self.last = 0.0

    async def __call__(self, progress: float, message: str | None = None) -> None:
        progress = max(progress, self.last)
        self.last = progress
        try:
            await self._ctx.report_progress(progress, self.total, message)
        except Exception as exc:  # a vanished client must not fail the operation
            log.debug("progress notification not sent: %s", type(exc).__name__)


@dataclass
class PollOutcome:
    """What :func:`poll` ends with: the last state seen and whether it was final."""

    state: Any
    finished: bool
    polls: int
    waited_s: float


async def poll(
    fetch: Callable[[], Awaitable[T]],
    *,
    done: Callable[[T], bool],
    timeout_s: float,
    interval_s: float | Callable[[T], float] = 5.0,
    progress: Progress | None = None,
    describe: Callable[[T], str] = str,
    sleep: Callable[[float], Awaitable[Any]] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> PollOutcome:
    """Wait for long work (an activation, a DNS change) until ``done(state)`` or the timeout.

    ``interval_s`` may depend on the last state (for example Akamai's ``Retry-After``). A
    timeout is not an error: the caller returns the last state and says how to check again.
    Progress goes from 0 to 100 over the timeout, with ``describe(state)`` as the message.
    ``sleep`` and ``clock`` are injectable so tests drive time without waiting.
    """
    if sleep is None:
        import anyio

        sleep = anyio.sleep
    start = clock()
    polls = 0
    while True:
        state = await fetch()
        polls += 1
        elapsed = clock() - start
        finished = done(state)
        if progress is not None:
            share = 100.0 if finished else min(99.0, 100.0 * elapsed / max(timeout_s, 1e-9))
            await progress(share, describe(state))
        if finished:
            return PollOutcome(state, True, polls, elapsed)
        wait = interval_s(state) if callable(interval_s) else interval_s
        remaining = timeout_s - elapsed
        if remaining <= 0:
            return PollOutcome(state, False, polls, elapsed)
        await sleep(max(0.0, min(wait, remaining)))

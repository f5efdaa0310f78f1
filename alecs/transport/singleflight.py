"""Single-flight: identical concurrent calls share one execution.

The first caller for a key (the leader) runs the work inline (no extra task); callers that arrive
while it runs (followers) wait for the leader's result or exception. If the leader is cancelled,
its followers do not inherit the cancellation: one of them becomes the new leader.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class _LeaderGone(Exception):
    """The leader was cancelled before finishing; followers run the work themselves."""


class SingleFlight(Generic[T]):
    """Shares the result of `fn()` among concurrent `do(key, fn)` calls with the same key."""

    def __init__(self) -> None:
        self._inflight: dict[Hashable, asyncio.Future[T]] = {}
        self.shared = 0

    def __len__(self) -> int:
        return len(self._inflight)

    async def do(self, key: Hashable, fn: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """`(result, shared)`: `shared` is True when another caller's request answered."""
        while True:
            future = self._inflight.get(key)
            if future is None:
                break
            self.shared += 1
            try:
                return await asyncio.shield(future), True
            except _LeaderGone:
                self.shared -= 1
                continue
        future = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            result = await fn()
        except asyncio.CancelledError:
            future.set_exception(_LeaderGone())
            raise
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            future.set_result(result)
            return result, False
        finally:
            if self._inflight.get(key) is future:
                del self._inflight[key]
            if future.done() and not future.cancelled():
                future.exception()  # mark retrieved when nobody followed

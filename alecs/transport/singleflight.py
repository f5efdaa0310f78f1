"""Single-flight: identical concurrent calls share one execution.

The first caller for a key (the leader) runs the work inline (no extra task); callers that arrive
while it runs (followers) wait for the leader's outcome. Three rules keep sharing invisible to a
follower:

- **Its own deadline.** A follower waits at most `wait_limit` seconds (its own remaining
  deadline), whatever the leader's deadline is; past it the follower alone gets
  `SingleFlightTimeout`, the leader and the other followers go on.
- **Its own result object.** `share(result)` makes each follower's copy (the transport gives
  every follower its own `httpx2.Response`: own headers and extensions), so no caller can change
  what another one sees.
- **A leader that gives up never fails its followers.** If the leader is cancelled, or fails
  with one of the `handover` exceptions (the transport hands over `DeadlineExceededError`: the
  leader's deadline is not the followers'), the followers are woken and one of them becomes the
  new leader and runs the work itself, within its own deadline; the rest follow it.

Any other outcome of the leader (a result or an error such as an HTTP 404) is every follower's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class _LeaderGone(Exception):
    """The leader gave up before finishing; followers run the work themselves."""


class SingleFlightTimeout(TimeoutError):
    """A follower's own wait limit passed while the leader was still working."""


class SingleFlight(Generic[T]):
    """Shares the result of `fn()` among concurrent `do(key, fn)` calls with the same key.

    `share(result)` gives each follower its own copy (default: the same object).
    `handover`: exception types of the leader that followers do not inherit (cancellation always
    hands over).
    """

    def __init__(
        self,
        *,
        share: Callable[[T], T] | None = None,
        handover: tuple[type[BaseException], ...] = (),
    ) -> None:
        self._inflight: dict[Hashable, asyncio.Future[T]] = {}
        self._share = share
        self._handover = handover
        self.shared = 0
        self.handovers = 0

    def __len__(self) -> int:
        return len(self._inflight)

    async def do(
        self,
        key: Hashable,
        fn: Callable[[], Awaitable[T]],
        *,
        wait_limit: float | None = None,
        monotonic: Callable[[], float] | None = None,
    ) -> tuple[T, bool]:
        """`(result, shared)`: `shared` is True when another caller's request answered.

        `wait_limit`: the most seconds this caller waits as a follower (raises
        `SingleFlightTimeout` past it). `monotonic` measures the time spent following (so a
        follower that becomes leader after a hand-over keeps only what is left of its limit);
        default: the event loop's clock.
        """
        loop = asyncio.get_running_loop()
        clock = monotonic or loop.time
        started = clock() if wait_limit is not None else 0.0
        while True:
            future = self._inflight.get(key)
            if future is None:
                break
            try:
                if wait_limit is None:
                    result = await asyncio.shield(future)
                else:
                    left = wait_limit - (clock() - started)
                    if left <= 0:
                        raise SingleFlightTimeout(wait_limit)
                    try:
                        async with asyncio.timeout(left):
                            result = await asyncio.shield(future)
                    except TimeoutError:
                        if future.done():  # finished in the same loop pass
                            result = future.result()
                        else:
                            raise SingleFlightTimeout(wait_limit) from None
            except _LeaderGone:
                if wait_limit is not None and clock() - started >= wait_limit:
                    raise SingleFlightTimeout(wait_limit) from None
                continue  # the next loop pass makes this caller leader or follower again
            self.shared += 1
            return (self._share(result) if self._share is not None else result), True
        future = loop.create_future()
        self._inflight[key] = future
        try:
            result = await fn()
        except asyncio.CancelledError:
            self.handovers += 1
            future.set_exception(_LeaderGone())
            raise
        except BaseException as exc:
            if self._handover and isinstance(exc, self._handover):
                self.handovers += 1
                future.set_exception(_LeaderGone())
            else:
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

"""One small interface for time, so that tests drive time without waiting.

Everything in the transport that reads the time or sleeps (deadlines, backoff, `Retry-After`
waits, rate-limit buckets, DNS TTLs, breaker reset timers, requests-per-second windows) goes
through a `Clock`. Production uses `SystemClock`; tests use `ManualClock`, whose `sleep()`
returns at once, advances the clock by the requested amount and records it.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Wall time, monotonic time and sleeping."""

    def now(self) -> float:
        """Seconds since the epoch (wall clock; used to read HTTP dates)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards (deadlines, TTLs, buckets)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` (the transport never calls it with a value <= 0)."""
        ...


class SystemClock:
    """The real clock: `time.time`, `time.monotonic`, `asyncio.sleep`."""

    __slots__ = ()

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class ManualClock:
    """A clock that only moves when told to: for tests.

    `sleep(s)` records `s` in `sleeps`, yields to the event loop once (so tasks that are ready
    run at the current time, as they would while this one waits), then moves time forward to
    the end of the sleep (never backwards: concurrent sleeps overlap, they do not add up).
    `advance(s)` moves time without sleeping.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._wall = float(start)
        self._mono = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self._wall

    def monotonic(self) -> float:
        return self._mono

    def advance(self, seconds: float) -> None:
        self._wall += seconds
        self._mono += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        target = self._mono + max(0.0, seconds)
        await asyncio.sleep(0)
        if target > self._mono:
            self.advance(target - self._mono)


SYSTEM_CLOCK = SystemClock()

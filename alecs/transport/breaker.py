"""Circuit breakers per host, on pybreaker, made safe for asyncio.

pybreaker has no native asyncio support and lets every concurrent caller through while
half-open. So `HostBreaker` splits a call in two synchronous steps around the network I/O:

1. `admit()` before sending: closed -> go; open and the reset timeout not over -> raise
   `CircuitOpenError` (no request is sent); open and the timeout over, or half-open -> exactly
   one caller becomes the probe, everyone else fails fast until the probe has finished.
2. `record(permit, failed)` after the outcome: the result goes through pybreaker's own state
   machine (`calling()`), which counts consecutive failures, opens at `fail_max`, and closes
   after a successful probe. Only 5xx responses, timeouts and connection errors are failures;
   4xx (429 included) prove the host is alive. A late result from before the breaker opened is
   ignored, and a cancelled probe leaves the breaker half-open for the next caller.

pybreaker measures the open period with `datetime.now()`; `_ClockStorage` stores the opening
time on our `Clock` instead, so tests can move time forward without waiting.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pybreaker

from alecs.transport.clock import Clock
from alecs.transport.errors import CircuitOpenError

CLOSED = pybreaker.STATE_CLOSED
OPEN = pybreaker.STATE_OPEN
HALF_OPEN = pybreaker.STATE_HALF_OPEN

# Permits returned by admit().
PERMIT_NORMAL = 1
PERMIT_PROBE = 2


class _Failure(Exception):
    """Raised inside pybreaker's `calling()` block to count a failure."""


class _ClockStorage(pybreaker.CircuitMemoryStorage):
    """pybreaker's in-memory storage, with the opening time taken from our `Clock`."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(CLOSED)
        self._clock = clock
        self.opened_mono: float | None = None

    @property
    def opened_at(self) -> datetime | None:
        if self.opened_mono is None:
            return None
        elapsed = self._clock.monotonic() - self.opened_mono
        return datetime.now(UTC) - timedelta(seconds=elapsed)

    @opened_at.setter
    def opened_at(self, value: datetime) -> None:
        self.opened_mono = self._clock.monotonic()


class HostBreaker:
    """One host's breaker: `fail_max` consecutive failures open it for `reset_timeout` s."""

    __slots__ = ("_cb", "_clock", "_probing", "_storage", "host", "opened_count")

    def __init__(self, host: str, clock: Clock, *, fail_max: int = 5, reset_timeout: float = 30.0):
        self.host = host
        self._clock = clock
        self._storage = _ClockStorage(clock)
        self._cb = pybreaker.CircuitBreaker(
            fail_max=fail_max,
            reset_timeout=reset_timeout,
            state_storage=self._storage,
            throw_new_error_on_trip=False,
            name=host,
        )
        self._probing = False
        self.opened_count = 0

    @property
    def state(self) -> str:
        return self._cb.current_state

    @property
    def failures(self) -> int:
        return self._cb.fail_counter

    def retry_in(self) -> float:
        """Seconds until the next probe may go out (0 when closed or due)."""
        opened = self._storage.opened_mono
        if self._cb.current_state != OPEN or opened is None:
            return 0.0
        return max(0.0, self._cb.reset_timeout - (self._clock.monotonic() - opened))

    def admit(self) -> int:
        """Permission to send one attempt, or `CircuitOpenError` (nothing sent)."""
        state = self._cb.current_state
        if state == CLOSED:
            return PERMIT_NORMAL
        if state == OPEN:
            remaining = self.retry_in()
            if remaining > 0:
                raise CircuitOpenError(self.host, remaining)
        if self._probing:
            raise CircuitOpenError(self.host, 0.0, probe_in_flight=True)
        if state == OPEN:
            self._cb.half_open()
        self._probing = True
        return PERMIT_PROBE

    def release(self, permit: int) -> None:
        """The attempt ended without a result to record (cancelled): free the probe slot."""
        if permit == PERMIT_PROBE:
            self._probing = False

    def record(self, permit: int, failed: bool) -> None:
        """Feed one attempt's outcome to pybreaker."""
        state = self._cb.current_state
        if permit != PERMIT_PROBE and not failed and state == CLOSED:
            if self._storage.counter:
                self._storage.reset_counter()  # what pybreaker does on success, minus overhead
            return
        if permit == PERMIT_PROBE:
            self._probing = False
            if state != HALF_OPEN:
                return
        elif state != CLOSED:
            return  # a late result from before the breaker opened: not a probe
        if failed:
            with contextlib.suppress(_Failure, pybreaker.CircuitBreakerError):
                with self._cb.calling():
                    raise _Failure
            if self._cb.current_state == OPEN:
                self.opened_count += 1
        else:
            with contextlib.suppress(pybreaker.CircuitBreakerError), self._cb.calling():
                pass

    def snapshot(self) -> dict[str, object]:
        return {
            "host": self.host,
            "state": self.state,
            "consecutive_failures": self.failures,
            "fail_max": self._cb.fail_max,
            "reset_timeout_s": self._cb.reset_timeout,
            "retry_in_s": round(self.retry_in(), 3),
            "times_opened": self.opened_count,
            "probe_in_flight": self._probing,
        }

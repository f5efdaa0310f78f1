"""Circuit breakers per (host, API family), on the failure rate of the calls' final outcomes.

The model is resilience4j's: a count-based sliding window of the last `window` calls; once it
holds at least `min_calls` outcomes and the share of failures reaches `failure_rate`, the
breaker opens for `open_for` seconds; then it is half-open and lets exactly one probe through.
The probe's success closes it (the window starts empty), its failure opens it again for another
`open_for` seconds.

Defaults (`TransportSettings.breaker_*`) and why:

- `window=20`, `min_calls=10`, `failure_rate=0.5`: a breaker must not open on random transient
  faults that retries ride out. The breaker sees one outcome per call, after its retries: with
  30% transient faults per attempt and up to 10 attempts, a call fails with probability about
  6e-6, so the window never reaches 50%. Even counting attempts, 10 failures out of 20 at a 30%
  fault rate happens about 5% of the time, which is why the window is not smaller. A host
  that is really down fails every call: the breaker opens after 10 calls.
- `open_for=30` s: long enough that a host which is down sees one probe every 30 s instead of
  every caller's retries, short enough that a tool call made half a minute later works again.

What counts (`Outcome.is_failure`): 5xx, timeouts and connection errors; 4xx (429 and the IP
block included) prove the host is alive. One failure cause counts once: all HTTP/2 streams of one
connection that was reset fail with the same exception object, and `record(..., cause=exc)`
ignores a cause it has already counted. A call that ends in `CircuitOpenError`, or is
cancelled, records nothing.

The permit (`acquire`) is taken right before a request is sent, after the rate-limit wait, so a
probe never holds the half-open slot while it sleeps. Calls that arrive while a probe is in
flight wait for its result (within their own deadline) instead of failing: if the probe
succeeded they go ahead, if it failed they fail fast with the time to the next probe.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Any

from alecs.transport.clock import Clock
from alecs.transport.errors import CircuitOpenError

CLOSED = "closed"
OPEN = "open"
HALF_OPEN = "half-open"

# Permits returned by acquire().
PERMIT_NORMAL = 1
PERMIT_PROBE = 2


class CircuitBreaker:
    """One (host, API family)'s breaker (see the module docstring)."""

    __slots__ = (
        "_causes",
        "_clock",
        "_opened_at",
        "_outcomes",
        "_probe_done",
        "_probing",
        "failure_rate",
        "family",
        "host",
        "min_calls",
        "open_for",
        "opened_count",
        "probes",
        "state",
        "window",
    )

    def __init__(
        self,
        host: str,
        clock: Clock,
        *,
        family: str = "",
        window: int = 20,
        min_calls: int = 10,
        failure_rate: float = 0.5,
        open_for: float = 30.0,
    ) -> None:
        if window < 1 or not 1 <= min_calls <= window:
            raise ValueError("breaker window must be >= 1 and 1 <= min_calls <= window")
        if not 0 < failure_rate <= 1:
            raise ValueError("breaker failure_rate must be in (0, 1]")
        self.host = host
        self.family = family
        self.window = window
        self.min_calls = min_calls
        self.failure_rate = failure_rate
        self.open_for = open_for
        self._clock = clock
        self._outcomes: collections.deque[bool] = collections.deque(maxlen=window)
        self._causes: collections.deque[object] = collections.deque(maxlen=64)
        self._opened_at = 0.0
        self._probing = False
        self._probe_done: asyncio.Event | None = None
        self.state = CLOSED
        self.opened_count = 0
        self.probes = 0

    # -- reading ---------------------------------------------------------------------------

    @property
    def failures(self) -> int:
        return sum(self._outcomes)

    @property
    def calls(self) -> int:
        return len(self._outcomes)

    def current_rate(self) -> float | None:
        return self.failures / len(self._outcomes) if self._outcomes else None

    def retry_in(self) -> float:
        """Seconds until the next probe may go out (0 when closed or due)."""
        if self.state != OPEN:
            return 0.0
        return max(0.0, self.open_for - (self._clock.monotonic() - self._opened_at))

    @property
    def probe_in_flight(self) -> bool:
        return self._probing

    # -- admission -------------------------------------------------------------------------

    def try_acquire(self) -> int | None:
        """A permit now, `None` when a probe is in flight (wait with `wait_for_probe`), or
        `CircuitOpenError` while open (nothing may be sent)."""
        if self.state == CLOSED:
            return PERMIT_NORMAL
        if self.state == OPEN:
            remaining = self.retry_in()
            if remaining > 0:
                raise CircuitOpenError(self.host, remaining, family=self.family)
            self.state = HALF_OPEN
        if self._probing:
            return None
        self._probing = True
        self._probe_done = asyncio.Event()
        self.probes += 1
        return PERMIT_PROBE

    async def acquire(self, timeout: float | None) -> int:  # noqa: ASYNC109 (the call's deadline)
        """A permit to send one attempt now.

        Closed: at once. Open: `CircuitOpenError`. Half-open: the first caller becomes the
        probe; the others wait for its result, at most `timeout` seconds (then
        `CircuitOpenError` with `probe_in_flight`).
        """
        while True:
            permit = self.try_acquire()
            if permit is not None:
                return permit
            done = self._probe_done
            assert done is not None
            try:
                async with asyncio.timeout(timeout):
                    await done.wait()
            except TimeoutError:
                raise CircuitOpenError(
                    self.host, 0.0, probe_in_flight=True, family=self.family
                ) from None

    def release(self, permit: int) -> None:
        """The attempt ended without an outcome to record (cancelled, deadline): free the probe
        slot; the breaker stays half-open for the next caller."""
        if permit == PERMIT_PROBE and self._probing:
            self._probing = False
            self._wake()

    # -- outcomes --------------------------------------------------------------------------

    def record(self, permit: int, failed: bool, cause: Any = None) -> None:
        """One call's final outcome (or a probe attempt's outcome).

        `cause`: the exception behind a failure; a cause already counted is not counted again
        (the streams of one reset connection).
        """
        if failed and cause is not None:
            if any(c is cause for c in self._causes):
                if permit == PERMIT_PROBE:
                    self._probe_failed()
                return
            self._causes.append(cause)
        if permit == PERMIT_PROBE:
            if failed:
                self._probe_failed()
            else:
                self._close()
            return
        if self.state != CLOSED:
            return  # a late result from before the breaker opened: the probe decides now
        self._outcomes.append(failed)
        if (
            failed
            and len(self._outcomes) >= self.min_calls
            and sum(self._outcomes) >= self.failure_rate * len(self._outcomes)
        ):
            self._open()

    def _open(self) -> None:
        self.state = OPEN
        self._opened_at = self._clock.monotonic()
        self.opened_count += 1
        self._outcomes.clear()

    def _probe_failed(self) -> None:
        self._probing = False
        self._open()
        self._wake()

    def _close(self) -> None:
        self.state = CLOSED
        self._probing = False
        self._outcomes.clear()
        self._wake()

    def _wake(self) -> None:
        if self._probe_done is not None:
            self._probe_done.set()
            self._probe_done = None

    def snapshot(self) -> dict[str, object]:
        rate = self.current_rate()
        return {
            "host": self.host,
            "family": self.family,
            "state": self.state,
            "calls_in_window": self.calls,
            "failures_in_window": self.failures,
            "failure_rate": None if rate is None else round(rate, 3),
            "window": self.window,
            "min_calls": self.min_calls,
            "failure_threshold": self.failure_rate,
            "reset_timeout_s": self.open_for,
            "retry_in_s": round(self.retry_in(), 3),
            "times_opened": self.opened_count,
            "probes": self.probes,
            "probe_in_flight": self._probing,
        }


class BreakerSet:
    """The breakers of one host, one per API family, made on first use."""

    __slots__ = ("_breakers", "_clock", "_options", "host")

    def __init__(self, host: str, clock: Clock, **options: Any) -> None:
        self.host = host
        self._clock = clock
        self._options = options
        self._breakers: dict[str, CircuitBreaker] = {}

    def get(self, family: str) -> CircuitBreaker:
        breaker = self._breakers.get(family)
        if breaker is None:
            breaker = CircuitBreaker(self.host, self._clock, family=family, **self._options)
            self._breakers[family] = breaker
        return breaker

    def all(self) -> list[CircuitBreaker]:
        return list(self._breakers.values())

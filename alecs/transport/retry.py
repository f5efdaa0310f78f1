"""Retry rules: an immutable `RetryPolicy` that decides, a `RetryBudget`, and server wait hints.

Every retry decision is a pure method of `RetryPolicy` (`decide`, from the attempt number, the
attempt's `Outcome`, the method and its idempotency, the response headers and the wall clock);
`alecs.transport.core` only carries the decision out. What is retried:

- a request that provably was not processed, for any method (POST, PUT, PATCH and DELETE
  included): a connect failure (DNS, TCP, TLS handshake other than a bad certificate, proxy, no
  free connection in the pool), a 429, Akamai's burst IP block (HTTP 400 whose body names
  `IPBLOCK-BURST`), an HTTP/2 `REFUSED_STREAM`, or a GOAWAY whose last stream id is below ours;
- 500, 502, 503, 504, read/write timeouts and connections reset after sending: only for reads
  (GET, HEAD, OPTIONS) or a call marked `idempotent=True` (a purge). A write that fails this way
  may have been applied: it is not retried, and the failure is reported as ambiguous so that the
  service client can check (`AmbiguousWriteError`);
- everything else (other 4xx, 501, TLS certificate failures): never.

Rate limits are not failures: a 429 (or an IP block) is waited out as Akamai asks
(`Akamai-RateLimit-Next` minus the response's `Date`, which is more precise than the whole
seconds of `Retry-After`; else `Retry-After`; else backoff), does not spend the retry budget and
does not count against `attempts` (it has its own bound, `rate_limit_retries`), as long as the
wait fits the call's deadline and `max_wait`. Other retries wait a full-jitter exponential
backoff (`uniform(0, min(cap, base * 2**(attempt-1)))`, AWS's recommendation) and spend the
`RetryBudget` of the (host, API family), which stops 5xx storms.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IDEMPOTENT_METHODS = READ_METHODS
"""Methods retried after a failure that may have reached the server (reads only)."""
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
IPBLOCK_MARKER = b"IPBLOCK-BURST"

# Network failure kinds (`Outcome.error`) that prove the request never reached the server.
NOT_SENT_ERRORS = frozenset(
    {"dns", "connect", "tls", "proxy", "pool_timeout", "refused_stream", "goaway"}
)
# Network failure kinds that are never retried.
FINAL_ERRORS = frozenset({"tls_verify", "protocol"})

Action = Literal["done", "retry", "throttle", "give_up"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt produced: a response (`status`, `headers`, the first bytes of `body`)
    or a network failure (`error`, one of the kinds of `core.classify_exception`)."""

    status: int | None = None
    error: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    shared: bool = False
    """The same failure (one exception object) already broke another request: the streams of
    one HTTP/2 connection that was reset. Only the first of them counts as an attempt."""

    @property
    def not_processed(self) -> bool:
        """True when the request provably was not processed by Akamai."""
        if self.error is not None:
            return self.error in NOT_SENT_ERRORS
        return self.status == 429 or self.is_ipblock

    @property
    def is_ipblock(self) -> bool:
        """Akamai's burst IP block: HTTP 400 (or 403) with `IPBLOCK-BURST` in the body."""
        return self.status in (400, 403) and IPBLOCK_MARKER in self.body

    @property
    def is_rate_limited(self) -> bool:
        return self.status == 429 or self.is_ipblock

    @property
    def is_failure(self) -> bool:
        """A failure of the host for the circuit breaker: 5xx, timeout, connection error.
        4xx (429 and the IP block included) prove the host is alive."""
        if self.error is not None:
            return self.error != "pool_timeout" and self.error != "protocol"
        return self.status is not None and self.status >= 500


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """What to do after an attempt.

    `action`: `"done"` (return this outcome), `"retry"` (wait `wait` s, spending the retry
    budget), `"throttle"` (a rate limit: pause the bucket for `wait` s and try again, no budget
    spent), `"give_up"` (stop; `reason` says why). `ambiguous` is set when the outcome is a
    failure of a write that may have been applied.
    """

    action: Action
    wait: float = 0.0
    source: str = ""
    reason: str = ""
    ambiguous: bool = False
    counts: bool = True
    """False when the attempt does not count against `attempts` (a shared failure)."""

    @property
    def retries(self) -> bool:
        return self.action in ("retry", "throttle")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry: an immutable value (like urllib3's `Retry`).

    Defaults and why:

    - `attempts=10`: the scale of Akamai's Terraform provider. Attempts are cheap to allow
      because every wait is bounded by the call's deadline (120 s by default) and the retry
      budget stops storms; with 30% transient faults per attempt, a read fails after 10
      attempts with probability 0.3**10 (6e-6).
    - `backoff_base=0.5`, `backoff_cap=8.0`: full-jitter exponential backoff; the cap keeps a
      single wait short enough for an interactive tool call.
    - `max_wait=60.0`: the longest server-requested wait (`Akamai-RateLimit-Next`,
      `Retry-After`) honoured within one call. A longer request fails at once with
      `RateLimitedError` saying how long Akamai asked to wait.
    - `rate_limit_retries=20`: rate-limit waits do not count against `attempts`; this bounds
      them separately (the deadline usually stops them first).
    - `shared_failure_retries=10`: when one HTTP/2 connection breaks, every request in flight
      on it fails with the same error; it counts as an attempt for one of them only (else 5%
      of requests resetting their connection, with 10 in flight, would cost each request an
      attempt 40% of the time). The others retry without spending an attempt, up to this many
      times, within the deadline.
    - `ipblock_wait=540.0`: Akamai's API gateway answers a burst from one IP with HTTP 400
      `WAF deny rule IPBLOCK-BURST...` and no wait header. No Akamai reference page we could
      find states the block's length; Akamai's community tooling waits 9 minutes (540 s)
      before calling again, which we follow. That is longer than a call's deadline, so the call
      fails at once with a message saying so, and the bucket stays paused (sending during the
      block only prolongs it).
    - Retry budget per (host, API family), a token bucket in the manner of AWS SDK "standard"
      mode but sized for transient faults: `budget_capacity=100`, each retry costs
      `retry_cost=1`, each successful call refunds `success_refund=1`. So retries are free as
      long as there is at most about one retry per success (30% transient faults need 0.43
      retries per call), while a storm, where calls keep failing after retries, gets at most
      100 retries beyond that ratio before failures return at once. Only retries after
      failures (5xx, timeouts, connection errors) spend it; 429s never do. (AWS's 500/5/1 drains
      after a few hundred calls at 30% faults: it is meant for fault rates of a few percent.)
    """

    attempts: int = 10
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_wait: float = 60.0
    rate_limit_retries: int = 20
    shared_failure_retries: int = 10
    ipblock_wait: float = 540.0
    retry_statuses: frozenset[int] = RETRY_STATUSES
    idempotent_methods: frozenset[str] = IDEMPOTENT_METHODS
    budget_capacity: int = 100
    retry_cost: int = 1
    success_refund: int = 1
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be >= 1 (1 means no retries)")
        if self.backoff_base < 0 or self.backoff_cap < 0 or self.max_wait < 0:
            raise ValueError("RetryPolicy backoff_base, backoff_cap and max_wait must be >= 0")
        if self.rate_limit_retries < 0 or self.ipblock_wait < 0:
            raise ValueError("RetryPolicy rate_limit_retries and ipblock_wait must be >= 0")
        if self.budget_capacity < 0 or self.retry_cost < 0 or self.success_refund < 0:
            raise ValueError("RetryPolicy budget values must be >= 0")

    def replace(self, **changes: Any) -> RetryPolicy:
        """A copy with some fields changed (the policy itself never changes)."""
        return replace(self, **changes)

    # -- the pieces of a decision ----------------------------------------------------------

    def backoff(self, attempt: int) -> float:
        """Full-jitter backoff before retry number `attempt` (1 = first retry)."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** max(0, attempt - 1)))
        return self.random() * ceiling

    def method_is_idempotent(self, method: str, idempotent: bool | None) -> bool:
        """May a failure that possibly reached the server be retried? Reads yes, writes only
        when the caller marked the call `idempotent=True`."""
        if idempotent is not None:
            return idempotent
        return method in self.idempotent_methods

    def wait_hint(self, headers: Mapping[str, str], now: float) -> tuple[float, str] | None:
        """The wait the server asked for (see `server_wait_hint`)."""
        return server_wait_hint(headers, now)

    def throttle_wait(self, outcome: Outcome, throttles: int, now: float) -> tuple[float, str]:
        """How long a rate-limited attempt waits: the IP block's wait, the server's hint, or
        backoff when the server gave none."""
        if outcome.is_ipblock:
            return self.ipblock_wait, "IPBLOCK-BURST"
        hint = self.wait_hint(outcome.headers, now)
        if hint is not None:
            return hint
        return max(0.05, self.backoff(throttles)), "backoff"

    def fits(self, wait: float, remaining: float | None) -> bool:
        """Whether a wait is allowed: at most `max_wait` and within the call's deadline."""
        return wait <= self.max_wait and (remaining is None or wait < remaining)

    # -- the decision ------------------------------------------------------------------------

    def decide(
        self,
        *,
        attempt: int,
        outcome: Outcome,
        method: str,
        idempotent: bool | None = None,
        throttles: int = 0,
        shared: int = 0,
        now: float = 0.0,
        remaining: float | None = None,
    ) -> RetryDecision:
        """What to do after attempt number `attempt` (1-based) produced `outcome`.

        `throttles`: rate-limit waits this call already took; `shared`: shared failures it
        already retried (neither counts in `attempt`). `now`: wall-clock epoch seconds
        (to read HTTP dates when the response has no `Date`). `remaining`: seconds left before
        the call's deadline (None: no deadline). Pure: no I/O, no clock reads, no state.
        """
        status = outcome.status
        if outcome.is_rate_limited and (status != 429 or 429 in self.retry_statuses):
            wait, source = self.throttle_wait(outcome, throttles + 1, now)
            if throttles >= self.rate_limit_retries:
                return RetryDecision("give_up", wait, source, "rate_limit_retries")
            if not self.fits(wait, remaining):
                return RetryDecision("give_up", wait, source, "rate_limit_wait")
            return RetryDecision("throttle", wait, source)
        if outcome.error is None and (status is None or status < 500 or status == 501):
            return RetryDecision("done")
        ambiguous = self._ambiguous(outcome, method, idempotent)
        if outcome.error in FINAL_ERRORS or (
            status is not None and status not in self.retry_statuses
        ):
            return RetryDecision("give_up", reason="final", ambiguous=ambiguous)
        if not (outcome.not_processed or self.method_is_idempotent(method, idempotent)):
            return RetryDecision("give_up", reason="not_idempotent", ambiguous=ambiguous)
        free = outcome.shared and outcome.error is not None and shared < self.shared_failure_retries
        if attempt >= self.attempts and not free:
            return RetryDecision("give_up", reason="attempts", ambiguous=ambiguous)
        hint = self.wait_hint(outcome.headers, now) if status is not None else None
        wait, source = hint if hint is not None else (self.backoff(attempt), "backoff")
        if not self.fits(wait, remaining):
            return RetryDecision("give_up", wait, source, "deadline", ambiguous=ambiguous)
        return RetryDecision("retry", wait, source, ambiguous=ambiguous, counts=not free)

    def _ambiguous(self, outcome: Outcome, method: str, idempotent: bool | None) -> bool:
        """A network failure of a write (not marked idempotent) that may have been applied."""
        return (
            method in WRITE_METHODS
            and idempotent is not True
            and outcome.error is not None
            and not outcome.not_processed
            and outcome.error not in FINAL_ERRORS
        )


class RetryBudget:
    """A token bucket that pays for retries (AWS SDK standard mode).

    `try_spend()` takes `retry_cost` tokens if there are that many; `refund()` adds
    `success_refund` after a success, never above capacity. One budget per (host, API family),
    so a failing API cannot starve retries to the others; only retries after failures spend
    it (rate-limit waits never do).
    """

    __slots__ = ("capacity", "cost", "refund_amount", "tokens")

    def __init__(self, capacity: int = 100, cost: int = 1, refund: int = 1) -> None:
        self.capacity = capacity
        self.cost = cost
        self.refund_amount = refund
        self.tokens = capacity

    @classmethod
    def from_policy(cls, policy: RetryPolicy) -> RetryBudget:
        return cls(policy.budget_capacity, policy.retry_cost, policy.success_refund)

    def try_spend(self) -> bool:
        if self.tokens < self.cost:
            return False
        self.tokens -= self.cost
        return True

    def refund(self) -> None:
        if self.tokens < self.capacity:
            self.tokens = min(self.capacity, self.tokens + self.refund_amount)


def _parse_http_date(value: str) -> float | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    return parsed.timestamp()


def _parse_iso(value: str) -> float | None:
    text = value.strip()
    if not text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def parse_retry_after(value: str, reference: float) -> float | None:
    """`Retry-After` as seconds from `reference` (epoch seconds). None if unparseable."""
    text = value.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    when = _parse_http_date(text)
    if when is None:
        return None
    return max(0.0, when - reference)


def parse_ratelimit_next(value: str, reference: float) -> float | None:
    """`Akamai-RateLimit-Next` / `X-RateLimit-Next` (ISO 8601, or an HTTP date, or epoch
    seconds) as seconds from `reference`. None if unparseable."""
    text = value.strip()
    when = _parse_iso(text)
    if when is None:
        when = _parse_http_date(text)
    if when is None:
        try:
            number = float(text)
        except ValueError:
            return None
        # Large numbers are epoch timestamps, small ones relative seconds.
        when = number if number > 1e9 else reference + number
    return max(0.0, when - reference)


def server_wait_hint(headers: Mapping[str, str], now: float) -> tuple[float, str] | None:
    """How long the server asked us to wait, and which header said so.

    `Akamai-RateLimit-Next` (or `X-RateLimit-Next`) minus the response's `Date` first: it is a
    timestamp with sub-second precision, where `Retry-After` is whole seconds. Then
    `Retry-After`. Both relative to the response's `Date` when present (so our clock skew does
    not matter), else to `now` (our wall clock).
    """
    date = headers.get("date")
    reference = now
    if date:
        parsed = _parse_http_date(date)
        if parsed is not None:
            reference = parsed
    for name in ("akamai-ratelimit-next", "x-ratelimit-next"):
        value = headers.get(name)
        if value:
            seconds = parse_ratelimit_next(value, reference)
            if seconds is not None:
                return seconds, "Akamai-RateLimit-Next" if name[0] == "a" else "X-RateLimit-Next"
    retry_after = headers.get("retry-after")
    if retry_after:
        seconds = parse_retry_after(retry_after, reference)
        if seconds is not None:
            return seconds, "Retry-After"
    return None

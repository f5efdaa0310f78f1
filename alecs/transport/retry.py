"""Retry rules: an immutable `RetryPolicy`, a `RetryBudget`, and server wait hints.

What is retried (see `RetryPolicy.should_retry` and `alecs.transport.core`):

- connection failures that provably never reached the server (DNS, connect, pool timeout):
  any method, POST included;
- 429: any method, because a 429 proves the request was not processed;
- 500, 502, 503, 504, read/write timeouts and broken connections: only idempotent methods
  (GET, HEAD, PUT, DELETE, OPTIONS) or a call marked `idempotent=True` (a purge);
- everything else (other 4xx, 501, TLS certificate failures): never.

Waits: the server's hint first (`Retry-After` in seconds or as an HTTP date,
`Akamai-RateLimit-Next` / `X-RateLimit-Next` as a timestamp, both taken relative to the
response's own `Date` so client clock skew does not matter), else exponential backoff with
full jitter (`uniform(0, min(cap, base * 2**(attempt-1)))`, AWS's recommendation).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry: an immutable value (like urllib3's `Retry`).

    Defaults and why:

    - `attempts=4`: the first try plus three retries. Enough to ride out a short 5xx blip
      (about 0.5 + 1 + 2 s of backoff on average) or a couple of rate-limit waits, without
      making a tool call hang when Akamai is really down (the breaker takes over then).
    - `backoff_base=0.5`, `backoff_cap=8.0`: full-jitter exponential backoff; the cap keeps a
      single wait short enough for an interactive tool call.
    - `max_wait=60.0`: the longest server-requested wait (`Retry-After`, `*-RateLimit-Next`)
      honoured. A longer request fails at once with `RateLimitedError` saying how long Akamai
      asked to wait, instead of silently stalling a tool call for minutes.
    - Retry budget, AWS SDK "standard" mode: `budget_capacity=500`, each retry costs
      `retry_cost=5`, each success refunds `success_refund=1`. In steady state that allows
      retries for roughly one request in five; when a host fails hard the budget drains after
      100 retries and further failures are returned at once (no retry storm).
    """

    attempts: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_wait: float = 60.0
    retry_statuses: frozenset[int] = RETRY_STATUSES
    idempotent_methods: frozenset[str] = IDEMPOTENT_METHODS
    budget_capacity: int = 500
    retry_cost: int = 5
    success_refund: int = 1
    random: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be >= 1 (1 means no retries)")
        if self.backoff_base < 0 or self.backoff_cap < 0 or self.max_wait < 0:
            raise ValueError("RetryPolicy backoff_base, backoff_cap and max_wait must be >= 0")
        if self.budget_capacity < 0 or self.retry_cost < 0 or self.success_refund < 0:
            raise ValueError("RetryPolicy budget values must be >= 0")

    def replace(self, **changes: Any) -> RetryPolicy:
        """A copy with some fields changed (the policy itself never changes)."""
        return replace(self, **changes)

    def backoff(self, attempt: int) -> float:
        """Full-jitter backoff before retry number `attempt` (1 = first retry)."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** max(0, attempt - 1)))
        return self.random() * ceiling

    def method_is_idempotent(self, method: str, idempotent: bool | None) -> bool:
        if idempotent is not None:
            return idempotent
        return method in self.idempotent_methods


class RetryBudget:
    """A token bucket that pays for retries (AWS SDK standard mode).

    `try_spend()` takes `retry_cost` tokens if there are that many; `refund()` adds
    `success_refund` after a success, never above capacity. One budget per host, so a host
    that is down cannot starve retries to the others.
    """

    __slots__ = ("capacity", "cost", "refund_amount", "tokens")

    def __init__(self, capacity: int = 500, cost: int = 5, refund: int = 1) -> None:
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

    Relative to the response's `Date` header when present (so our clock skew does not matter),
    else to `now` (our wall clock).
    """
    date = headers.get("date")
    reference = now
    if date:
        parsed = _parse_http_date(date)
        if parsed is not None:
            reference = parsed
    retry_after = headers.get("retry-after")
    if retry_after:
        seconds = parse_retry_after(retry_after, reference)
        if seconds is not None:
            return seconds, "Retry-After"
    for name in ("akamai-ratelimit-next", "x-ratelimit-next"):
        value = headers.get(name)
        if value:
            seconds = parse_ratelimit_next(value, reference)
            if seconds is not None:
                return seconds, "Akamai-RateLimit-Next" if name[0] == "a" else "X-RateLimit-Next"
    return None

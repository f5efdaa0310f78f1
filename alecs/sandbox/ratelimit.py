"""Per-account, per-API token buckets modelled on Akamai's documented limits.

| family | burst | refill | X-RateLimit-Limit | source |
| --- | --- | --- | --- | --- |
| `papi` | 1000 | 100/min | 100 | PAPI rate limiting: 100/min per account, burst 1000 |
| `ccu` | 100 | 50/s | 100 | Fast Purge rate limiting: API requests |
| `ccu-url` | 10000 | 12000/min | 10000 | Fast Purge: URL/ARL objects |
| `ccu-cpcode` | 300 | 30/min | 300 | Fast Purge: CP code objects |
| `ccu-tag` | 5000 | 500/min | 5000 | Fast Purge: cache tag objects |
| `dns`, `cps`, `netlists`, other | 100 | 100/min | 100 | not published; an assumption |

Buckets are shared by all API clients of an account, like Akamai's. Every response of a limited
API carries `X-RateLimit-Limit` and `X-RateLimit-Remaining`; a 429 adds `Akamai-RateLimit-Next`
(RFC 3339 time with milliseconds when the next token is available), `Retry-After` (whole
seconds) and `Date`. Tokens are not consumed by a denied request.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class BucketSpec:
    """A token bucket: `capacity` tokens, refilled at `refill_per_s` per second."""

    capacity: float
    refill_per_s: float
    limit_header: int

    @classmethod
    def per_minute(cls, capacity: float, per_minute: float, limit_header: int) -> BucketSpec:
        return cls(capacity, per_minute / 60.0, limit_header)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BucketSpec:
        try:
            capacity = float(data["capacity"])
            if "refill_per_minute" in data:
                refill = float(data["refill_per_minute"]) / 60.0
            else:
                refill = float(data["refill_per_s"])
        except (KeyError, TypeError, ValueError):
            raise ValueError(
                "a rate limit needs 'capacity' and 'refill_per_s' (or 'refill_per_minute') "
                "as numbers"
            ) from None
        if capacity < 1 or refill <= 0:
            raise ValueError("'capacity' must be >= 1 and the refill rate > 0")
        limit = int(data.get("limit_header", capacity))
        return cls(capacity, refill, limit)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT_LIMITS: dict[str, BucketSpec] = {
    "papi": BucketSpec.per_minute(1000, 100, 100),
    "ccu": BucketSpec(100, 50.0, 100),
    "ccu-url": BucketSpec.per_minute(10000, 12000, 10000),
    "ccu-cpcode": BucketSpec.per_minute(300, 30, 300),
    "ccu-tag": BucketSpec.per_minute(5000, 500, 5000),
    "dns": BucketSpec.per_minute(100, 100, 100),
    "cps": BucketSpec.per_minute(100, 100, 100),
    "netlists": BucketSpec.per_minute(100, 100, 100),
    "default": BucketSpec.per_minute(100, 100, 100),
}


@dataclass
class RateDecision:
    """The outcome of taking tokens from a bucket."""

    allowed: bool
    family: str
    limit: int
    remaining: int
    retry_after_s: float = 0.0

    def headers(self, wall_now: float) -> dict[str, str]:
        from alecs.sandbox.state import iso_ms

        # a bucket may hold more tokens than the advertised limit (a burst allowance): the
        # remaining count shown never exceeds the limit, as on the real APIs
        remaining = max(0, min(self.remaining, self.limit))
        out = {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(remaining)}
        if not self.allowed:
            out["Akamai-RateLimit-Next"] = iso_ms(wall_now + self.retry_after_s)
            out["Retry-After"] = str(max(1, math.ceil(self.retry_after_s)))
        return out


class _Bucket:
    def __init__(self, spec: BucketSpec, now: float) -> None:
        self.spec = spec
        self.tokens = spec.capacity
        self.updated = now

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.spec.capacity, self.tokens + elapsed * self.spec.refill_per_s)
        self.updated = now


class RateLimiter:
    """Token buckets keyed by (account, family)."""

    def __init__(
        self,
        limits: Mapping[str, BucketSpec] | None = None,
        *,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.enabled = enabled
        self.limits: dict[str, BucketSpec] = {**DEFAULT_LIMITS, **(limits or {})}
        self._initial = (enabled, dict(self.limits))
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def spec(self, family: str) -> BucketSpec:
        return self.limits.get(family) or self.limits["default"]

    def configure(
        self, *, enabled: bool | None = None, limits: Mapping[str, BucketSpec] | None = None
    ) -> None:
        with self._lock:
            if enabled is not None:
                self.enabled = enabled
            if limits:
                self.limits.update(limits)
                for key in [k for k in self._buckets if k[1] in limits]:
                    del self._buckets[key]

    def refill(self) -> None:
        """Refill every bucket."""
        with self._lock:
            self._buckets.clear()

    def reset(self) -> None:
        """Back to the configuration the sandbox started with, every bucket full."""
        with self._lock:
            self.enabled, limits = self._initial
            self.limits = dict(limits)
            self._buckets.clear()

    def take(self, account: str, family: str, tokens: float = 1.0) -> RateDecision | None:
        """Take `tokens`; None when rate limiting is off."""
        decisions = self.take_all(account, {family: tokens})
        return decisions[0] if decisions else None

    def take_all(self, account: str, wants: Mapping[str, float]) -> list[RateDecision]:
        """Take tokens from several buckets at once, or from none of them.

        Returns one decision per bucket (empty when rate limiting is off). When any bucket
        lacks tokens, nothing is consumed and the denied decisions come first.
        """
        if not self.enabled or not wants:
            return []
        with self._lock:
            now = self._clock()
            checks: list[tuple[str, float, _Bucket, BucketSpec]] = []
            for family, tokens in wants.items():
                spec = self.spec(family)
                bucket = self._buckets.get((account, family))
                if bucket is None:
                    bucket = self._buckets[(account, family)] = _Bucket(spec, now)
                bucket.refill(now)
                checks.append((family, tokens, bucket, spec))
            denied = []
            for family, tokens, bucket, spec in checks:
                if tokens > spec.capacity:
                    wait = 3600.0
                elif bucket.tokens >= tokens:
                    continue
                else:
                    wait = (tokens - bucket.tokens) / spec.refill_per_s
                denied.append(
                    RateDecision(False, family, spec.limit_header, int(bucket.tokens), wait)
                )
            if denied:
                return denied
            out = []
            for family, tokens, bucket, spec in checks:
                bucket.tokens -= tokens
                out.append(RateDecision(True, family, spec.limit_header, int(bucket.tokens)))
            return out

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "enabled": self.enabled,
                "limits": {k: v.to_dict() for k, v in self.limits.items()},
            }

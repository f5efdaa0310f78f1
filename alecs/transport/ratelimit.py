"""Client-side rate limiting: token buckets per (section, account, API family).

Akamai enforces rate limits per account with token buckets and answers 429 when one is empty.
Waiting locally is cheaper than collecting 429s (each costs a round trip and a retry), so every
attempt takes a token first and sleeps when the bucket is empty. The buckets start from
Akamai's documented limits and adapt to the `X-RateLimit-*` headers of each response.

Documented limits used as defaults (Akamai TechDocs, "Rate limiting" pages):

- PAPI (`papi`): 100 requests per minute per account sustained, with a burst of 1,000 that
  refills by 100 per minute: a bucket of 1,000 refilled at 100/min. The whole account shares it,
  so `X-RateLimit-Remaining` lowering our count (other API clients) is taken as the truth.
- Fast Purge (`ccu`): a request bucket of 100 refilled at 50/s, plus object buckets per
  request: URLs/ARLs 10,000 refilled at 12,000/min, CP codes 300 at 30/min, cache tags 5,000 at
  500/min. A purge takes one request token and one object token per item in `objects`.
- CPS (`cps`): 35 requests per minute and 20 per 2 seconds, per account.
- Edge Diagnostics (`diagnostics`): 20 to 60 per minute depending on the tool; 20/min used.
- Families without a documented limit (`dns`, `netlists`, others): a generous bucket (100,
  refilled at 10/s) that only smooths pathological bursts; the real limit is learned from the
  response headers and 429 hints.

Buckets use reservations: `reserve()` takes the token at once (the count may go negative) and
returns how long the caller must wait for it, so concurrent callers queue fairly in O(1) with no
lock and no background task. A caller that gives up (deadline) hands its reservation back.

A 429 (or Akamai's IP block) pauses the group until the time Akamai named (`pause()`): every
bucket is set so that its next token is due at the end of the pause and the following ones at
the refill rate, so the callers waiting behind the pause are released one by one at the rate the
bucket refills, not all at once. A caller that was already asleep when the pause began
re-reserves when it wakes (`paused_since()`).

`X-RateLimit-Remaining` lower than our count means another client of the same account spent
the bucket: we believe the server (`learn()`). Groups are kept in an LRU cache of
`max_groups` (256) entries: account switch keys are open-ended, so the number of groups must be
bounded; an evicted group starts again from the documented limits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cachetools import LRUCache

from alecs.transport.clock import Clock


@dataclass(frozen=True, slots=True)
class BucketSpec:
    """One token bucket: `capacity` tokens, refilled at `per_second`."""

    capacity: float
    per_second: float

    @classmethod
    def per_minute(cls, rate: float, burst: float | None = None) -> BucketSpec:
        return cls(capacity=burst if burst is not None else rate, per_second=rate / 60.0)


@dataclass(frozen=True, slots=True)
class RateLimitSpec:
    """The rate limits of one API family.

    `buckets`: request buckets (each request takes one token from each).
    `object_buckets`: per object kind (Fast Purge: `url`, `cpcode`, `tag`), one token per object.
    `limit_header`: how to read `X-RateLimit-Limit`: `"capacity"` (the bucket size, Fast Purge),
    `"per_minute"` (the sustained rate per minute, PAPI) or `"ignore"`.
    """

    buckets: tuple[BucketSpec, ...]
    object_buckets: Mapping[str, BucketSpec] = field(default_factory=dict)
    limit_header: str = "per_minute"
    source: str = ""

    @classmethod
    def simple(cls, capacity: float, per_second: float, **kw: Any) -> RateLimitSpec:
        """One request bucket; `X-RateLimit-Limit` read as its capacity unless told otherwise."""
        kw.setdefault("limit_header", "capacity")
        return cls(buckets=(BucketSpec(capacity, per_second),), **kw)


# Without documentation we cannot know the window of `X-RateLimit-Limit`; reading it as the
# bucket size is the safe choice (a wrong "per minute" reading could slow calls down a
# hundredfold). `X-RateLimit-Remaining` and 429 hints still keep us below the real limit.
UNDOCUMENTED = RateLimitSpec.simple(
    100, 10.0, limit_header="capacity", source="no documented limit; learned from headers"
)

DEFAULT_RATE_LIMITS: dict[str, RateLimitSpec] = {
    "papi": RateLimitSpec(
        buckets=(BucketSpec.per_minute(100, burst=1000),),
        limit_header="per_minute",
        source="https://techdocs.akamai.com/property-mgr/reference/rate-and-resource-limiting",
    ),
    "ccu": RateLimitSpec(
        buckets=(BucketSpec(100, 50.0),),
        object_buckets={
            "url": BucketSpec.per_minute(12_000, burst=10_000),
            "arl": BucketSpec.per_minute(12_000, burst=10_000),
            "cpcode": BucketSpec.per_minute(30, burst=300),
            "tag": BucketSpec.per_minute(500, burst=5_000),
        },
        limit_header="capacity",
        source="https://techdocs.akamai.com/purge-cache/reference/rate-limiting",
    ),
    "cps": RateLimitSpec(
        buckets=(BucketSpec.per_minute(35), BucketSpec(20, 10.0)),
        limit_header="ignore",
        source="https://techdocs.akamai.com/cps/reference/rate-limiting",
    ),
    "diagnostics": RateLimitSpec(
        buckets=(BucketSpec.per_minute(20),),
        source="https://techdocs.akamai.com/edge-diagnostics/reference/rate-limiting",
    ),
}

_PREFIX_FAMILIES = {
    "papi": "papi",
    "ccu": "ccu",
    "config-dns": "dns",
    "cps": "cps",
    "network-list": "netlists",
    "edge-diagnostics": "diagnostics",
    "reporting-api": "reporting",
}


def family_for_path(path: str) -> str:
    """API family from the first path segment: `/papi/v1/...` -> `papi`."""
    start = 1 if path.startswith("/") else 0
    end = path.find("/", start)
    segment = path[start:] if end < 0 else path[start:end]
    query = segment.find("?")
    if query >= 0:
        segment = segment[:query]
    return _PREFIX_FAMILIES.get(segment, segment or "default")


def purge_objects(path: str, body: Any) -> tuple[str, int] | None:
    """(`url`|`arl`|`cpcode`|`tag`, number of objects) for a Fast Purge request, else None."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    # ccu/v3/{invalidate|delete}/{url|arl|cpcode|tag}/{network}
    if len(parts) < 4 or parts[0] != "ccu":
        return None
    kind = parts[3]
    objects = body.get("objects") if isinstance(body, dict) else None
    if not isinstance(objects, list):
        return None
    return kind, len(objects)


class TokenBucket:
    """A reservation-based token bucket (see the module docstring)."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity = float(capacity)
        self.rate = float(rate)
        self.tokens = float(capacity)
        self.stamp = now

    def _refill(self, now: float) -> None:
        elapsed = now - self.stamp
        if elapsed > 0:
            self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
            self.stamp = now

    def reserve(self, now: float, cost: float = 1.0) -> float:
        """Take `cost` tokens; return the seconds until they are really there (0 if now)."""
        self._refill(now)
        self.tokens -= cost
        if self.tokens >= 0:
            return 0.0
        if self.rate <= 0:
            return float("inf")
        return -self.tokens / self.rate

    def give_back(self, cost: float = 1.0) -> None:
        self.tokens = min(self.capacity, self.tokens + cost)

    def defer(self, now: float, until: float) -> bool:
        """No token before `until`, then one every `1/rate` s. False when the bucket was
        already booked further ahead than that (its queue stays as it is)."""
        self._refill(now)
        tokens = 1.0 - max(0.0, until - now) * self.rate
        if tokens >= self.tokens:
            return False
        self.tokens = tokens
        return True

    def clamp(self, now: float, remaining: float) -> None:
        """The server says only `remaining` tokens are left: never believe we have more."""
        self._refill(now)
        if remaining < self.tokens:
            self.tokens = float(remaining)

    def available(self, now: float) -> float:
        self._refill(now)
        return self.tokens


def _header_float(headers: Mapping[str, str], name: str) -> float | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


class BucketGroup:
    """The buckets of one (section, account, family), with its wait counters."""

    __slots__ = (
        "_safety",
        "block_reason",
        "blocked_until",
        "buckets",
        "family",
        "object_buckets",
        "pauses",
        "spec",
        "wait_seconds",
        "waits",
    )

    def __init__(self, family: str, spec: RateLimitSpec, safety: float, now: float) -> None:
        self.family = family
        self.spec = spec
        self._safety = safety
        self.buckets = [TokenBucket(b.capacity, b.per_second * safety, now) for b in spec.buckets]
        self.object_buckets = {
            kind: TokenBucket(b.capacity, b.per_second * safety, now)
            for kind, b in spec.object_buckets.items()
        }
        self.blocked_until = 0.0
        self.block_reason = ""
        self.pauses = 0
        self.waits = 0
        self.wait_seconds = 0.0

    def reserve(self, now: float, objects: tuple[str, int] | None = None) -> float:
        wait = self.blocked_until - now
        for bucket in self.buckets:
            w = bucket.reserve(now)
            if w > wait:
                wait = w
        if objects is not None:
            bucket = self.object_buckets.get(objects[0])
            if bucket is not None and objects[1] > 0:
                w = bucket.reserve(now, min(objects[1], bucket.capacity))
                if w > wait:
                    wait = w
        return wait if wait > 0 else 0.0

    def give_back(self, objects: tuple[str, int] | None = None) -> None:
        for bucket in self.buckets:
            bucket.give_back()
        if objects is not None:
            bucket = self.object_buckets.get(objects[0])
            if bucket is not None and objects[1] > 0:
                bucket.give_back(min(objects[1], bucket.capacity))

    def record_wait(self, seconds: float) -> None:
        self.waits += 1
        self.wait_seconds += seconds

    def pause(self, now: float, until: float, reason: str = "") -> None:
        """Akamai said 429 (or blocked the IP) and when to come back: no token until `until`,
        then tokens at the refill rate (see the module docstring)."""
        if until <= self.blocked_until:
            return
        self.blocked_until = until
        self.block_reason = reason
        self.pauses += 1
        for bucket in self.buckets:
            bucket.defer(now, until)

    def paused_since(self, now: float, pauses: int) -> bool:
        """Whether a pause began after the caller read `pauses` and still lasts."""
        return self.pauses != pauses and self.blocked_until > now

    def learn(self, headers: Mapping[str, str], now: float) -> None:
        """Adapt to `X-RateLimit-Limit`, `-Remaining` and `-Limit-Per-Second`."""
        if not self.buckets:
            return
        primary = self.buckets[0]
        limit = _header_float(headers, "x-ratelimit-limit")
        if limit is not None and limit > 0:
            if self.spec.limit_header == "capacity" and limit != primary.capacity:
                primary.capacity = limit
                primary.tokens = min(primary.tokens, limit)
            elif self.spec.limit_header == "per_minute":
                rate = limit / 60.0 * self._safety
                if abs(rate - primary.rate) > 1e-9:
                    primary.rate = rate
        per_second = _header_float(headers, "x-ratelimit-limit-per-second")
        if per_second is not None and per_second > 0:
            primary.rate = per_second * self._safety
        remaining = _header_float(headers, "x-ratelimit-remaining")
        if remaining is not None and remaining >= 0:
            primary.clamp(now, remaining)

    def state(self, now: float) -> dict[str, Any]:
        return {
            "family": self.family,
            "tokens": [round(b.available(now), 2) for b in self.buckets],
            "capacity": [b.capacity for b in self.buckets],
            "per_second": [round(b.rate, 4) for b in self.buckets],
            "paused_for_s": round(max(0.0, self.blocked_until - now), 3),
            "waits": self.waits,
            "wait_seconds": round(self.wait_seconds, 3),
        }


class RateLimiter:
    """All bucket groups of a `Transport`."""

    def __init__(
        self,
        clock: Clock,
        overrides: Mapping[str, RateLimitSpec] | None = None,
        *,
        safety: float = 0.9,
        enabled: bool = True,
        max_groups: int = 256,
    ) -> None:
        self._clock = clock
        self._specs = {**DEFAULT_RATE_LIMITS, **(overrides or {})}
        self._safety = safety
        self.enabled = enabled
        self._section_blocks: dict[str, tuple[float, str]] = {}
        self._groups: LRUCache[tuple[str, str | None, str], BucketGroup] = LRUCache(
            maxsize=max_groups
        )

    def spec_for(self, family: str) -> RateLimitSpec:
        return self._specs.get(family) or self._specs.get("default") or UNDOCUMENTED

    def group(self, section: str, account: str | None, family: str) -> BucketGroup:
        key = (section, account, family)
        group = self._groups.get(key)
        if group is None:
            now = self._clock.monotonic()
            group = BucketGroup(family, self.spec_for(family), self._safety, now)
            block = self._section_blocks.get(section)
            if block is not None and block[0] > now:
                group.pause(now, block[0], block[1])
            self._groups[key] = group
        return group

    def groups(self) -> dict[tuple[str, str | None, str], BucketGroup]:
        return dict(self._groups.items())

    def pause_section(self, section: str, now: float, until: float, reason: str) -> None:
        """Pause every group of a section (an IP block stops all APIs of this client), and the
        groups it makes until then."""
        self._section_blocks[section] = (until, reason)
        for key, group in list(self._groups.items()):
            if key[0] == section:
                group.pause(now, until, reason)

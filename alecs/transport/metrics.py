"""Cheap, bounded-memory metrics per section and host, and the `NetworkHealth` snapshot.

Recording is on the hot path of every attempt, so it is a handful of integer additions and one
store into a fixed ring buffer; all sorting and division happen in `snapshot()`, which runs only
when somebody asks (`Transport.health()`).

- Latency: mean over all attempts, percentiles (p50/p95/p99) over the last `samples` attempts
  (a ring buffer: bounded memory, recent behaviour).
- Requests per second over the last minute: 60 one-second slots on the transport's clock.
- Compression: raw bytes read from the socket (before decoding) vs decoded body bytes.
- Connection reuse: connections opened by the pool vs requests sent.
"""

from __future__ import annotations

from array import array
from typing import Any

from pydantic import BaseModel, Field


class LatencyStats(BaseModel):
    """Latency of attempts, in milliseconds."""

    count: int = 0
    mean_ms: float | None = None
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None


class PoolState(BaseModel):
    """The connection pool of one section, now."""

    connections: int = 0
    idle: int = 0
    in_use: int = 0
    queued: int = 0
    http2_connections: int = 0


class BreakerState(BaseModel):
    """The circuit breaker of one (host, API family), now: failure rate over a sliding window
    of the last `window` calls, open at `failure_threshold` once `min_calls` are in it."""

    host: str = ""
    family: str = ""
    state: str = "closed"
    calls_in_window: int = 0
    failures_in_window: int = 0
    failure_rate: float | None = None
    window: int = 20
    min_calls: int = 10
    failure_threshold: float = 0.5
    reset_timeout_s: float = 30.0
    retry_in_s: float = 0.0
    times_opened: int = 0
    probes: int = 0
    probe_in_flight: bool = False


class RateLimitState(BaseModel):
    """One client-side rate-limit bucket group (section, account, API family)."""

    section: str
    account: str
    family: str
    tokens: list[float]
    capacity: list[float]
    per_second: list[float]
    paused_for_s: float
    waits: int
    wait_seconds: float


class DnsStats(BaseModel):
    """The shared DNS cache."""

    hits: int = 0
    misses: int = 0
    negative_hits: int = 0
    evictions: int = 0
    failures: int = 0
    cached_hosts: int = 0
    ttl_s: float = 300.0
    negative_ttl_s: float = 5.0
    hit_ratio: float | None = None


class HostHealth(BaseModel):
    """Everything measured for one section (one API client) and its host."""

    section: str
    host: str
    proxy: str | None = None
    calls: int = Field(0, description="calls completed (followers of a shared GET excluded)")
    requests: int = Field(0, description="attempts sent on the wire (retries included)")
    shared_calls: int = Field(0, description="calls answered by another identical in-flight GET")
    retries: int = 0
    errors: dict[str, int] = Field(default_factory=dict)
    status_codes: dict[str, int] = Field(default_factory=dict)
    rate_limit_waits: int = 0
    rate_limit_wait_seconds: float = 0.0
    rate_limit_retries: int = Field(
        0, description="attempts repeated after a 429 or IP block (no retry budget spent)"
    )
    latency: LatencyStats = Field(default_factory=LatencyStats)
    requests_per_second_1m: float = 0.0
    http_versions: dict[str, int] = Field(default_factory=dict)
    connections_opened: int = 0
    reuse_ratio: float | None = Field(
        None, description="share of requests that did not open a connection"
    )
    pool: PoolState = Field(default_factory=PoolState)
    bytes_on_wire: int = 0
    bytes_decoded: int = 0
    compression_ratio: float | None = Field(None, description="decoded bytes / bytes on wire")
    breaker: BreakerState = Field(
        default_factory=BreakerState,
        description="the host's breaker in the worst state (one per API family in `breakers`)",
    )
    breakers: list[BreakerState] = Field(default_factory=list)
    retry_budget_left: int = 0
    retry_budget_capacity: int = 0


class NetworkTotals(BaseModel):
    """Sums over all sections."""

    calls: int = 0
    requests: int = 0
    retries: int = 0
    errors: int = 0
    connections_opened: int = 0
    reuse_ratio: float | None = None
    bytes_on_wire: int = 0
    bytes_decoded: int = 0
    compression_ratio: float | None = None
    requests_per_second_1m: float = 0.0


class NetworkHealth(BaseModel):
    """One snapshot of the network layer: per section and host, plus DNS and rate limits."""

    uptime_s: float
    hosts: list[HostHealth]
    dns: DnsStats
    rate_limits: list[RateLimitState] = Field(default_factory=list)
    totals: NetworkTotals = Field(default_factory=NetworkTotals)
    settings: dict[str, Any] = Field(default_factory=dict)

    def host(self, section: str) -> HostHealth:
        for item in self.hosts:
            if item.section == section:
                return item
        raise KeyError(section)


def _ratio(numerator: float, denominator: float) -> float | None:
    if denominator <= 0:
        return None
    return round(numerator / denominator, 4)


def _percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return sorted_values[index]


class HostMetrics:
    """Counters for one section/host. Not thread-safe by design: one event loop records."""

    __slots__ = (
        "_lat",
        "_lat_i",
        "_lat_mask",
        "_lat_n",
        "_rps_counts",
        "_rps_stamps",
        "bytes_decoded",
        "bytes_wire",
        "calls",
        "errors",
        "http_versions",
        "latency_max",
        "latency_sum",
        "rate_limit_retries",
        "rate_limit_wait_seconds",
        "rate_limit_waits",
        "requests",
        "retries",
        "shared_calls",
        "status_codes",
    )

    def __init__(self, samples: int = 2048) -> None:
        size = 1
        while size < samples:
            size <<= 1
        self._lat = array("d", bytes(8 * size))
        self._lat_mask = size - 1
        self._lat_i = 0
        self._lat_n = 0
        self._rps_counts = [0] * 60
        self._rps_stamps = [-1] * 60
        self.calls = 0
        self.requests = 0
        self.shared_calls = 0
        self.retries = 0
        self.errors: dict[str, int] = {}
        self.status_codes: dict[int, int] = {}
        self.http_versions: dict[str, int] = {}
        self.rate_limit_waits = 0
        self.rate_limit_wait_seconds = 0.0
        self.rate_limit_retries = 0
        self.latency_sum = 0.0
        self.latency_max = 0.0
        self.bytes_wire = 0
        self.bytes_decoded = 0

    def record_attempt(
        self,
        now: float,
        latency: float,
        status: int | None,
        http_version: str | None,
        wire: int,
        decoded: int,
    ) -> None:
        self.requests += 1
        i = self._lat_i
        self._lat[i] = latency
        self._lat_i = (i + 1) & self._lat_mask
        self._lat_n += 1
        self.latency_sum += latency
        if latency > self.latency_max:
            self.latency_max = latency
        second = int(now)
        slot = second % 60
        if self._rps_stamps[slot] != second:
            self._rps_stamps[slot] = second
            self._rps_counts[slot] = 1
        else:
            self._rps_counts[slot] += 1
        if status is not None:
            self.status_codes[status] = self.status_codes.get(status, 0) + 1
        if http_version is not None:
            self.http_versions[http_version] = self.http_versions.get(http_version, 0) + 1
        self.bytes_wire += wire
        self.bytes_decoded += decoded

    def record_error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def latency_stats(self) -> LatencyStats:
        if self._lat_n == 0:
            return LatencyStats()
        values = sorted(self._lat[: min(self._lat_n, self._lat_mask + 1)])
        return LatencyStats(
            count=self._lat_n,
            mean_ms=round(self.latency_sum / self._lat_n * 1000, 3),
            p50_ms=round(_percentile(values, 0.50) * 1000, 3),
            p95_ms=round(_percentile(values, 0.95) * 1000, 3),
            p99_ms=round(_percentile(values, 0.99) * 1000, 3),
            max_ms=round(self.latency_max * 1000, 3),
        )

    def rps(self, now: float) -> float:
        second = int(now)
        total = 0
        for slot in range(60):
            stamp = self._rps_stamps[slot]
            if stamp >= 0 and second - stamp < 60:
                total += self._rps_counts[slot]
        return round(total / 60.0, 3)

    def snapshot(self, now: float, connections_opened: int, **extra: Any) -> HostHealth:
        return HostHealth(
            calls=self.calls,
            requests=self.requests,
            shared_calls=self.shared_calls,
            retries=self.retries,
            errors=dict(self.errors),
            status_codes={str(k): v for k, v in sorted(self.status_codes.items())},
            rate_limit_waits=self.rate_limit_waits,
            rate_limit_retries=self.rate_limit_retries,
            rate_limit_wait_seconds=round(self.rate_limit_wait_seconds, 3),
            latency=self.latency_stats(),
            requests_per_second_1m=self.rps(now),
            http_versions=dict(self.http_versions),
            connections_opened=connections_opened,
            reuse_ratio=_ratio(max(0, self.requests - connections_opened), self.requests),
            bytes_on_wire=self.bytes_wire,
            bytes_decoded=self.bytes_decoded,
            compression_ratio=_ratio(self.bytes_decoded, self.bytes_wire),
            **extra,
        )


def totals(hosts: list[HostHealth]) -> NetworkTotals:
    requests = sum(h.requests for h in hosts)
    opened = sum(h.connections_opened for h in hosts)
    wire = sum(h.bytes_on_wire for h in hosts)
    decoded = sum(h.bytes_decoded for h in hosts)
    return NetworkTotals(
        calls=sum(h.calls for h in hosts),
        requests=requests,
        retries=sum(h.retries for h in hosts),
        errors=sum(sum(h.errors.values()) for h in hosts),
        connections_opened=opened,
        reuse_ratio=_ratio(max(0, requests - opened), requests),
        bytes_on_wire=wire,
        bytes_decoded=decoded,
        compression_ratio=_ratio(decoded, wire),
        requests_per_second_1m=round(sum(h.requests_per_second_1m for h in hosts), 3),
    )

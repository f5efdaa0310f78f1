"""`TransportSettings`: every knob of the network layer, with defaults and the reasons for them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from alecs.transport.ratelimit import RateLimitSpec
from alecs.transport.retry import RetryPolicy


@dataclass(frozen=True, slots=True)
class TransportSettings:
    """Settings for `Transport`. Immutable; use `.replace(...)` for a changed copy.

    Pooling (one long-lived client and connection pool per credential section):

    - `max_connections=25` per host: HTTP/2 multiplexes everything over one connection, so
      this only matters for HTTP/1.1 (forced, or a proxy/middlebox without h2). 25 parallel
      requests is well above what one account may sustain under Akamai's rate limits (PAPI
      allows about 100 per minute), so more connections would only buy 429s.
    - `max_keepalive=10` idle connections kept: over HTTP/2 there is one connection per host,
      so the setting does not matter there. Over HTTP/1.1 (forced, or a proxy without h2) it
      keeps a sequential workload and small bursts warm without holding a full pool of idle
      sockets open against Akamai's edge; a burst wider than 10 parallel calls reconnects
      what it opened beyond that (TCP + TLS, two to three round trips) in its next burst. For
      bursty HTTP/1.1 workloads raise it up to `max_connections` (measured: 100-call bursts
      then open no new connections).
    - `keepalive_expiry=60` s: tool calls come in bursts separated by the time a person or a
      model takes to think (tens of seconds); keeping connections for a minute makes the next
      burst warm (no DNS, TCP or TLS round trips). Idle connections the server closed earlier
      are detected and dropped by the pool before reuse.

    Protocol: `http2=True` offers HTTP/2 by ALPN and falls back to HTTP/1.1 when the server
    does not agree; `force_http1=True` never offers h2 (for debugging or broken middleboxes).
    TLS verification is always on (CA from the section's `ca_bundle`, `SSL_CERT_FILE`,
    `REQUESTS_CA_BUNDLE` or the system store), TLS 1.2 is the minimum, and redirects are never
    followed (a redirected hop would carry a signature made for another URL).

    Timeouts (per attempt): `connect_timeout=5` s (a TCP+TLS handshake to Akamai's edge takes
    milliseconds; 5 s means the path is broken and a retry on a fresh connection is better),
    `read_timeout=30` s and `write_timeout=30` s (some Akamai operations, such as large rule
    trees, take several seconds to produce), `pool_timeout=10` s (waiting for a free
    connection). `deadline=120` s bounds a whole call, retries and waits included; every wait
    is clipped to it (a call may pass its own `deadline=`; `None` disables the default).

    DNS: `dns_ttl=300` s, `dns_negative_ttl=5` s (capped at 5), see `alecs.transport.dns`.

    Circuit breaker per (host, API family), on each call's final outcome: opens when at least
    `breaker_failure_rate=0.5` of the last `breaker_window=20` calls failed (5xx, timeouts,
    connection errors) once `breaker_min_calls=10` are counted; one probe after
    `breaker_reset_timeout=30` s (see `alecs.transport.breaker` for why these numbers).

    Rate limiting: client-side token buckets per (section, account, API family) from Akamai's
    documented limits (`alecs.transport.ratelimit.DEFAULT_RATE_LIMITS`), overridable per family
    in `rate_limits`. `rate_limit_safety=0.9` refills at 90% of the documented rate, so the
    client's bucket never runs ahead of Akamai's because of clock or network jitter.

    `single_flight=True` shares one request among identical concurrent GETs.
    `trust_env=True` honours `HTTPS_PROXY`/`ALL_PROXY`/`NO_PROXY`.
    `compress_request_paths`: request bodies are gzip-compressed only for paths starting with one
    of these prefixes (Akamai APIs generally do not accept compressed bodies: default none), and
    only when larger than `compress_min_bytes`.
    """

    max_connections: int = 25
    max_keepalive: int = 10
    keepalive_expiry: float = 60.0
    http2: bool = True
    force_http1: bool = False
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    write_timeout: float = 30.0
    pool_timeout: float = 10.0
    deadline: float | None = 120.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker_window: int = 20
    breaker_min_calls: int = 10
    breaker_failure_rate: float = 0.5
    breaker_reset_timeout: float = 30.0
    dns_ttl: float = 300.0
    dns_negative_ttl: float = 5.0
    rate_limiting: bool = True
    rate_limits: Mapping[str, RateLimitSpec] = field(default_factory=dict)
    rate_limit_safety: float = 0.9
    single_flight: bool = True
    trust_env: bool = True
    user_agent: str = "alecs"
    compress_request_paths: tuple[str, ...] = ()
    compress_min_bytes: int = 1024
    warm_up_path: str = "/"
    latency_samples: int = 2048

    def __post_init__(self) -> None:
        positive = {
            "max_connections": self.max_connections,
            "breaker_window": self.breaker_window,
            "breaker_min_calls": self.breaker_min_calls,
            "latency_samples": self.latency_samples,
        }
        for name, value in positive.items():
            if value < 1:
                raise ValueError(f"TransportSettings.{name} must be >= 1, got {value}")
        non_negative = {
            "max_keepalive": self.max_keepalive,
            "keepalive_expiry": self.keepalive_expiry,
            "connect_timeout": self.connect_timeout,
            "read_timeout": self.read_timeout,
            "write_timeout": self.write_timeout,
            "pool_timeout": self.pool_timeout,
            "breaker_reset_timeout": self.breaker_reset_timeout,
            "dns_ttl": self.dns_ttl,
            "dns_negative_ttl": self.dns_negative_ttl,
        }
        for name, value in non_negative.items():
            if value < 0:
                raise ValueError(f"TransportSettings.{name} must be >= 0, got {value}")
        if self.deadline is not None and self.deadline <= 0:
            raise ValueError("TransportSettings.deadline must be > 0 seconds or None")
        if self.breaker_min_calls > self.breaker_window:
            raise ValueError("TransportSettings.breaker_min_calls must be <= breaker_window")
        if not 0 < self.breaker_failure_rate <= 1:
            raise ValueError("TransportSettings.breaker_failure_rate must be in (0, 1]")
        if not 0 < self.rate_limit_safety <= 1:
            raise ValueError("TransportSettings.rate_limit_safety must be in (0, 1]")

    def replace(self, **changes: Any) -> TransportSettings:
        """A copy with some fields changed."""
        return replace(self, **changes)

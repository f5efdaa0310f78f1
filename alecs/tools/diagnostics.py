"""`network-diagnostics`: the network layer's health per section and host, graded A-F.

The grade comes from the first rule that matches, checked from worst to best (the rule is
returned with the grade, so the reason is never hidden):

====  ============================================================================
F     a circuit breaker is open, or a probe (``probe: true``) failed to connect
D     >= 20 % of requests failed (5xx, timeouts, connection errors; at least 10
      requests), or a breaker is half-open
C     >= 5 % failed, or latency p95 >= 3 s, or >= 10 % of requests waited for the
      rate limiter, or a probe took >= 2 s to the first byte
B     latency p95 >= 1 s, or >= 5 % of requests were retried, or connection reuse
      below 80 % (at least 20 requests), or a probe took >= 800 ms to the first byte
A     none of the above
====  ============================================================================

Akamai's 4xx answers (a missing property, a validation error) say nothing about the network and
do not count as failures. The suggested refresh interval shortens as the grade drops
(A 60 s, B 30 s, C 15 s, D and F 10 s); grade, rule and interval are also in the result's
``_meta`` under ``alecs/performance``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from alecs.tools._common import Ctx, Customer, ToolOutput, app_state, resolve_section, tool
from alecs.transport.metrics import DnsStats, HostHealth, NetworkTotals, RateLimitState
from alecs.transport.probe import ProbeResult

Grade = Literal["A", "B", "C", "D", "F"]
REFRESH_SECONDS: dict[str, int] = {"A": 60, "B": 30, "C": 15, "D": 10, "F": 10}
META_KEY = "alecs/performance"
NETWORK_ERRORS = frozenset(
    ("dns", "tls", "connect", "timeout", "pool_timeout", "proxy", "protocol", "connection")
)


class NetworkDiagnostics(ToolOutput):
    """Health of the network layer, graded A-F with the rule that produced the grade."""

    grade: Grade
    grade_rule: str = Field(description="the rule that produced the grade")
    refresh_seconds: int = Field(description="suggested interval for dashboards to refresh")
    generated_at: str
    default_section: str
    sections: list[str] = Field(description="the configured .edgerc sections (customers)")
    sandbox: str | None = Field(None, description="the sandbox URL when running --sandbox")
    uptime_seconds: float
    failures: int = Field(description="5xx answers, timeouts and connection errors")
    hosts: list[HostHealth] = Field(description="per section (API client) and its host")
    dns: DnsStats
    totals: NetworkTotals
    rate_limits: list[RateLimitState] = Field(default_factory=list)
    probes: list[ProbeResult] | None = Field(None, description="with probe: true")

    def summary(self) -> str:
        lines = [
            f"Network grade {self.grade}: {self.grade_rule}",
            f"{self.totals.requests} requests since start; sections: {', '.join(self.sections)} "
            f"(default {self.default_section}); refresh in {self.refresh_seconds} s.",
        ]
        for h in self.hosts:
            versions = ",".join(sorted(h.http_versions)) or "n/a"
            reuse = "n/a" if h.reuse_ratio is None else f"{h.reuse_ratio:.0%}"
            lines.append(
                f"- {h.section} {h.host}: {h.requests} requests, p95 {_ms(h.latency.p95_ms)}, "
                f"reuse {reuse}, {versions}, breaker {h.breaker.state}"
            )
        for p in self.probes or []:
            if p.error:
                lines.append(f"- probe {p.section} {p.host}: FAILED {p.error}")
            else:
                lines.append(
                    f"- probe {p.section} {p.host}: dns {_ms(p.dns_ms)}, tcp {_ms(p.connect_ms)}, "
                    f"tls {_ms(p.tls_ms)}, first byte {_ms(p.ttfb_ms)} ({p.http_version or '?'})"
                )
        return "\n".join(lines)

    def result_meta(self) -> dict[str, Any]:
        return {
            META_KEY: {
                "grade": self.grade,
                "rule": self.grade_rule,
                "refresh_seconds": self.refresh_seconds,
            }
        }


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} ms"


# --------------------------------------------------------------------------- grading


def failures(h: HostHealth) -> int:
    """5xx answers plus network errors (timeouts, connection, DNS, TLS) of one host."""
    server_errors = sum(n for code, n in h.status_codes.items() if code.startswith("5"))
    network = sum(n for kind, n in h.errors.items() if kind in NETWORK_ERRORS)
    return server_errors + network


def _breaker(h: HostHealth) -> str:
    return h.breaker.state.lower().replace("_", "-")


def grade(hosts: list[HostHealth], probes: list[ProbeResult] | None = None) -> tuple[Grade, str]:
    """The grade and the rule that produced it (see the module docstring)."""
    probes = probes or []
    for h in hosts:
        if _breaker(h) == "open":
            return "F", (
                f"circuit breaker open for {h.host} ({h.section}): calls fail at once, "
                f"next probe in {h.breaker.retry_in_s:.0f} s"
            )
    for p in probes:
        if p.error:
            return "F", f"probe to {p.host} ({p.section}) failed: {p.error}"
    for h in hosts:
        if _breaker(h) == "half-open":
            return "D", f"circuit breaker half-open for {h.host}: recovering from failures"

    requests = sum(h.requests for h in hosts)
    failed = sum(failures(h) for h in hosts)
    retries = sum(h.retries for h in hosts)
    waits = sum(h.rate_limit_waits for h in hosts)
    failure_rate = failed / requests if requests else 0.0
    timed = [h for h in hosts if h.latency.p95_ms is not None]
    slowest = max(timed, key=lambda h: h.latency.p95_ms or 0.0, default=None)
    p95 = slowest.latency.p95_ms if slowest is not None else None
    ttfb = max((p.ttfb_ms for p in probes if p.ttfb_ms is not None), default=None)
    reused = [h for h in hosts if h.requests >= 20 and h.reuse_ratio is not None]
    worst_reuse = min(reused, key=lambda h: h.reuse_ratio or 0.0, default=None)

    if requests >= 10 and failure_rate >= 0.20:
        return "D", f"{failure_rate:.0%} of {requests} requests failed (5xx, timeout, connection)"
    if requests >= 10 and failure_rate >= 0.05:
        return "C", f"{failure_rate:.0%} of {requests} requests failed (5xx, timeout, connection)"
    if slowest is not None and p95 is not None and p95 >= 3000:
        return "C", f"latency p95 {p95:.0f} ms to {slowest.host} (>= 3000 ms)"
    if requests >= 10 and waits / requests >= 0.10:
        return "C", f"{waits} of {requests} requests waited for the rate limiter (>= 10%)"
    if ttfb is not None and ttfb >= 2000:
        return "C", f"probe first byte after {ttfb:.0f} ms (>= 2000 ms)"
    if slowest is not None and p95 is not None and p95 >= 1000:
        return "B", f"latency p95 {p95:.0f} ms to {slowest.host} (>= 1000 ms)"
    if requests >= 10 and retries / requests >= 0.05:
        return "B", f"{retries} retries for {requests} requests (>= 5%)"
    if worst_reuse is not None and (worst_reuse.reuse_ratio or 0.0) < 0.8:
        return "B", (
            f"connection reuse {worst_reuse.reuse_ratio:.0%} to {worst_reuse.host} (< 80%): "
            "connections are not kept alive"
        )
    if ttfb is not None and ttfb >= 800:
        return "B", f"probe first byte after {ttfb:.0f} ms (>= 800 ms)"
    if requests == 0 and not probes:
        return "A", "no requests yet and no breaker open (probe: true measures the path now)"
    parts = [f"{requests} requests, {failure_rate:.0%} failed"]
    if p95 is not None:
        parts.append(f"p95 {p95:.0f} ms")
    if ttfb is not None:
        parts.append(f"probe first byte {ttfb:.0f} ms")
    return "A", "no rule for a lower grade matched: " + ", ".join(parts)


# --------------------------------------------------------------------------- the tool


async def collect(ctx: Ctx, customer: str | None, probe: bool) -> NetworkDiagnostics:
    """Build the diagnostics for the configured sections (or one ``customer``)."""
    state = app_state(ctx)
    sections = [resolve_section(ctx, customer)] if customer else list(state.sections)
    health = state.transport.health()
    hosts = [h for h in health.hosts if h.section in sections]
    probes = [await state.transport.probe(section) for section in sections] if probe else None
    letter, rule = grade(hosts, probes)
    return NetworkDiagnostics(
        grade=letter,
        grade_rule=rule,
        refresh_seconds=REFRESH_SECONDS[letter],
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        default_section=state.default_section,
        sections=list(state.sections),
        sandbox=getattr(state.sandbox, "url", None),
        uptime_seconds=round(time.time() - state.started_at, 1),
        failures=sum(failures(h) for h in hosts),
        hosts=hosts,
        dns=health.dns,
        totals=health.totals,
        rate_limits=[r for r in health.rate_limits if r.section in sections],
        probes=probes,
    )


@tool("network-diagnostics", toolset="diagnostics", kind="read", title="Network diagnostics")
async def network_diagnostics(
    ctx: Ctx,
    probe: Annotated[
        bool,
        Field(
            description="Also measure DNS lookup, TCP connect, TLS handshake and time to "
            "first byte to each configured Akamai host now (one small request each)."
        ),
    ] = False,
    customer: Customer = None,
) -> NetworkDiagnostics:
    """Health of alecs' connection to Akamai's APIs, graded A-F with the reason.

    Use it when calls are slow, time out, hit rate limits (429) or fail with connection
    errors, or when the user asks about connectivity or performance. Also lists the
    configured .edgerc sections (customers) and the default one.

    Returns per section and host: connection pool (active, idle, queued), latency
    mean/p50/p95/p99, requests per second, HTTP version, connection reuse ratio,
    compression ratio, DNS cache hit rate, retries, rate-limit waits and circuit breaker
    state; a grade A-F with the rule that produced it and a suggested refresh interval.
    `probe: true` adds fresh DNS/TCP/TLS/first-byte timings. `customer` limits the report
    to one section.
    """
    return await collect(ctx, customer, probe)


def render_table(data: Mapping[str, Any]) -> str:
    """`alecs diagnose`: the structured result as a plain-text table."""
    lines = [
        f"grade {data.get('grade')}: {data.get('grade_rule')}",
        f"sections: {', '.join(data.get('sections', []))} (default {data.get('default_section')})"
        + (f"; sandbox {data['sandbox']}" if data.get("sandbox") else ""),
        "",
    ]
    header = (
        "SECTION",
        "HOST",
        "REQ",
        "FAIL",
        "RETRY",
        "RL-WAIT",
        "RPS",
        "MEAN",
        "P50",
        "P95",
        "P99",
        "HTTP",
        "REUSE",
        "COMPR",
        "DNS-HIT",
        "POOL a/i/q",
        "BREAKER",
    )
    rows: list[tuple[str, ...]] = []
    dns_hit = _fmt_ratio(data.get("dns", {}).get("hit_ratio"))
    for h in data.get("hosts", []):
        lat = h.get("latency", {})
        pool = h.get("pool", {})
        rows.append(
            (
                h.get("section", ""),
                h.get("host", ""),
                str(h.get("requests", 0)),
                str(failures(HostHealth.model_validate(h))),
                str(h.get("retries", 0)),
                str(h.get("rate_limit_waits", 0)),
                f"{h.get('requests_per_second_1m', 0):.2f}",
                _fmt_ms(lat.get("mean_ms")),
                _fmt_ms(lat.get("p50_ms")),
                _fmt_ms(lat.get("p95_ms")),
                _fmt_ms(lat.get("p99_ms")),
                ",".join(sorted(h.get("http_versions", {}))) or "-",
                _fmt_ratio(h.get("reuse_ratio")),
                "-" if h.get("compression_ratio") is None else f"{h['compression_ratio']:.2f}",
                dns_hit,
                f"{pool.get('in_use', 0)}/{pool.get('idle', 0)}/{pool.get('queued', 0)}",
                str(h.get("breaker", {}).get("state", "")),
            )
        )
    lines += _table(header, rows)
    probes = data.get("probes")
    if probes:
        lines.append("")
        lines += _table(
            ("PROBE", "HOST", "DNS", "TCP", "TLS", "TTFB", "HTTP", "ERROR"),
            [
                (
                    p.get("section", ""),
                    p.get("host", ""),
                    _fmt_ms(p.get("dns_ms")),
                    _fmt_ms(p.get("connect_ms")),
                    _fmt_ms(p.get("tls_ms")),
                    _fmt_ms(p.get("ttfb_ms")),
                    p.get("http_version") or "-",
                    p.get("error") or "",
                )
                for p in probes
            ],
        )
    lines.append("")
    lines.append(f"refresh in {data.get('refresh_seconds')} s")
    return "\n".join(lines)


def _fmt_ms(value: Any) -> str:
    return "-" if value is None else f"{float(value):.0f}ms"


def _fmt_ratio(value: Any) -> str:
    return "-" if value is None else f"{float(value):.0%}"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    if not rows:
        return ["  ".join(header), "(no requests yet)"]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    return [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip()
        for row in (header, *rows)
    ]

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
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field

from alecs.tools._common import Ctx, Customer, ToolOutput, ToolRegistrar, app_state, resolve_section

if TYPE_CHECKING:
    from mcp.server import MCPServer

Grade = Literal["A", "B", "C", "D", "F"]
REFRESH_SECONDS: dict[str, int] = {"A": 60, "B": 30, "C": 15, "D": 10, "F": 10}
META_KEY = "alecs/performance"


class LatencyMs(BaseModel):
    """Request latency in milliseconds over the recent window."""

    mean: float | None = None
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None


class PoolState(BaseModel):
    """Connection pool of one host."""

    connections: int = 0
    active: int = 0
    idle: int = 0
    queued: int = 0


class HostHealth(BaseModel):
    """The network path to one Akamai API host, as seen by one .edgerc section."""

    section: str
    host: str
    requests: int = 0
    failures: int = Field(0, description="5xx, timeouts and connection errors")
    client_errors: int = Field(0, description="4xx answers (not network problems)")
    failure_rate: float | None = None
    retries: int = 0
    rate_limit_waits: int = 0
    rate_limit_wait_seconds: float = 0.0
    requests_per_second: float = Field(0.0, description="over the last minute")
    latency_ms: LatencyMs = Field(default_factory=LatencyMs)
    http_versions: dict[str, int] = Field(default_factory=dict)
    connections_opened: int = 0
    connection_reuse_ratio: float | None = Field(
        None, description="share of requests sent on an already open connection"
    )
    compression_ratio: float | None = Field(None, description="decoded bytes / bytes on the wire")
    dns_cache_hit_rate: float | None = None
    pool: PoolState = Field(default_factory=PoolState)
    breaker_state: str = "closed"


class ProbeReport(BaseModel):
    """One measurement made now: DNS lookup, TCP connect, TLS handshake, first byte."""

    section: str
    host: str
    dns_ms: float | None = None
    connect_ms: float | None = None
    tls_ms: float | None = None
    ttfb_ms: float | None = None
    http_version: str | None = None
    error: str | None = None


class NetworkDiagnostics(ToolOutput):
    """Health of the network layer, graded A-F with the rule that produced the grade."""

    grade: Grade
    grade_rule: str
    refresh_seconds: int = Field(description="suggested interval for dashboards to refresh")
    generated_at: str
    default_section: str
    sections: list[str] = Field(description="the configured .edgerc sections (customers)")
    sandbox: str | None = Field(None, description="the sandbox URL when running --sandbox")
    uptime_seconds: float
    requests: int
    hosts: list[HostHealth]
    retry_budget_left: float | None = None
    dns_cache_hits: int | None = None
    dns_cache_misses: int | None = None
    probes: list[ProbeReport] | None = None

    def summary(self) -> str:
        lines = [
            f"Network grade {self.grade}: {self.grade_rule}",
            f"{self.requests} requests since start; sections: {', '.join(self.sections)} "
            f"(default {self.default_section}); refresh in {self.refresh_seconds} s.",
        ]
        for h in self.hosts:
            p95 = f"{h.latency_ms.p95:.0f} ms" if h.latency_ms.p95 is not None else "n/a"
            reuse = (
                f"{h.connection_reuse_ratio:.0%}" if h.connection_reuse_ratio is not None else "n/a"
            )
            versions = ",".join(sorted(h.http_versions)) or "n/a"
            lines.append(
                f"- {h.section} {h.host}: {h.requests} req, p95 {p95}, reuse {reuse}, "
                f"{versions}, breaker {h.breaker_state}"
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


# --------------------------------------------------------------------------- reading health


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    """First present attribute or key of ``obj`` among ``names``."""
    for name in names:
        if isinstance(obj, Mapping):
            if name in obj and obj[name] is not None:
                return obj[name]
        elif getattr(obj, name, None) is not None:
            return getattr(obj, name)
    return default


def _num(value: Any, default: float = 0.0) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def host_health(health: Any, sections: Iterable[str] | None = None) -> list[HostHealth]:
    """Flatten the transport's ``NetworkHealth`` into one row per (section, host)."""
    rows: list[HostHealth] = []
    wanted = set(sections) if sections is not None else None
    section_items = _get(health, "sections", default={})
    if isinstance(section_items, Mapping):
        section_items = list(section_items.items())
    else:
        section_items = [(_get(s, "section", "name", default="?"), s) for s in section_items]
    for section_name, section in section_items:
        if wanted is not None and section_name not in wanted:
            continue
        hosts = _get(section, "hosts", default={})
        if isinstance(hosts, Mapping):
            host_items = list(hosts.items())
        else:
            host_items = [(_get(h, "host", default="?"), h) for h in hosts]
        for host_name, h in host_items:
            rows.append(_host_row(str(section_name), str(host_name), h))
    return rows


def _host_row(section: str, host: str, h: Any) -> HostHealth:
    latency = _get(h, "latency_ms", "latency", default={})
    pool = _get(h, "pool", default={})
    errors = _get(h, "errors_by_class", "errors", default={})
    failures = 0
    client_errors = 0
    if isinstance(errors, Mapping):
        for kind, count in errors.items():
            if str(kind).startswith("4") or kind in ("client", "http_4xx", "4xx"):
                client_errors += int(count)
            else:
                failures += int(count)
    else:
        failures = int(_num(errors))
    requests = int(_num(_get(h, "requests", default=0)))
    versions = _get(h, "http_versions", default={})
    return HostHealth(
        section=section,
        host=host,
        requests=requests,
        failures=failures,
        client_errors=client_errors,
        failure_rate=(failures / requests) if requests else None,
        retries=int(_num(_get(h, "retries", default=0))),
        rate_limit_waits=int(_num(_get(h, "rate_limit_waits", default=0))),
        rate_limit_wait_seconds=_num(
            _get(h, "rate_limit_wait_seconds", "rate_limit_wait_s", default=0.0)
        ),
        requests_per_second=_num(_get(h, "requests_per_second", "rps", default=0.0)),
        latency_ms=LatencyMs(
            mean=_get(latency, "mean", "mean_ms"),
            p50=_get(latency, "p50", "p50_ms"),
            p95=_get(latency, "p95", "p95_ms"),
            p99=_get(latency, "p99", "p99_ms"),
        ),
        http_versions={str(k): int(v) for k, v in dict(versions or {}).items()},
        connections_opened=int(_num(_get(h, "connections_opened", default=0))),
        connection_reuse_ratio=_get(h, "reuse_ratio", "connection_reuse_ratio"),
        compression_ratio=_get(h, "compression_ratio"),
        dns_cache_hit_rate=_get(h, "dns_hit_rate", "dns_cache_hit_rate"),
        pool=PoolState(
            connections=int(_num(_get(pool, "connections", default=0))),
            active=int(_num(_get(pool, "active", "in_use", default=0))),
            idle=int(_num(_get(pool, "idle", default=0))),
            queued=int(_num(_get(pool, "queued", default=0))),
        ),
        breaker_state=str(_get(h, "breaker_state", "breaker", default="closed")),
    )


# --------------------------------------------------------------------------- grading


def grade(hosts: list[HostHealth], probes: list[ProbeReport] | None = None) -> tuple[Grade, str]:
    """The grade and the rule that produced it (see the module docstring)."""
    probes = probes or []
    for h in hosts:
        if h.breaker_state.lower() == "open":
            return "F", f"circuit breaker open for {h.host} ({h.section}): calls fail at once"
    for p in probes:
        if p.error:
            return "F", f"probe to {p.host} ({p.section}) failed: {p.error}"

    requests = sum(h.requests for h in hosts)
    failures = sum(h.failures for h in hosts)
    retries = sum(h.retries for h in hosts)
    waits = sum(h.rate_limit_waits for h in hosts)
    failure_rate = failures / requests if requests else 0.0
    p95 = max((h.latency_ms.p95 for h in hosts if h.latency_ms.p95 is not None), default=None)
    slowest = max((h for h in hosts if h.latency_ms.p95 is not None), key=_p95, default=None)
    ttfb = max((p.ttfb_ms for p in probes if p.ttfb_ms is not None), default=None)
    reuse_hosts = [h for h in hosts if h.requests >= 20 and h.connection_reuse_ratio is not None]
    worst_reuse = min(reuse_hosts, key=_reuse, default=None)

    for h in hosts:
        if h.breaker_state.lower().replace("_", "-") == "half-open":
            return "D", f"circuit breaker half-open for {h.host}: recovering from failures"
    if requests >= 10 and failure_rate >= 0.20:
        return "D", f"{failure_rate:.0%} of {requests} requests failed (5xx, timeout, connection)"
    if requests >= 10 and failure_rate >= 0.05:
        return "C", f"{failure_rate:.0%} of {requests} requests failed (5xx, timeout, connection)"
    if p95 is not None and p95 >= 3000 and slowest is not None:
        return "C", f"latency p95 {p95:.0f} ms to {slowest.host} (>= 3000 ms)"
    if requests >= 10 and waits / requests >= 0.10:
        return "C", f"{waits} of {requests} requests waited for the rate limiter (>= 10%)"
    if ttfb is not None and ttfb >= 2000:
        return "C", f"probe first byte after {ttfb:.0f} ms (>= 2000 ms)"
    if p95 is not None and p95 >= 1000 and slowest is not None:
        return "B", f"latency p95 {p95:.0f} ms to {slowest.host} (>= 1000 ms)"
    if requests >= 10 and retries / requests >= 0.05:
        return "B", f"{retries} retries for {requests} requests (>= 5%)"
    if worst_reuse is not None and (worst_reuse.connection_reuse_ratio or 0) < 0.8:
        return "B", (
            f"connection reuse {worst_reuse.connection_reuse_ratio:.0%} to {worst_reuse.host} "
            "(< 80%): connections are not kept alive"
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


def _p95(h: HostHealth) -> float:
    return h.latency_ms.p95 or 0.0


def _reuse(h: HostHealth) -> float:
    return h.connection_reuse_ratio or 0.0


# --------------------------------------------------------------------------- the tool


async def collect(ctx: Ctx, customer: str | None, probe: bool) -> NetworkDiagnostics:
    """Build the diagnostics for the configured sections (or one ``customer``)."""
    state = app_state(ctx)
    sections = [resolve_section(ctx, customer)] if customer else list(state.sections)
    health = state.transport.health()
    hosts = host_health(health, sections)
    probes: list[ProbeReport] | None = None
    if probe:
        probes = []
        for section in sections:
            result = await state.transport.probe(section)
            probes.append(
                ProbeReport(
                    section=section,
                    host=str(
                        _get(result, "host", default=state.transport.credentials(section).host)
                    ),
                    dns_ms=_get(result, "dns_ms"),
                    connect_ms=_get(result, "connect_ms"),
                    tls_ms=_get(result, "tls_ms"),
                    ttfb_ms=_get(result, "ttfb_ms"),
                    http_version=_get(result, "http_version"),
                    error=_get(result, "error"),
                )
            )
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
        requests=sum(h.requests for h in hosts),
        hosts=hosts,
        retry_budget_left=_get(health, "retry_budget_left", "retry_budget"),
        dns_cache_hits=_get(health, "dns_hits", "dns_cache_hits"),
        dns_cache_misses=_get(health, "dns_misses", "dns_cache_misses"),
        probes=probes,
    )


def register(server: MCPServer, *, read_only: bool) -> None:
    tools = ToolRegistrar(server, read_only=read_only)

    @tools.read("network-diagnostics", title="Network diagnostics")
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
    for h in data.get("hosts", []):
        lat = h.get("latency_ms", {})
        pool = h.get("pool", {})
        rows.append(
            (
                h.get("section", ""),
                h.get("host", ""),
                str(h.get("requests", 0)),
                str(h.get("failures", 0)),
                str(h.get("retries", 0)),
                str(h.get("rate_limit_waits", 0)),
                f"{h.get('requests_per_second', 0):.2f}",
                _fmt_ms(lat.get("mean")),
                _fmt_ms(lat.get("p50")),
                _fmt_ms(lat.get("p95")),
                _fmt_ms(lat.get("p99")),
                ",".join(sorted(h.get("http_versions", {}))) or "-",
                _fmt_ratio(h.get("connection_reuse_ratio")),
                "-" if h.get("compression_ratio") is None else f"{h['compression_ratio']:.2f}",
                _fmt_ratio(h.get("dns_cache_hit_rate")),
                f"{pool.get('active', 0)}/{pool.get('idle', 0)}/{pool.get('queued', 0)}",
                str(h.get("breaker_state", "")),
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

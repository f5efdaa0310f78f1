"""Measuring one row: a contender doing a scenario against a target at one RTT.

Every row is bounded in calls and in time. One unmeasured warm-up call (or burst) comes first,
the same for every contender; the counters (proxy connections and bytes, DNS lookups, process
CPU time) are taken around the measured calls only.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from tools.bench.contenders import CallResult, Contender


class Counters(Protocol):
    """What the harness reads around a row: proxy stats and DNS lookups."""

    def reset(self) -> dict[str, int]: ...


@dataclass
class Row:
    """One line of a table (JSON-serializable)."""

    scenario: str
    target: str
    rtt_ms: float
    contender: str
    label: str
    n: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    wall_s: float = 0.0
    burst_walls_ms: list[float] = field(default_factory=list)
    cpu_s: float = 0.0
    cpu_note: str = "bench process"
    connections: int = 0
    warmup_connections: int = 0
    bytes_rx: int = 0
    body_bytes: int = 0
    dns_lookups: int = 0
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    http_version: str = ""
    limit_ms: float | None = None
    note: str = ""
    truncated: bool = False

    # ------------------------------------------------------------------ derived values
    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50)

    @property
    def p95(self) -> float:
        return percentile(self.latencies_ms, 95)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.latencies_ms) if self.latencies_ms else math.nan

    @property
    def burst_ms(self) -> float:
        return statistics.median(self.burst_walls_ms) if self.burst_walls_ms else math.nan

    @property
    def calls_per_s(self) -> float:
        return self.n / self.wall_s if self.wall_s > 0 else math.nan

    @property
    def cpu_ms_per_call(self) -> float:
        return 1000 * self.cpu_s / self.n if self.n else math.nan

    @property
    def kb_per_call(self) -> float:
        return self.bytes_rx / 1024 / self.n if self.n else math.nan

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["latencies_ms"] = [round(x, 3) for x in self.latencies_ms]
        for name in ("p50", "p95", "mean", "burst_ms", "calls_per_s", "cpu_ms_per_call"):
            value = getattr(self, name)
            data[name] = None if math.isnan(value) else round(value, 3)
        return data


def percentile(values: list[float], pct: float) -> float:
    """Linear-interpolated percentile (the same definition as numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class _Noop:
    def reset(self) -> dict[str, int]:
        return {}


def _record(row: Row, result: CallResult) -> None:
    key = str(result.status)
    row.statuses[key] = row.statuses.get(key, 0) + 1
    if result.status >= 400:
        row.errors += 1
    row.body_bytes += result.nbytes
    row.http_version = result.http_version


def _counters_after(row: Row, proxy: Counters, dns: Any, cpu0: float) -> None:
    row.cpu_s = time.process_time() - cpu0
    stats = proxy.reset()
    row.connections = int(stats.get("connections", 0))
    row.bytes_rx = int(stats.get("bytes_down", 0))
    row.dns_lookups = dns.reset() if dns is not None else 0


# ------------------------------------------------------------------------------ sequential
def sequential(
    row: Row,
    contender: Contender,
    path: str,
    params: dict[str, Any] | None,
    n: int,
    budget_s: float,
    proxy: Counters | None = None,
    dns: Any = None,
) -> Row:
    """`n` calls one after another (stops early when `budget_s` is spent)."""
    proxy = proxy or _Noop()
    if contender.is_async:
        return asyncio.run(_sequential_async(row, contender, path, params, n, budget_s, proxy, dns))
    contender.open()  # type: ignore[attr-defined]
    try:
        _record(row, contender.get(path, params))  # type: ignore[attr-defined]
        row.warmup_connections = int(proxy.reset().get("connections", 0))
        if dns is not None:
            dns.reset()
        row.statuses.clear()
        row.body_bytes = 0
        cpu0 = time.process_time()
        start = time.perf_counter()
        deadline = start + budget_s
        for _ in range(n):
            t0 = time.perf_counter()
            result = contender.get(path, params)  # type: ignore[attr-defined]
            t1 = time.perf_counter()
            row.latencies_ms.append(1000 * (t1 - t0))
            _record(row, result)
            if t1 > deadline:
                row.truncated = True
                break
        row.wall_s = time.perf_counter() - start
        row.n = len(row.latencies_ms)
        _counters_after(row, proxy, dns, cpu0)
    finally:
        contender.close()  # type: ignore[attr-defined]
    return row


async def _sequential_async(
    row: Row,
    contender: Contender,
    path: str,
    params: dict[str, Any] | None,
    n: int,
    budget_s: float,
    proxy: Counters,
    dns: Any,
) -> Row:
    await contender.open()  # type: ignore[attr-defined]
    get: Callable[..., Awaitable[CallResult]] = contender.get  # type: ignore[attr-defined]
    try:
        _record(row, await get(path, params))
        row.warmup_connections = int(proxy.reset().get("connections", 0))
        if dns is not None:
            dns.reset()
        row.statuses.clear()
        row.body_bytes = 0
        cpu0 = time.process_time()
        start = time.perf_counter()
        deadline = start + budget_s
        for _ in range(n):
            t0 = time.perf_counter()
            result = await get(path, params)
            t1 = time.perf_counter()
            row.latencies_ms.append(1000 * (t1 - t0))
            _record(row, result)
            if t1 > deadline:
                row.truncated = True
                break
        row.wall_s = time.perf_counter() - start
        row.n = len(row.latencies_ms)
        _counters_after(row, proxy, dns, cpu0)
    finally:
        await contender.aclose()  # type: ignore[attr-defined]
    return row


# ------------------------------------------------------------------------------ parallel
def bursts(
    row: Row,
    contender: Contender,
    path: str,
    params: dict[str, Any] | None,
    size: int,
    count: int,
    budget_s: float,
    proxy: Counters | None = None,
    dns: Any = None,
) -> Row:
    """One warm-up burst, then `count` bursts of `size` concurrent calls, each with a distinct
    query parameter `n` (identical GETs would be coalesced by alecs' single-flight)."""
    proxy = proxy or _Noop()
    params_list = [{**(params or {}), "n": i} for i in range(size)]
    if contender.is_async:
        return asyncio.run(
            _bursts_async(row, contender, path, params_list, count, budget_s, proxy, dns)
        )
    contender.open()  # type: ignore[attr-defined]
    try:
        for _, result in contender.burst(path, params_list):  # type: ignore[attr-defined]
            _record(row, result)
        row.warmup_connections = int(proxy.reset().get("connections", 0))
        if dns is not None:
            dns.reset()
        row.statuses.clear()
        row.body_bytes = 0
        cpu0 = time.process_time()
        start = time.perf_counter()
        for _ in range(count):
            t0 = time.perf_counter()
            results = contender.burst(path, params_list)  # type: ignore[attr-defined]
            t1 = time.perf_counter()
            row.burst_walls_ms.append(1000 * (t1 - t0))
            for latency, result in results:
                row.latencies_ms.append(1000 * latency)
                _record(row, result)
            if t1 - start > budget_s:
                row.truncated = True
                break
        row.wall_s = time.perf_counter() - start
        row.n = len(row.latencies_ms)
        _counters_after(row, proxy, dns, cpu0)
    finally:
        contender.close()  # type: ignore[attr-defined]
    return row


async def _bursts_async(
    row: Row,
    contender: Contender,
    path: str,
    params_list: list[dict[str, Any]],
    count: int,
    budget_s: float,
    proxy: Counters,
    dns: Any,
) -> Row:
    await contender.open()  # type: ignore[attr-defined]
    get: Callable[..., Awaitable[CallResult]] = contender.get  # type: ignore[attr-defined]

    async def timed(params: dict[str, Any]) -> tuple[float, CallResult]:
        t0 = time.perf_counter()
        result = await get(path, params)
        return time.perf_counter() - t0, result

    try:
        for _, result in await asyncio.gather(*(timed(p) for p in params_list)):
            _record(row, result)
        row.warmup_connections = int(proxy.reset().get("connections", 0))
        if dns is not None:
            dns.reset()
        row.statuses.clear()
        row.body_bytes = 0
        cpu0 = time.process_time()
        start = time.perf_counter()
        for _ in range(count):
            t0 = time.perf_counter()
            results = await asyncio.gather(*(timed(p) for p in params_list))
            t1 = time.perf_counter()
            row.burst_walls_ms.append(1000 * (t1 - t0))
            for latency, result in results:
                row.latencies_ms.append(1000 * latency)
                _record(row, result)
            if t1 - start > budget_s:
                row.truncated = True
                break
        row.wall_s = time.perf_counter() - start
        row.n = len(row.latencies_ms)
        _counters_after(row, proxy, dns, cpu0)
    finally:
        await contender.aclose()  # type: ignore[attr-defined]
    return row

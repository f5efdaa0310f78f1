"""The fault benchmark: how alecs behaves when Akamai misbehaves, measured on the sandbox.

    python -m tools.bench.faults            # or: make faults  (< 3 minutes)
    python -m tools.bench.faults --only reads_transport,probes --reads 200

One in-process sandbox (real HTTPS and HTTP/2, real EdgeGrid signatures) with faults set through
its admin API (`/_sandbox/faults`, `/_sandbox/rate-limits`, counters). Each scenario uses its
own fresh `Transport` (or MCP server) with the product's defaults unless said otherwise:

1. `reads_transport`: 1,000 reads (`GET /papi/v1/groups`) at concurrency 10 through the
   Transport while every GET under `/papi/` answers 503 with probability 30% and resets the
   connection with probability 5% (a reset aborts the TCP connection: every HTTP/2 stream in
   flight on it fails). Single-flight is off so that every read is its own call.
2. `reads_mcp`: the same through MCP tool calls (`contract-list`, in-memory `mcp.Client`).
   Attempts per call are the requests the sandbox received on the route divided by the calls;
   "forced" is what the faults alone force, 1 / (1 - 0.35), if every attempt were independent.
3. `drained_bucket`: sandbox rate limits on (PAPI bucket of 1,000, refilled at 20/s so the run
   stays short; `X-RateLimit-Limit: 1200` per minute); another client of the same account
   spends the bucket down to 10%, then a burst of 500 concurrent reads: 429s that reach the
   caller.
4. `healthy_route`: 5 consecutive injected 503s on `GET /papi/v1/cpcodes`, then 20 calls to
   `GET /papi/v1/contracts` and 20 to Edge DNS (`GET /config-dns/v2/zones`) on the same host.
5. `reset_20_streams`: 20 concurrent reads in flight (100 ms of injected latency each) on one
   HTTP/2 connection; one of them resets the connection.
6. `probes`: the host answers 503 to everything for a fixed window while 5 callers keep
   calling; requests that reach the host after the breaker first opened, per reset interval.
   The breaker's reset interval is shortened (2 s) so the window spans several intervals.
7. `lost_creates`: 100 `cpcode-create` tool calls whose first request is applied by the
   sandbox and then answered with a connection reset (`phase: after`); every failed first
   answer is retried once, as a user would. Duplicates are CP codes with the same name.

Results: one table on stdout, `tools/bench/results/faults.md` and `faults.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import math
import platform
import re
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
READ_ERROR_RATE = 0.30
READ_RESET_RATE = 0.05
CONTRACT = "ctr_1-5SBXC1"
GROUP = "grp_100002"
PRODUCT = "prd_Fresca"
BREAKER_RESET_S = 2.0


@dataclasses.dataclass
class Row:
    scenario: str
    measure: str
    result: str
    goal: str
    met: bool | None
    details: dict[str, Any] = dataclasses.field(default_factory=dict)


# --------------------------------------------------------------------------- helpers


def _settings(**changes: Any) -> Any:
    """TransportSettings with `changes`, keeping only the fields this version knows."""
    from alecs.transport import TransportSettings

    known = {f.name for f in dataclasses.fields(TransportSettings)}
    return TransportSettings(trust_env=False).replace(
        **{k: v for k, v in changes.items() if k in known}
    )


def _short_breaker(settings: Any) -> tuple[Any, float | None]:
    """The settings with the breaker's reset interval set to `BREAKER_RESET_S`, and the
    interval actually in force (None when this version has no such setting)."""
    for name in ("breaker_reset_timeout", "breaker_reset_s", "breaker_reset_interval"):
        if hasattr(settings, name):
            return settings.replace(**{name: BREAKER_RESET_S}), BREAKER_RESET_S
    breaker = getattr(settings, "breaker", None)
    if breaker is not None and dataclasses.is_dataclass(breaker):
        for name in ("reset_timeout", "reset_s", "wait_in_open_s", "open_s"):
            if hasattr(breaker, name):
                changed = dataclasses.replace(breaker, **{name: BREAKER_RESET_S})
                return settings.replace(breaker=changed), BREAKER_RESET_S
    return settings, None


async def _bounded(n: int, concurrency: int, fn: Callable[[int], Awaitable[Any]]) -> list[Any]:
    """`fn(0..n-1)` with at most `concurrency` in flight; exceptions are returned, not raised."""
    semaphore = asyncio.Semaphore(concurrency)

    async def one(i: int) -> Any:
        async with semaphore:
            try:
                return await fn(i)
            except Exception as exc:
                return exc

    return await asyncio.gather(*(one(i) for i in range(n)))


def _kind(outcome: Any) -> str:
    if isinstance(outcome, BaseException):
        status = getattr(outcome, "status", None)
        return f"http {status}" if status else type(outcome).__name__
    return "ok"


def _read_fault_rule(pattern: str) -> dict[str, Any]:
    # The sandbox draws the reset first, then the error among the requests not reset.
    return {
        "pattern": pattern,
        "reset_rate": READ_RESET_RATE,
        "error_rate": READ_ERROR_RATE / (1 - READ_RESET_RATE),
        "error_status": 503,
    }


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def _mcp_server(sb: Any, settings: Any) -> Any:
    from alecs.server import build_server

    return build_server(
        toolsets="all",
        edgerc=sb.edgerc_path,
        section="sandbox",
        warm_up=False,
        transport_settings=settings,
        log_level="WARNING",
    )


def _tool_text(result: Any) -> str:
    return "\n".join(getattr(c, "text", "") for c in result.content)


# --------------------------------------------------------------------------- scenarios


async def reads_transport(sb: Any, n: int) -> list[Row]:
    from alecs.transport import Transport

    admin = sb.admin
    admin.reset()
    admin.set_rate_limits(enabled=False)
    admin.set_faults(_read_fault_rule("GET /papi/*"), seed=10)
    settings = _settings(rate_limiting=False, single_flight=False)
    route = "GET /papi/v1/groups"
    async with Transport([sb.credentials("sandbox")], settings) as t:
        started = time.perf_counter()
        outcomes = await _bounded(n, 10, lambda i: t.request("sandbox", "GET", "/papi/v1/groups"))
        elapsed = time.perf_counter() - started
    counters = admin.counters()
    admin.clear_faults()
    ok = sum(1 for o in outcomes if not isinstance(o, BaseException))
    requests = counters["routes"].get(route, {}).get("count", 0)
    forced = 1 / (1 - READ_ERROR_RATE - READ_RESET_RATE)
    details = {
        "calls": n,
        "succeeded": ok,
        "outcomes": dict(Counter(_kind(o) for o in outcomes)),
        "requests": requests,
        "faults": counters["faults"],
        "seconds": round(elapsed, 1),
    }
    return [
        Row(
            "reads_transport",
            f"read success, {n} reads at concurrency 10, 30% 503 + 5% resets (Transport)",
            f"{_pct(ok, n)} ({ok}/{n})",
            ">= 99.9%",
            ok >= 0.999 * n,
            details,
        ),
        Row(
            "reads_transport",
            "attempts per call (Transport)",
            f"{requests / n:.2f}",
            f"~{forced:.2f} (forced by the faults)",
            None,
            details,
        ),
    ]


async def reads_mcp(sb: Any, n: int) -> list[Row]:
    from mcp import Client

    admin = sb.admin
    admin.reset()
    admin.set_rate_limits(enabled=False)
    settings = _settings(rate_limiting=False, single_flight=False)
    server = _mcp_server(sb, settings)
    route = "GET /papi/v1/contracts"
    async with Client(server) as client:
        # Calibration without faults: how many requests one tool call makes on the route.
        await client.call_tool("contract-list", {})
        per_call = max(1, admin.counters()["routes"].get(route, {}).get("count", 1))
        admin.clear_counters()
        admin.set_faults(_read_fault_rule("GET /papi/*"), seed=20)
        started = time.perf_counter()
        outcomes = await _bounded(n, 10, lambda i: client.call_tool("contract-list", {}))
        elapsed = time.perf_counter() - started
    counters = admin.counters()
    admin.clear_faults()
    ok = sum(1 for o in outcomes if not isinstance(o, BaseException) and not o.is_error)
    errors = Counter(
        _tool_text(o).splitlines()[0][:80] if not isinstance(o, BaseException) else _kind(o)
        for o in outcomes
        if isinstance(o, BaseException) or o.is_error
    )
    requests = counters["routes"].get(route, {}).get("count", 0)
    forced = 1 / (1 - READ_ERROR_RATE - READ_RESET_RATE)
    details = {
        "calls": n,
        "succeeded": ok,
        "errors": dict(errors.most_common(5)),
        "requests": requests,
        "requests_per_tool_call_without_faults": per_call,
        "faults": counters["faults"],
        "seconds": round(elapsed, 1),
    }
    return [
        Row(
            "reads_mcp",
            f"read success, {n} `contract-list` tool calls at concurrency 10 (MCP)",
            f"{_pct(ok, n)} ({ok}/{n})",
            ">= 99.9%",
            ok >= 0.999 * n,
            details,
        ),
        Row(
            "reads_mcp",
            f"attempts per read (MCP; a `contract-list` call makes {per_call} reads)",
            f"{requests / (n * per_call):.2f}",
            f"~{forced:.2f} (forced by the faults)",
            None,
            details,
        ),
    ]


async def drained_bucket(sb: Any, burst: int) -> list[Row]:
    from alecs.transport import AkamaiApiError, RateLimitedError, Transport

    admin = sb.admin
    admin.reset()
    capacity, refill = 1000, 20.0
    admin.set_rate_limits(
        enabled=True,
        limits={"papi": {"capacity": capacity, "refill_per_s": refill, "limit_header": 1200}},
        refill=True,
    )
    creds = sb.credentials("sandbox")
    path = "/papi/v1/contracts"
    # Another client of the same account spends the bucket down to 10%.
    other_settings = _settings(rate_limiting=False, single_flight=False)
    async with Transport([creds], other_settings) as other:
        remaining = float(capacity)
        spent = 0
        while remaining > capacity * 0.10:
            want = max(1, int(remaining - capacity * 0.10))
            responses = await _bounded(
                min(want, 200),
                20,
                lambda i: other.request("sandbox", "GET", path, raise_for_status=False),
            )
            spent += len(responses)
            values = [
                float(r.headers.get("x-ratelimit-remaining", remaining))
                for r in responses
                if not isinstance(r, BaseException)
            ]
            remaining = min(values) if values else remaining
    before = admin.counters()
    settings = _settings(single_flight=False)
    async with Transport([creds], settings) as t:
        started = time.perf_counter()
        outcomes = await asyncio.gather(
            *(t.request("sandbox", "GET", path) for _ in range(burst)), return_exceptions=True
        )
        elapsed = time.perf_counter() - started
    after = admin.counters()
    admin.set_rate_limits(enabled=False)
    to_caller = sum(
        1
        for o in outcomes
        if isinstance(o, RateLimitedError)
        or (isinstance(o, AkamaiApiError) and getattr(o, "status", None) == 429)
    )
    ok = sum(1 for o in outcomes if not isinstance(o, BaseException))
    sent_429 = after["rate_limited"].get("papi", 0) - before["rate_limited"].get("papi", 0)
    details = {
        "burst": burst,
        "other_client_spent": spent,
        "remaining_before_burst": remaining,
        "succeeded": ok,
        "outcomes": dict(Counter(_kind(o) for o in outcomes)),
        "429_sent_by_sandbox": sent_429,
        "seconds": round(elapsed, 1),
    }
    return [
        Row(
            "drained_bucket",
            f"429s reaching the caller: burst of {burst} reads, 90% of the PAPI bucket spent "
            "by another client",
            f"{to_caller} (succeeded {ok}/{burst}; the sandbox sent {sent_429} 429s)",
            "0",
            to_caller == 0 and ok == burst,
            details,
        )
    ]


async def healthy_route(sb: Any) -> list[Row]:
    from alecs.transport import Transport

    admin = sb.admin
    admin.reset()
    admin.set_rate_limits(enabled=False)
    admin.set_faults({"pattern": "GET /papi/v1/cpcodes", "error_rate": 1.0, "times": 5})
    settings = _settings(single_flight=False)
    failing_calls = 0
    async with Transport([sb.credentials("sandbox")], settings) as t:
        params = {"contractId": CONTRACT, "groupId": GROUP}
        while admin.counters()["faults"]["error"] < 5 and failing_calls < 20:
            failing_calls += 1
            try:
                await t.request("sandbox", "GET", "/papi/v1/cpcodes", params=params)
            except Exception:
                pass
        healthy = [("GET", "/papi/v1/contracts")] * 20 + [("GET", "/config-dns/v2/zones")] * 20
        outcomes = []
        for method, path in healthy:
            try:
                outcomes.append(await t.request("sandbox", method, path))
            except Exception as exc:
                outcomes.append(exc)
    admin.clear_faults()
    ok = sum(1 for o in outcomes if not isinstance(o, BaseException))
    return [
        Row(
            "healthy_route",
            "calls to healthy routes (20 PAPI + 20 Edge DNS, same host) after 5 consecutive "
            "503s on another route",
            f"{ok}/{len(outcomes)} succeeded",
            f"{len(outcomes)}/{len(outcomes)}",
            ok == len(outcomes),
            {
                "calls_to_failing_route": failing_calls,
                "outcomes": dict(Counter(_kind(o) for o in outcomes)),
            },
        )
    ]


async def reset_20_streams(sb: Any) -> list[Row]:
    from alecs.transport import Transport

    admin = sb.admin
    admin.reset()
    admin.set_rate_limits(enabled=False)
    admin.set_faults(
        {"pattern": "GET /papi/v1/contracts", "latency_ms": 100},
        {"pattern": "GET /papi/v1/contracts", "reset_rate": 1.0, "times": 1},
    )
    settings = _settings(single_flight=False)
    async with Transport([sb.credentials("sandbox")], settings) as t:
        await t.request("sandbox", "GET", "/papi/v1/groups")  # one warm HTTP/2 connection
        outcomes = await asyncio.gather(
            *(t.request("sandbox", "GET", "/papi/v1/contracts") for _ in range(20)),
            return_exceptions=True,
        )
    counters = admin.counters()
    admin.clear_faults()
    ok = sum(1 for o in outcomes if not isinstance(o, BaseException))
    return [
        Row(
            "reset_20_streams",
            "a connection reset under 20 in-flight HTTP/2 streams: calls that succeed",
            f"{ok}/20",
            "20/20",
            ok == 20,
            {
                "outcomes": dict(Counter(_kind(o) for o in outcomes)),
                "resets": counters["faults"]["reset"],
                "requests": counters["routes"].get("GET /papi/v1/contracts", {}).get("count"),
            },
        )
    ]


async def probes(sb: Any, window: float) -> list[Row]:
    from alecs.transport import CircuitOpenError, Transport

    admin = sb.admin
    admin.reset()
    admin.set_rate_limits(enabled=False)
    admin.set_faults({"pattern": "*", "error_rate": 1.0, "error_status": 503})
    settings, interval = _short_breaker(_settings(single_flight=False, rate_limiting=False))
    opened_at: float | None = None
    requests_at_open = 0
    calls = Counter[str]()
    async with Transport([sb.credentials("sandbox")], settings) as t:
        end = time.perf_counter() + window

        async def caller() -> None:
            nonlocal opened_at, requests_at_open
            while time.perf_counter() < end:
                try:
                    await t.request("sandbox", "GET", "/papi/v1/contracts", deadline=1.0)
                    calls["ok"] += 1
                except CircuitOpenError:
                    calls["circuit open"] += 1
                    if opened_at is None:
                        opened_at = time.perf_counter()
                        counters = await asyncio.to_thread(admin.counters)
                        requests_at_open = counters["total"]
                except Exception as exc:
                    calls[_kind(exc)] += 1
                await asyncio.sleep(0.02)

        await asyncio.gather(*(caller() for _ in range(5)))
        finished = time.perf_counter()
    total = admin.counters()["total"]
    admin.clear_faults()
    if opened_at is None or interval is None:
        result = "breaker never opened" if opened_at is None else "no reset interval setting"
        return [
            Row(
                "probes",
                f"requests reaching a host answering 100% 503 ({window:.0f} s window)",
                f"{total} requests; {result}",
                "<= 1 probe per reset interval once open",
                False,
                {"calls": dict(calls), "requests": total},
            )
        ]
    after_open = total - requests_at_open
    intervals = max(1, math.ceil((finished - opened_at) / interval))
    per_interval = after_open / intervals
    return [
        Row(
            "probes",
            f"requests reaching a host answering 100% 503 after the breaker opened "
            f"({window:.0f} s window, reset interval {interval:.0f} s)",
            f"{after_open} in {intervals} intervals = {per_interval:.2f} per interval "
            f"({requests_at_open} before it opened)",
            "<= 1 per reset interval",
            per_interval <= 1.0,
            {
                "calls": dict(calls),
                "requests_total": total,
                "requests_before_open": requests_at_open,
                "requests_after_open": after_open,
                "intervals": intervals,
            },
        )
    ]


# A failed first answer "says" the outcome when it names it (applied, not applied, unknown) or
# says that no request was sent (so nothing was applied).
_OUTCOME = re.compile(r"\b(applied|unknown|no request (was )?sent)\b", re.IGNORECASE)


async def lost_creates(sb: Any, n: int) -> list[Row]:
    from mcp import Client

    admin = sb.admin
    admin.reset()
    admin.set_rate_limits(enabled=False)
    server = _mcp_server(sb, _settings())
    first_ok = 0
    first_said = 0
    first_errors: Counter[str] = Counter()
    retried = 0
    refused = 0
    final_ok = 0
    tag = f"lost-{int(time.time())}"
    async with Client(server) as client:
        for i in range(n):
            admin.set_faults(
                {
                    "pattern": "POST /papi/v1/cpcodes",
                    "reset_rate": 1.0,
                    "phase": "after",
                    "times": 1,
                }
            )
            args = {
                "cpcode_name": f"{tag}-{i}",
                "product_id": PRODUCT,
                "contract_id": CONTRACT,
                "group_id": GROUP,
            }
            result = await client.call_tool("cpcode-create", args)
            if not result.is_error:
                first_ok += 1
                first_said += 1
                final_ok += 1
                continue
            text = _tool_text(result)
            first_errors[text.splitlines()[0][:100] if text else "(empty)"] += 1
            if "circuit" in text.lower():
                refused += 1
            if _OUTCOME.search(text):
                first_said += 1
            retried += 1
            again = await client.call_tool("cpcode-create", args)
            final_ok += 0 if again.is_error else 1
    admin.clear_faults()
    names: Counter[str] = Counter()
    for account in ("act_1-5SBXA1",):
        state = admin.state(account, "cpcodes")
        docs = state.get("cpcodes", state) if isinstance(state, dict) else state
        items = docs.values() if isinstance(docs, dict) else docs
        for doc in items:
            name = doc.get("cpcodeName") if isinstance(doc, dict) else None
            if isinstance(name, str) and name.startswith(tag):
                names[name] += 1
    duplicates = sum(count - 1 for count in names.values() if count > 1)
    writes = admin.counters()["writes"].get("POST /papi/v1/cpcodes", 0)
    details = {
        "creates": n,
        "first_answer_ok": first_ok,
        "first_answer_errors": dict(first_errors.most_common(3)),
        "user_retries": retried,
        "first_answers_refused_by_open_breaker": refused,
        "finally_ok": final_ok,
        "cpcodes_with_the_names": sum(names.values()),
        "writes_applied": writes,
    }
    return [
        Row(
            "lost_creates",
            f"duplicates after {n} creates (CP codes) whose responses were lost, each failed "
            "answer retried once",
            f"{duplicates} duplicates ({sum(names.values())} CP codes for {n} names; "
            f"{final_ok}/{n} creates succeeded by the end)",
            "0",
            duplicates == 0,
            details,
        ),
        Row(
            "lost_creates",
            "creates applied by the end (each name once at most)",
            f"{sum(names.values())}/{n} applied, {final_ok}/{n} answered with the CP code; "
            f"{refused} first answers refused without sending (breaker open)",
            "-",
            None,
            details,
        ),
        Row(
            "lost_creates",
            "first answers that say whether the create was applied",
            f"{first_said}/{n} ({first_ok} returned the created CP code)",
            f"{n}/{n}",
            first_said == n,
            details,
        ),
    ]


# --------------------------------------------------------------------------- report


def render(rows: list[Row]) -> str:
    lines = ["| scenario | measure | result | goal | met |", "|---|---|---|---|---|"]
    for row in rows:
        met = "-" if row.met is None else ("yes" if row.met else "**no**")
        lines.append(f"| {row.scenario} | {row.measure} | {row.result} | {row.goal} | {met} |")
    return "\n".join(lines)


README = Path(__file__).resolve().parents[2] / "README.md"
README_START = "<!-- faults:start (written by python -m tools.bench.faults --update-readme) -->"
README_END = "<!-- faults:end -->"


def update_readme(rows: list[Row], meta: dict[str, Any], path: Path = README) -> bool:
    """Replace the table between the README's fault-benchmark markers; False if none."""
    text = path.read_text()
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        return False
    lines = [
        f"Committed run: commit {meta['commit']}, {meta['date']}, {meta['seconds']:.0f} s.",
        "",
        "| measure | result | goal | met |",
        "|---|---|---|---|",
    ]
    for row in rows:
        met = "-" if row.met is None else ("yes" if row.met else "**no**")
        lines.append(f"| {row.measure} | {row.result} | {row.goal} | {met} |")
    block = README_START + "\n" + "\n".join(lines) + "\n" + README_END
    path.write_text(text[:start] + block + text[end + len(README_END) :])
    return True


def _scenarios_text() -> str:
    doc = __doc__ or ""
    start = doc.find("One in-process sandbox")
    end = doc.find("Results:")
    return doc[start:end].strip() if start >= 0 and end > start else doc.strip()


def _commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no", "--", "alecs", "tools")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" with uncommitted changes" if changed else "")


SCENARIOS = (
    "reads_transport",
    "reads_mcp",
    "drained_bucket",
    "healthy_route",
    "reset_20_streams",
    "probes",
    "lost_creates",
)


async def run(args: argparse.Namespace, sb: Any) -> list[Row]:
    wanted = [s.strip() for s in args.only.split(",")] if args.only else list(SCENARIOS)
    unknown = sorted(set(wanted) - set(SCENARIOS))
    if unknown:
        raise SystemExit(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    jobs: dict[str, Callable[[], Awaitable[list[Row]]]] = {
        "reads_transport": lambda: reads_transport(sb, args.reads),
        "reads_mcp": lambda: reads_mcp(sb, args.reads),
        "drained_bucket": lambda: drained_bucket(sb, args.burst),
        "healthy_route": lambda: healthy_route(sb),
        "reset_20_streams": lambda: reset_20_streams(sb),
        "probes": lambda: probes(sb, args.window),
        "lost_creates": lambda: lost_creates(sb, args.creates),
    }
    rows: list[Row] = []
    for name in SCENARIOS:
        if name not in wanted:
            continue
        started = time.perf_counter()
        print(f"faults: {name} ...", file=sys.stderr, flush=True)
        try:
            produced = await jobs[name]()
        except Exception as exc:  # one broken scenario must not hide the others
            produced = [
                Row(name, "scenario failed to run", f"{type(exc).__name__}: {exc}", "-", False)
            ]
        for row in produced:
            row.details.setdefault("scenario_seconds", round(time.perf_counter() - started, 1))
        rows.extend(produced)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench.faults", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--reads", type=int, default=1000, help="reads per read scenario (1000)")
    parser.add_argument("--burst", type=int, default=500, help="reads in the drained-bucket burst")
    parser.add_argument("--creates", type=int, default=100, help="creates with lost responses")
    parser.add_argument("--window", type=float, default=12.0, help="seconds the host is down")
    parser.add_argument("--only", default="", help="comma-separated scenarios to run")
    parser.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    parser.add_argument("--no-write", action="store_true", help="print only, write no files")
    parser.add_argument(
        "--update-readme", action="store_true", help="also put the table into README.md"
    )
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    # Aborted connections (the injected resets) end hypercorn's connection tasks with
    # cancellations that asyncio reports at ERROR: expected here, not news.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore")
    from alecs.sandbox.runner import SandboxSettings, SandboxThread

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="alecs-faults-") as tmp:
        settings = SandboxSettings(port=0, state_dir=Path(tmp), rate_limits=False)
        with SandboxThread(settings) as sb:
            rows = asyncio.run(run(args, sb))
    elapsed = time.perf_counter() - started
    table = render(rows)
    print(table)
    print(f"\n({elapsed:.0f} s, commit {_commit()})")
    if not args.no_write:
        args.out.mkdir(parents=True, exist_ok=True)
        meta = {
            "commit": _commit(),
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "seconds": round(elapsed, 1),
            "python": platform.python_version(),
            "arguments": {k: str(v) for k, v in vars(args).items()},
        }
        (args.out / "faults.json").write_text(
            json.dumps({"meta": meta, "rows": [dataclasses.asdict(r) for r in rows]}, indent=2)
            + "\n"
        )
        (args.out / "faults.md").write_text(
            "# Fault benchmark\n\n"
            f"`make faults` at commit {meta['commit']}, {meta['date']}, {elapsed:.0f} s "
            "(scenarios below).\n\n" + table + "\n\n## Scenarios\n\n" + _scenarios_text() + "\n"
            "\n## Details\n\n```json\n"
            + json.dumps({f"{r.scenario}: {r.measure}": r.details for r in rows}, indent=2)
            + "\n```\n"
        )
        if args.update_readme and not update_readme(rows, meta):
            print("faults: README.md has no fault-benchmark markers", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

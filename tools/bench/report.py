"""Tables, goals, JSON and the plot of a benchmark run."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tools.bench.harness import Row

SCENARIO_TITLES = {
    "a": "a. sequential small GETs",
    "b": "b. parallel burst of concurrent GETs",
    "c": "c. large rule tree",
    "d": "d. the same GET as an MCP tool call",
}
ORDER = ["floor", "i", "ii", "iii", "iv", "v", "mcp-ref", "mcp-memory", "mcp-stdio"]


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or not b or math.isnan(a) or math.isnan(b):
        return "-"
    return f"{a / b:.2f}x"


def group_key(row: Row) -> tuple[str, str, float, str]:
    return (row.scenario.split(":")[0], row.target, row.rtt_ms, row.scenario)


def groups(rows: Iterable[Row]) -> dict[tuple[str, str, float, str], list[Row]]:
    out: dict[tuple[str, str, float, str], list[Row]] = {}
    for row in rows:
        out.setdefault(group_key(row), []).append(row)
    for value in out.values():
        value.sort(key=lambda r: ORDER.index(r.contender) if r.contender in ORDER else 99)
    return dict(sorted(out.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2], kv[0][3])))


def reference(rows: list[Row]) -> Row | None:
    return next((r for r in rows if r.contender == "i"), None)


def table(key: tuple[str, str, float, str], rows: list[Row]) -> str:
    """One markdown table: a scenario on a target at an RTT."""
    scenario = key[3]
    burst = scenario.startswith("b")
    ref = reference(rows)
    title = f"### {scenario} | target {key[1]} | RTT {key[2]:g} ms"
    limit = next((r.limit_ms for r in rows if r.limit_ms), None)
    if limit:
        what = "per burst" if burst else "per call"
        title += f" | physical limit {_fmt(limit)} ms {what}"
    head = [
        "contender",
        "n",
        "p50 ms",
        "p95 ms",
        "mean ms",
        "burst ms" if burst else "wall s",
        "calls/s",
        "new conns",
        "KB rx/call",
        "CPU ms/call",
        "p50/limit",
        "burst/limit" if burst else "mean/limit",
        "vs (i)",
    ]
    lines = [title, "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        main = r.burst_ms if burst else r.mean
        ref_main = (ref.burst_ms if burst else ref.mean) if ref else None
        name = f"({r.contender}) {r.label}" if r.contender in ORDER[1:6] else r.label
        if r.note:
            name += f" [{r.note}]"
        if r.errors:
            name += f" ({r.errors} errors: {r.statuses})"
        if r.truncated:
            name += " (time budget hit)"
        cells = [
            name,
            str(r.n),
            _fmt(r.p50),
            _fmt(r.p95),
            _fmt(r.mean),
            _fmt(r.burst_ms) if burst else _fmt(r.wall_s),
            _fmt(r.calls_per_s, 0),
            str(r.connections),
            _fmt(r.kb_per_call),
            _fmt(r.cpu_ms_per_call, 3) if r.cpu_s else "-",
            _ratio(r.p50, r.limit_ms) if not burst else "-",
            _ratio(main, r.limit_ms),
            _ratio(main, ref_main) if ref is not None and r is not ref else "-",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def headline(rows: list[Row]) -> str:
    """One line per scenario, target and RTT: the physical limit, every contender's mean per
    call (scenario b: the median wall time of a burst), (v) against the limit and against (i)."""
    head = ["scenario", "target", "RTT ms", "limit ms"]
    head += [f"({k})" for k in ORDER[1:6]] + ["(v)/limit", "(v) vs (i)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, group in groups(rows).items():
        scenario = key[3]
        if scenario.startswith("d"):
            continue
        burst = scenario.startswith("b")
        by = {r.contender: r for r in group if r.n}

        def value(r: Row | None, burst: bool = burst) -> float | None:
            if r is None:
                return None
            return r.burst_ms if burst else r.mean

        limit = next((r.limit_ms for r in group if r.limit_ms), None)
        v, i = value(by.get("v")), value(by.get("i"))
        name = scenario + (" (burst of 100, wall)" if burst else " (mean per call)")
        cells = [name, key[1], f"{key[2]:g}", _fmt(limit)]
        cells += [_fmt(value(by.get(k))) for k in ORDER[1:6]]
        cells += [_ratio(v, limit), _ratio(v, i)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def tables(rows: list[Row]) -> str:
    return "\n\n".join(table(k, v) for k, v in groups(rows).items())


# ------------------------------------------------------------------------------ goals
def _find(rows: list[Row], scenario: str, target: str, rtt: float, contender: str) -> Row | None:
    return next(
        (
            r
            for r in rows
            if r.scenario == scenario
            and r.target == target
            and r.rtt_ms == rtt
            and r.contender == contender
            and r.n
        ),
        None,
    )


def evaluate_goals(rows: list[Row], floors: dict[str, Any], wan_rtt: float) -> list[dict[str, Any]]:
    """The issue's goals, each with the measured value, per target where it applies."""
    goals: list[dict[str, Any]] = []
    targets = sorted({r.target for r in rows})
    for t in targets:
        service = floors.get(t, {}).get("0", {}).get("small_ms")
        wan_floor = floors.get(t, {}).get(f"{wan_rtt:g}", {}).get("small_ms")
        v = _find(rows, "a", t, wan_rtt, "v")
        if v and service is not None and wan_floor is not None and wan_rtt > 0:
            rtt_eff = wan_floor - service  # the emulated RTT as the floor client saw it
            bound = 1.05 * rtt_eff + service
            goals.append(
                {
                    "goal": f"warm sequential p50 <= 1.05 x RTT + service time (RTT {wan_rtt:g})",
                    "target": t,
                    "measured": f"p50 {v.p50:.2f} ms vs bound {bound:.2f} ms (measured RTT "
                    f"{rtt_eff:.2f}, service {service:.2f} ms)",
                    "met": v.p50 <= bound,
                }
            )
        i = _find(rows, "a", t, wan_rtt, "i")
        if v and i:
            cut = 1 - v.mean / i.mean
            goals.append(
                {
                    "goal": f"mean latency >= 74% below (i) at RTT {wan_rtt:g} ms",
                    "target": t,
                    "measured": f"{100 * cut:.1f}% below ({v.mean:.1f} vs {i.mean:.1f} ms)",
                    "met": cut >= 0.74,
                }
            )
        vb = _find(rows, "b", t, wan_rtt, "v")
        if vb and wan_rtt > 0:
            goals.append(
                {
                    "goal": f"{_burst_size(vb)} parallel calls in <= 2 x RTT wall over HTTP/2",
                    "target": t,
                    "measured": f"{vb.burst_ms:.1f} ms = {vb.burst_ms / wan_rtt:.2f} x RTT",
                    "met": vb.burst_ms <= 2 * wan_rtt,
                }
            )
        v0 = _find(rows, "a", t, 0.0, "v")
        s0 = _find(rows, "a", t, 0.0, "ii")
        if v0 and s0 and v0.cpu_s and s0.cpu_s:
            goals.append(
                {
                    "goal": "CPU per call at RTT 0 no worse than requests.Session",
                    "target": t,
                    "measured": f"{v0.cpu_ms_per_call:.3f} vs {s0.cpu_ms_per_call:.3f} ms "
                    f"({v0.cpu_ms_per_call / s0.cpu_ms_per_call:.2f}x)",
                    "met": v0.cpu_ms_per_call <= s0.cpu_ms_per_call,
                }
            )
        mem = _find(rows, "d", t, 0.0, "mcp-memory")
        ref = _find(rows, "d", t, 0.0, "mcp-ref")
        if mem and ref and _requests_per_call(mem.note) == 1:
            overhead = mem.p50 - ref.p50
            goals.append(
                {
                    "goal": "MCP overhead per tool call <= 1 ms p50 in memory",
                    "target": t,
                    "measured": f"{overhead:.2f} ms (tool call p50 {mem.p50:.2f} - the same GET "
                    f"through the server's Transport p50 {ref.p50:.2f}, interleaved in one run; "
                    f"{mem.note})",
                    "met": overhead <= 1.0,
                }
            )
        elif mem and "no Akamai request" in mem.note:
            goals.append(
                {
                    "goal": "MCP overhead per tool call <= 1 ms p50 in memory",
                    "target": t,
                    "measured": f"<= {mem.p50:.2f} ms: p50 of a whole {mem.note}",
                    "met": mem.p50 <= 1.0,
                }
            )
        elif mem and v0:
            per_call = _requests_per_call(mem.note)
            overhead = mem.p50 - per_call * v0.p50
            goals.append(
                {
                    "goal": "MCP overhead per tool call <= 1 ms p50 in memory",
                    "target": t,
                    "measured": f"{overhead:.2f} ms (tool call p50 {mem.p50:.2f} - "
                    f"{per_call:g} x transport GET p50 {v0.p50:.2f}; {mem.note or '?'})",
                    "met": overhead <= 1.0,
                }
            )
    return goals


def _requests_per_call(note: str) -> float:
    """The API requests one tool call made (from the note), 1 when unknown."""
    import re

    match = re.search(r"([0-9.]+) API requests per call", note)
    return float(match.group(1)) if match else 1.0


def _burst_size(row: Row) -> int:
    return round(row.n / len(row.burst_walls_ms)) if row.burst_walls_ms else row.n


def goals_table(goals: list[dict[str, Any]]) -> str:
    lines = ["| goal | target | measured | met |", "|---|---|---|---|"]
    for g in goals:
        lines.append(
            f"| {g['goal']} | {g['target']} | {g['measured']} | {'yes' if g['met'] else 'NO'} |"
        )
    return "\n".join(lines)


# ------------------------------------------------------------------------------ files
def write_json(
    path: Path, meta: dict[str, Any], rows: list[Row], goals: list[dict[str, Any]]
) -> None:
    data = {"meta": meta, "goals": goals, "rows": [r.to_dict() for r in rows]}
    path.write_text(json.dumps(data, indent=1) + "\n")


def plot(path: Path, rows: list[Row]) -> bool:
    """Box plots of the latency distributions, one panel per scenario/target/RTT. Returns False
    when matplotlib is not installed (`pip install -e '.[bench]'`)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return False
    panels = [(k, [r for r in v if r.latencies_ms]) for k, v in groups(rows).items()]
    panels = [(k, v) for k, v in panels if v]
    if not panels:
        return False
    cols = 4
    nrows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(5.2 * cols, 3.1 * nrows), squeeze=False)
    for ax in axes.flat[len(panels) :]:
        ax.axis("off")
    for ax, (key, panel_rows) in zip(axes.flat, panels, strict=False):
        labels = [r.contender for r in panel_rows]
        ax.boxplot(
            [r.latencies_ms for r in panel_rows],
            vert=False,
            showfliers=True,
            flierprops={"markersize": 2, "alpha": 0.4},
            whis=(5, 95),
        )
        ax.set_yticks(range(1, len(labels) + 1), labels)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:g}"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        limit = next((r.limit_ms for r in panel_rows if r.limit_ms), None)
        if limit and not key[3].startswith("b"):
            ax.axvline(limit, color="tab:green", linestyle="--", linewidth=1)
        ax.set_title(f"{key[3]} | {key[1]} | RTT {key[2]:g} ms", fontsize=9)
        ax.set_xlabel(
            "latency per call, ms (log; whiskers p5-p95; green: physical limit)", fontsize=7
        )
        ax.tick_params(labelsize=7)
    legend = (
        "floor: raw socket | i: requests | ii: requests.Session | iii: httpx2 h2 | "
        "iv/v: alecs h1/h2"
    )
    fig.suptitle(f"alecs benchmark: latency distributions   ({legend})", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True

"""`python -m tools.bench`: run the benchmark, print the tables, write JSON, Markdown and a PNG.

    python -m tools.bench                 # full run (what `make bench` does), < 5 min on 2 cores
    python -m tools.bench --smoke --out DIR   # tiny counts, sandbox only (the test suite's smoke)
    python -m tools.bench --targets nginx --rtts 0 --scenarios a,b --contenders ii,v

Only loopback is ever contacted. Every row is bounded in calls and in seconds.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

from tools.bench import report
from tools.bench.contenders import Contender, make_contenders, transport_available
from tools.bench.dnsdelay import DnsDelay
from tools.bench.floor import FloorClient
from tools.bench.harness import Row, bursts, sequential
from tools.bench.nginx import NginxTarget
from tools.bench.proxy import ProxyProcess, ProxyThread
from tools.bench.targets import Target, start_nginx, start_sandbox

RESULTS = Path(__file__).resolve().parent / "results"
ALL_CONTENDERS = ["i", "ii", "iii", "iv", "v"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.split("\n")[0])
    p.add_argument("--smoke", action="store_true", help="tiny counts, sandbox target only")
    p.add_argument("--targets", default="sandbox,nginx", help="sandbox,nginx")
    p.add_argument("--rtts", default="0,50", help="emulated round-trip times in ms")
    p.add_argument("--scenarios", default="a,b,c,d", help="a,b,c,d")
    p.add_argument("--contenders", default=",".join(ALL_CONTENDERS), help="i,ii,iii,iv,v")
    p.add_argument("--seq-n", type=int, default=200, help="sequential calls at RTT 0")
    p.add_argument("--wan-seq-n", type=int, default=100, help="sequential calls at RTT > 0")
    p.add_argument("--cold-n", type=int, default=30, help="calls for (i) at RTT > 0")
    p.add_argument("--burst", type=int, default=100, help="concurrent calls per burst")
    p.add_argument("--bursts", type=int, default=3, help="measured bursts per row")
    p.add_argument("--large-n", type=int, default=10, help="large GETs per row")
    p.add_argument("--mcp-n", type=int, default=100, help="tool calls per MCP row")
    p.add_argument("--dns-ms", type=float, default=30.0, help="emulated DNS lookup time")
    p.add_argument("--row-budget", type=float, default=15.0, help="seconds per row at most")
    p.add_argument("--out", type=Path, default=RESULTS, help="where results go")
    p.add_argument("--name", default="latest", help="result file stem")
    p.add_argument("--in-process", action="store_true", help="sandbox and proxy as threads")
    p.add_argument("--no-plot", action="store_true")
    args = p.parse_args(argv)
    if args.smoke:
        args.targets = "sandbox"
        args.seq_n, args.wan_seq_n, args.cold_n = 12, 6, 3
        args.burst, args.bursts, args.large_n, args.mcp_n = 10, 1, 2, 6
        args.rtts = "0,20"
        args.row_budget = 3.0
        args.in_process = True
    return args


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rows: list[Row] = []
        self.floors: dict[str, dict[str, Any]] = {}
        self.started = time.monotonic()
        self.dns = DnsDelay({"localhost": "127.0.0.1"}, args.dns_ms)
        self.notes: list[str] = []
        # Scenario d measures MCP's own cost: one target is enough, the realistic one if run.
        wanted = [t.strip() for t in args.targets.split(",") if t.strip()]
        self.mcp_targets = {"sandbox"} if "sandbox" in wanted else set(wanted[:1])

    def log(self, text: str) -> None:
        print(f"[{time.monotonic() - self.started:6.1f}s] {text}", file=sys.stderr, flush=True)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        extra = f" burst {row.burst_ms:.1f} ms" if row.burst_walls_ms else ""
        self.log(
            f"{row.scenario} {row.target} rtt={row.rtt_ms:g} ({row.contender}) n={row.n} "
            f"p50={row.p50:.2f} ms mean={row.mean:.2f} ms{extra} conns={row.connections} "
            f"errors={row.errors}"
        )

    # -------------------------------------------------------------------------- floors
    def floor(
        self, target: Target, creds: Any, rtt: float, scenarios: set[str], proxy: Any
    ) -> None:
        """The raw-socket floor rows; at RTT 0 they define the target's service time."""
        fc = FloorClient(creds)
        n = self.args.seq_n if rtt == 0 else max(5, self.args.wan_seq_n // 3)
        floors = self.floors.setdefault(target.name, {}).setdefault(f"{rtt:g}", {})
        try:
            fc.connect()
            fc.get(target.small_path, target.small_params)
            proxy.reset()
            row = Row("a", target.name, rtt, "floor", "floor: raw TLS socket, HTTP/1.1")
            start = time.perf_counter()
            for _ in range(n):
                t0 = time.perf_counter()
                status, _ = fc.get(target.small_path, target.small_params)
                row.latencies_ms.append(1000 * (time.perf_counter() - t0))
                row.statuses[str(status)] = row.statuses.get(str(status), 0) + 1
                row.errors += status >= 400
            row.wall_s = time.perf_counter() - start
            row.n = n
            row.connections = 0
            row.bytes_rx = proxy.reset().get("bytes_down", 0)
            row.http_version = "HTTP/1.1"
            floors["small_ms"] = row.p50
            self.add(row)
            if "b" in scenarios:
                brow = Row("b", target.name, rtt, "floor", "floor: pipelined on one socket")
                for _ in range(max(1, self.args.bursts)):
                    wall, statuses = fc.pipelined(
                        target.small_path, self.args.burst, target.small_params
                    )
                    brow.burst_walls_ms.append(1000 * wall)
                    brow.errors += sum(s >= 400 for s in statuses)
                brow.n = self.args.burst * len(brow.burst_walls_ms)
                brow.wall_s = sum(brow.burst_walls_ms) / 1000
                floors["burst_ms"] = brow.burst_ms
                self.add(brow)
            if "c" in scenarios:
                for variant, path in target.large_paths.items():
                    lrow = Row(f"c:{variant}", target.name, rtt, "floor", "floor: raw bytes")
                    enc = "identity" if variant == "identity" else "br, gzip"
                    fc.get(path, None, enc)
                    proxy.reset()
                    for _ in range(self.args.large_n):
                        t0 = time.perf_counter()
                        fc.get(path, None, enc)
                        lrow.latencies_ms.append(1000 * (time.perf_counter() - t0))
                    lrow.n = self.args.large_n
                    lrow.wall_s = sum(lrow.latencies_ms) / 1000
                    lrow.bytes_rx = proxy.reset().get("bytes_down", 0)
                    floors[f"large_ms:{variant}"] = lrow.p50
                    self.add(lrow)
        except Exception as exc:  # the floor is a reference, not a contender
            self.log(f"floor on {target.name} failed: {type(exc).__name__}: {exc}")
        finally:
            fc.close()

    def limit(self, target: str, scenario: str, rtt: float) -> float | None:
        """The physical limit: the floor client's p50 (burst: median wall) on the same emulated
        network, i.e. RTT + service time as measured, proxy imprecision included."""
        floors = self.floors.get(target, {}).get(f"{rtt:g}", {})
        if scenario == "b":
            return floors.get("burst_ms")
        if scenario.startswith("c:"):
            return floors.get(f"large_ms:{scenario[2:]}")
        return floors.get("small_ms")

    # -------------------------------------------------------------------------- rows
    def contender_rows(
        self, target: Target, creds: Any, rtt: float, scenarios: set[str], proxy: Any
    ) -> None:
        a = self.args
        keys = [k.strip() for k in a.contenders.split(",") if k.strip()]
        for scenario in ("a", "b", "c"):
            if scenario not in scenarios or (scenario == "c" and not target.large_paths):
                continue
            for c in make_contenders(creds, keys):
                variants = target.large_paths.items() if scenario == "c" else [("", "")]
                for variant, path in variants:
                    name = f"c:{variant}" if scenario == "c" else scenario
                    row = Row(name, target.name, rtt, c.key, c.label)
                    row.limit_ms = self.limit(target.name, name, rtt)
                    self._one(row, c, scenario, path, target, rtt, proxy)
                    self.add(row)

    def _one(
        self,
        row: Row,
        c: Contender,
        scenario: str,
        path: str,
        target: Target,
        rtt: float,
        proxy: Any,
    ) -> None:
        a = self.args
        if scenario == "a":
            n = a.seq_n if rtt == 0 else (a.cold_n if c.key == "i" else a.wan_seq_n)
            sequential(
                row, c, target.small_path, target.small_params, n, a.row_budget, proxy, self.dns
            )
        elif scenario == "b":
            row.note = c.parallel_note
            bursts(
                row,
                c,
                target.small_path,
                target.small_params,
                a.burst,
                a.bursts,
                a.row_budget,
                proxy,
                self.dns,
            )
        else:
            n = a.large_n if (rtt == 0 or c.key != "i") else max(2, a.large_n // 2)
            sequential(row, c, path, None, n, a.row_budget, proxy, self.dns)

    def mcp_rows(self, target: Target, creds: Any, rtt: float, proxy: Any) -> None:
        try:
            from tools.bench import mcp_bench
        except ImportError as exc:
            self.log(f"scenario d skipped: {exc}")
            return
        if not mcp_bench.available():
            self.notes.append("scenario d skipped: alecs.server is not available yet")
            self.log("scenario d skipped: alecs.server is not available yet")
            return
        for mode in ("memory", "stdio"):
            row = Row("d", target.name, rtt, f"mcp-{mode}", f"MCP tool call, {mode}")
            row.limit_ms = self.limit(target.name, "a", rtt)
            ref = None
            if mode == "memory":
                ref = Row("d", target.name, rtt, "mcp-ref", "the same GET through the Transport")
                ref.limit_ms = row.limit_ms
            try:
                mcp_bench.run(
                    row,
                    mode,
                    target,
                    creds,
                    self.args.mcp_n,
                    self.args.row_budget,
                    proxy,
                    self.dns,
                    ref,
                )
            except Exception as exc:
                while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
                    exc = exc.exceptions[0]  # the TaskGroup's first real error
                row.note = f"failed: {type(exc).__name__}: {exc}"[:200]
            if ref is not None and ref.n:
                self.add(ref)
            self.add(row)

    # -------------------------------------------------------------------------- main loop
    def target_run(self, target: Target, rtts: list[float], scenarios: set[str]) -> None:
        proxy: Any
        if self.args.in_process:
            proxy = ProxyThread("127.0.0.1", target.port).start()
        else:
            proxy = ProxyProcess("127.0.0.1", target.port).start(cwd=str(_repo_root()))
        try:
            creds = target.client_credentials(proxy.port)
            for rtt in rtts:
                proxy.set_rtt(rtt)
                self.floor(target, creds, rtt, scenarios, proxy)
                self.contender_rows(target, creds, rtt, scenarios, proxy)
                if "d" in scenarios and target.name in self.mcp_targets:
                    self.mcp_rows(target, creds, rtt, proxy)
        finally:
            proxy.stop()


def _repo_root() -> Path:
    return Path(__file__).resolve().parents[2]


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=_repo_root(),
            timeout=5,
        )
        return out.stdout.strip()
    except Exception:
        return "?"


def _nginx_version() -> str:
    from tools.bench.nginx import nginx_binary

    binary = nginx_binary()
    if not binary:
        return "not installed"
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=5)
    return (out.stderr or out.stdout).strip()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    warnings.simplefilter("ignore", DeprecationWarning)
    # requests.Session in a 100-thread burst overflows urllib3's pool of 10 by design (that is
    # what the row shows as new connections); its per-connection warning is noise here.
    logging.getLogger("urllib3.connectionpool").setLevel(logging.ERROR)
    rtts = [float(x) for x in args.rtts.split(",") if x.strip()]
    scenarios = {s.strip() for s in args.scenarios.split(",") if s.strip()}
    wanted = [t.strip() for t in args.targets.split(",") if t.strip()]
    run = Run(args)
    if not transport_available():
        run.notes.append("contenders (iv)/(v) skipped: alecs.transport.Transport not available yet")
    run.dns.install()
    targets: list[Target] = []
    try:
        for name in wanted:
            try:
                if name == "sandbox":
                    targets.append(start_sandbox(in_process=args.in_process))
                elif name == "nginx":
                    if not NginxTarget.available():
                        run.notes.append("nginx target skipped: nginx is not installed")
                        run.log(
                            "nginx not installed: skipping that target (make bench installs it)"
                        )
                        continue
                    targets.append(start_nginx())
                else:
                    raise SystemExit(f"unknown target {name!r}; allowed: sandbox, nginx")
            except (ImportError, RuntimeError) as exc:
                run.notes.append(f"{name} target skipped: {type(exc).__name__}: {exc}")
                run.log(f"{name} target skipped: {exc}")
        for target in targets:
            run.log(f"target {target.name}: {target.description}; small GET {target.small_path}")
            run.target_run(target, rtts, scenarios)
    finally:
        run.dns.uninstall()
        for target in targets:
            target.stop()

    goals = report.evaluate_goals(run.rows, run.floors, max(rtts))
    elapsed = time.monotonic() - run.started
    meta = {
        "commit": _git_commit(),
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "nginx": _nginx_version(),
        "targets": {t.name: t.description for t in targets},
        "small_get": {t.name: t.small_path for t in targets},
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "floors_ms": run.floors,
        "notes": run.notes,
        "elapsed_s": round(elapsed, 1),
    }
    text = _markdown(meta, run.rows, goals)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    report.write_json(args.out / f"{args.name}.json", meta, run.rows, goals)
    (args.out / f"{args.name}.md").write_text(text + "\n")
    if not args.no_plot:
        if report.plot(args.out / f"{args.name}.png", run.rows):
            print(f"plot: {args.out / f'{args.name}.png'}")
        else:
            print("plot skipped: matplotlib is not installed (pip install -e '.[bench]')")
    print(f"results: {args.out / f'{args.name}.json'} ({elapsed:.0f} s)")
    bad = [r for r in run.rows if r.errors or r.note.startswith("failed")]
    return 1 if bad and args.smoke else 0


def _markdown(meta: dict[str, Any], rows: list[Row], goals: list[dict[str, Any]]) -> str:
    parts = [
        "# alecs benchmark",
        "",
        f"commit {meta['commit']}, {meta['date']}, Python {meta['python']}, {meta['cpus']} CPUs, "
        f"{meta['elapsed_s']} s. DNS lookup emulated at {meta['settings']['dns_ms']:g} ms; "
        "RTT emulated by a user-space proxy. Physical limit = RTT + the target's service time, "
        "measured: the p50 of a raw TLS socket client (burst: 100 pipelined requests on one "
        "socket) on the same emulated network. CPU is the client process's time per call.",
        "",
    ]
    for name, desc in meta["targets"].items():
        parts.append(f"- target **{name}**: {desc}; small GET `{meta['small_get'][name]}`")
    for note in meta["notes"]:
        parts.append(f"- note: {note}")
    parts += [
        "",
        "## Goals",
        "",
        report.goals_table(goals),
        "",
        "## Headline",
        "",
        "ms; scenario b: the median wall time of a burst of concurrent calls, else the mean per "
        "call; limit: the physical limit (see above).",
        "",
        report.headline(rows),
        "",
        "## Tables",
        "",
        report.tables(rows),
    ]
    return "\n".join(parts)


if __name__ == "__main__":
    sys.exit(main())

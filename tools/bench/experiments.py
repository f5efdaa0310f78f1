"""A/B experiments behind the profiling findings: the same client, with one change at a time.

    python -m tools.bench.experiments [--rounds 3] [--calls 1500] [--contender v]

Each variant runs in a fresh process against nginx at RTT 0 (direct, no proxy), sequential
calls and bursts of 100, rounds interleaved so machine load hits all variants alike; the table
shows the best (minimum) CPU per call of the rounds. The variants patch the HTTP/2 stack in
that process only (they are experiments, not how alecs runs):

- `huffman-off`: hpack encodes request headers without Huffman coding (the Authorization
  header is new on every request, so it is never in the dynamic table and is Huffman-coded
  each time in pure Python);
- `h2-novalidate`: h2's outbound header validation and normalization off (httpx2 already
  sends lower-case, validated headers);
- `window-settings`: the 16 MiB receive window announced once in SETTINGS instead of a
  WINDOW_UPDATE frame written with every request;
- `write-now`: anyio's socket send no longer yields to the event loop after handing the bytes
  to the transport. httpcore2 holds the connection's write lock across that yield, so in a
  burst every other request's frames wait in h2's buffer until all the burst's requests are
  built: requests 2..100 leave in one write after the whole send phase;
- `cork-off`, `cork-3ms`: alecs' network stream (`alecs.transport.netstream`) writes every
  chunk at once, or gathers writes for up to 3 ms instead of 1 ms;
- `uvloop`: the asyncio loop replaced by uvloop;
- `all`: all of the above.

`--tree LABEL=DIR` (repeatable) adds a variant that runs the unpatched client from another
checkout of the repository (e.g. `git archive HEAD~1 alecs tools | tar -x -C /tmp/before`):
before/after comparisons of committed changes, in the same interleaved rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

VARIANTS = [
    "baseline",
    "huffman-off",
    "h2-novalidate",
    "window-settings",
    "write-now",
    "cork-off",
    "cork-3ms",
    "uvloop",
    "all",
]


def apply(variant: str) -> bool:
    """Patch this process for `variant`; returns whether to use uvloop."""
    names = set(VARIANTS[1:-1]) - {"cork-off", "cork-3ms"} if variant == "all" else {variant}
    if "huffman-off" in names:
        import hpack

        original = hpack.Encoder.encode

        def encode(self: Any, headers: Any, huffman: bool = True) -> bytes:
            return original(self, headers, huffman=False)

        hpack.Encoder.encode = encode  # type: ignore[method-assign]
    if "h2-novalidate" in names:
        import h2.config
        from httpcore2._async.http2 import AsyncHTTP2Connection

        AsyncHTTP2Connection.CONFIG = h2.config.H2Configuration(
            validate_inbound_headers=False,
            validate_outbound_headers=False,
            normalize_outbound_headers=False,
            split_outbound_cookies=False,
        )
    if "window-settings" in names:
        import h2.settings
        from httpcore2._async import http2 as http2_mod

        cls = http2_mod.AsyncHTTP2Connection

        async def _send_connection_init(self: Any, request: Any) -> None:
            self._h2_state.local_settings = h2.settings.Settings(
                client=True,
                initial_values={
                    h2.settings.SettingCodes.ENABLE_PUSH: 0,
                    h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 100,
                    h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: 65536,
                    h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 2**24,
                },
            )
            del self._h2_state.local_settings[h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL]
            self._h2_state.initiate_connection()
            self._h2_state.increment_flow_control_window(2**24)
            await self._write_outgoing_data(request)

        async def _send_request_headers(self: Any, request: Any, stream_id: int) -> None:
            end_stream = not http2_mod.has_body_headers(request)
            authority = next((v for k, v in request.headers if k.lower() == b"host"), None)
            headers = [
                (b":method", request.method),
                (b":authority", authority),
                (b":scheme", request.url.scheme),
                (b":path", request.url.target),
            ] + [
                (k.lower(), v)
                for k, v in request.headers
                if k.lower() not in (b"host", b"transfer-encoding")
            ]
            self._h2_state.send_headers(stream_id, headers, end_stream=end_stream)
            await self._write_outgoing_data(request)

        cls._send_connection_init = _send_connection_init  # type: ignore[method-assign]
        cls._send_request_headers = _send_request_headers  # type: ignore[method-assign]
    if "cork-off" in names or "cork-3ms" in names:
        from alecs.transport import netstream

        netstream.CORK_S = 0.0 if "cork-off" in names else 0.003
    if "write-now" in names:
        import anyio._backends._asyncio as anyio_asyncio

        async def send(self: Any, item: bytes) -> None:
            with self._send_guard:
                await anyio_asyncio.AsyncIOBackend.checkpoint_if_cancelled()
                if not self._protocol.write_event.is_set():
                    await self._protocol.write_event.wait()
                if self._closed:
                    raise anyio_asyncio.ClosedResourceError
                self._transport.write(item)
                if not self._protocol.write_event.is_set():
                    await self._protocol.write_event.wait()

        anyio_asyncio.SocketStream.send = send  # type: ignore[method-assign]
    return "uvloop" in names


def child(variant: str, contender: str, calls: int, rtt: float, wan_bursts: int) -> None:
    import asyncio
    import dataclasses
    import statistics
    import time

    use_uvloop = apply(variant)
    from tools.bench.contenders import make_contenders
    from tools.bench.proxy import ProxyProcess
    from tools.bench.targets import start_nginx

    target = start_nginx()
    proxy: ProxyProcess | None = None
    out: dict[str, float] = {}
    try:
        creds = dataclasses.replace(target.creds, host=f"localhost:{target.port}")
        params = dict(target.small_params or {})
        modes = ["seq", "burst"]
        if rtt > 0 and wan_bursts > 0:
            root = Path(__file__).resolve().parents[2]
            proxy = ProxyProcess("127.0.0.1", target.port).start(cwd=str(root))
            proxy.set_rtt(rtt)
            modes.append("wan")
        for mode in modes:
            if mode == "wan":
                assert proxy is not None
                creds = dataclasses.replace(creds, host=f"localhost:{proxy.port}")
            (c,) = make_contenders(creds, [contender])

            async def run(c: Any = c, mode: str = mode) -> float:
                await c.open()
                try:
                    for i in range(3):  # warm: connection, dynamic tables
                        await asyncio.gather(
                            *(
                                c.get(target.small_path, {**params, "n": j})
                                for j in range(100 if i else 1)
                            )
                        )
                    if mode == "wan":  # burst wall time on the emulated WAN, median
                        walls = []
                        for _ in range(wan_bursts):
                            t0 = time.perf_counter()
                            await asyncio.gather(
                                *(c.get(target.small_path, {**params, "n": j}) for j in range(100))
                            )
                            walls.append(time.perf_counter() - t0)
                        return statistics.median(walls)
                    cpu0 = time.process_time()
                    if mode == "seq":
                        for _ in range(calls):
                            await c.get(target.small_path, params)
                    else:
                        for _ in range(calls // 100):
                            await asyncio.gather(
                                *(c.get(target.small_path, {**params, "n": j}) for j in range(100))
                            )
                    return (time.process_time() - cpu0) / calls
                finally:
                    await c.aclose()

            if use_uvloop:
                import uvloop

                out[mode] = uvloop.run(run())
            else:
                out[mode] = asyncio.run(run())
    finally:
        if proxy is not None:
            proxy.stop()
        target.stop()
    print(json.dumps(out))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--calls", type=int, default=1500)
    p.add_argument("--contender", default="v", choices=["iii", "iv", "v"])
    p.add_argument(
        "--rtt", type=float, default=50.0, help="RTT (ms) of the burst wall-time row; 0: skip"
    )
    p.add_argument("--wan-bursts", type=int, default=10, help="bursts of 100 at --rtt")
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument(
        "--tree",
        action="append",
        default=[],
        metavar="LABEL=DIR",
        help="also run the unpatched client from the checkout in DIR, labelled LABEL",
    )
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(args.child, args.contender, args.calls, args.rtt, args.wan_bursts)
        return
    variants = [v for v in args.variants.split(",") if v]
    root = Path(__file__).resolve().parents[2]
    trees: dict[str, Path] = {}
    for spec in args.tree:
        label, _, directory = spec.partition("=")
        if not directory or not (Path(directory) / "alecs").is_dir():
            p.error(f"--tree {spec!r}: want LABEL=DIR, DIR holding alecs/ and tools/")
        trees[label] = Path(directory).resolve()
        variants.append(label)
    if "baseline" not in variants:
        variants.insert(0, "baseline")
    modes = ("seq", "burst", "wan") if args.rtt > 0 and args.wan_bursts > 0 else ("seq", "burst")
    results = {v: {m: [] for m in modes} for v in variants}
    for r in range(args.rounds):
        for v in variants:
            cwd = trees.get(v, root)
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tools.bench.experiments",
                    "--child",
                    "baseline" if v in trees else v,
                    "--contender",
                    args.contender,
                    "--calls",
                    str(args.calls),
                    "--rtt",
                    str(args.rtt),
                    "--wan-bursts",
                    str(args.wan_bursts),
                ],
                capture_output=True,
                text=True,
                cwd=cwd,
                env={**os.environ, "PYTHONPATH": str(cwd)},
                timeout=300,
            )
            if proc.returncode != 0:
                print(f"{v}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            data = json.loads(proc.stdout.strip().splitlines()[-1])
            for mode, value in data.items():
                results[v][mode].append(1000 * value)
            print(f"round {r + 1} {v}: {data}", file=sys.stderr)
    base = {m: min(results["baseline"][m] or [nan]) for m in modes}
    print(
        f"contender ({args.contender}): CPU ms per call at RTT 0 (sequential; bursts of 100) "
        f"and the median wall time of a burst of 100 at RTT {args.rtt:g} ms; each the minimum "
        f"of {args.rounds} rounds. vs baseline: ratio of the minima, and in brackets the median "
        "of the per-round ratios (a round runs every variant back to back, under similar load)"
    )
    head = ["variant", "CPU seq", "vs baseline", "CPU burst", "vs baseline"]
    if "wan" in modes:
        head += [f"burst wall RTT {args.rtt:g}", "vs baseline"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for v in variants:
        cells = []
        for mode in modes:
            mine = results[v][mode]
            best = min(mine or [nan])
            paired = [a / b for a, b in zip(mine, results["baseline"][mode], strict=False) if b]
            cells += [
                f"{best:.3f}" if mode != "wan" else f"{best:.1f} ms",
                f"{100 * (best / base[mode] - 1):+.1f}% ({100 * (_median(paired) - 1):+.1f}%)",
            ]
        print("| " + v + " | " + " | ".join(cells) + " |")


nan = float("nan")


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else nan


if __name__ == "__main__":
    main()

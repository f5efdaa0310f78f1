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
- `uvloop`: the asyncio loop replaced by uvloop;
- `all`: all of the above.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

VARIANTS = ["baseline", "huffman-off", "h2-novalidate", "window-settings", "uvloop", "all"]


def apply(variant: str) -> bool:
    """Patch this process for `variant`; returns whether to use uvloop."""
    names = set(VARIANTS[1:-1]) if variant == "all" else {variant}
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
    return "uvloop" in names


def child(variant: str, contender: str, calls: int) -> None:
    import asyncio
    import dataclasses
    import time

    use_uvloop = apply(variant)
    from tools.bench.contenders import make_contenders
    from tools.bench.targets import start_nginx

    target = start_nginx()
    out: dict[str, float] = {}
    try:
        creds = dataclasses.replace(target.creds, host=f"localhost:{target.port}")
        params = dict(target.small_params or {})
        for mode in ("seq", "burst"):
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
        target.stop()
    print(json.dumps(out))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--calls", type=int, default=1500)
    p.add_argument("--contender", default="v", choices=["iii", "iv", "v"])
    p.add_argument("--variants", default=",".join(VARIANTS))
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(args.child, args.contender, args.calls)
        return
    variants = [v for v in args.variants.split(",") if v]
    results: dict[str, dict[str, list[float]]] = {v: {"seq": [], "burst": []} for v in variants}
    root = Path(__file__).resolve().parents[2]
    for r in range(args.rounds):
        for v in variants:
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tools.bench.experiments",
                    "--child",
                    v,
                    "--contender",
                    args.contender,
                    "--calls",
                    str(args.calls),
                ],
                capture_output=True,
                text=True,
                cwd=root,
                timeout=300,
            )
            if proc.returncode != 0:
                print(f"{v}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            data = json.loads(proc.stdout.strip().splitlines()[-1])
            for mode, value in data.items():
                results[v][mode].append(1000 * value)
            print(f"round {r + 1} {v}: {data}", file=sys.stderr)
    base = {m: min(results["baseline"][m] or [float("nan")]) for m in ("seq", "burst")}
    print(f"contender ({args.contender}), CPU ms per call (min of {args.rounds} rounds)")
    print("| variant | sequential | vs baseline | burst of 100 | vs baseline |")
    print("|---|---|---|---|---|")
    for v in variants:
        s = min(results[v]["seq"] or [float("nan")])
        b = min(results[v]["burst"] or [float("nan")])
        spread = statistics.pstdev(results[v]["seq"]) if len(results[v]["seq"]) > 1 else 0
        print(
            f"| {v} | {s:.3f} (sd {spread:.3f}) | {100 * (s / base['seq'] - 1):+.1f}% | "
            f"{b:.3f} | {100 * (b / base['burst'] - 1):+.1f}% |"
        )


if __name__ == "__main__":
    main()

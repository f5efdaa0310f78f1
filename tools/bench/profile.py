"""Where a client spends its CPU per call: cProfile over many calls against nginx at RTT 0.

    python -m tools.bench.profile [--contender v] [--mode seq|burst] [--calls 2000] [--top 25]

Prints the functions with the most own time and the CPU split by package (h2, hpack, httpcore2,
httpx2, alecs, asyncio, ssl, edgegrid signing, ...). nginx answers in microseconds, so what is
measured is the client alone. No latency proxy: the client talks to nginx directly.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import dataclasses
import pstats
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from tools.bench.contenders import make_contenders
from tools.bench.targets import start_nginx

PACKAGES = [
    ("hpack", "hpack/"),
    ("h2", "/h2/"),
    ("httpcore2", "httpcore2/"),
    ("httpx2", "httpx2/"),
    ("anyio", "anyio/"),
    ("alecs.transport", "alecs/transport/"),
    ("edgegrid", "akamai/edgegrid"),
    ("urllib3", "urllib3/"),
    ("requests", "requests/"),
    ("asyncio", "asyncio/"),
    ("ssl", "ssl.py"),
    ("json", "json/"),
    ("hmac/hashlib", "hmac.py"),
    ("uuid", "uuid.py"),
    ("logging", "logging/"),
]


def package_of(filename: str) -> str:
    for name, needle in PACKAGES:
        if needle in filename:
            return name
    if filename.startswith("~") or filename == "<built-in>":
        return "builtins (C)"
    return "other"


def split_by_package(stats: pstats.Stats) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for (filename, _line, func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        pkg = package_of(filename)
        if pkg == "builtins (C)":
            # Attribute C calls made for a package to the package (ssl reads, hmac digests).
            if "ssl" in func.lower() or "_ssl" in func:
                pkg = "ssl"
            elif "hmac" in func or "sha256" in func or "openssl" in func:
                pkg = "hmac/hashlib"
            elif "select" in func or "epoll" in func:
                pkg = "event loop wait"
        out[pkg] += tt
    return dict(out)


async def _calls(contender: Any, path: str, params: Any, mode: str, calls: int, burst: int) -> None:
    await contender.open()
    try:
        await contender.get(path, params)
        if mode == "seq":
            for _ in range(calls):
                await contender.get(path, params)
        else:
            for _ in range(max(1, calls // burst)):
                await asyncio.gather(
                    *(contender.get(path, {**params, "n": i}) for i in range(burst))
                )
    finally:
        await contender.aclose()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--contender", default="v", choices=["ii", "iii", "iv", "v"])
    p.add_argument("--mode", default="seq", choices=["seq", "burst"])
    p.add_argument("--calls", type=int, default=2000)
    p.add_argument("--burst", type=int, default=100)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--save", type=Path, help="write the raw profile here (for snakeviz etc.)")
    p.add_argument(
        "--no-profile",
        action="store_true",
        help="just make the calls (to run under a sampling profiler such as py-spy)",
    )
    p.add_argument("--uvloop", action="store_true", help="run the asyncio contenders on uvloop")
    args = p.parse_args(argv)
    target = start_nginx()
    try:
        creds = dataclasses.replace(target.creds, host=f"localhost:{target.port}")
        (contender,) = make_contenders(creds, [args.contender])
        params = dict(target.small_params or {})
        prof = cProfile.Profile()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        if not args.no_profile:
            prof.enable()
        if contender.is_async:
            calls = _calls(contender, target.small_path, params, args.mode, args.calls, args.burst)
            if args.uvloop:
                import uvloop

                uvloop.run(calls)
            else:
                asyncio.run(calls)
        else:
            contender.open()  # type: ignore[attr-defined]
            for _ in range(args.calls):
                contender.get(target.small_path, params)  # type: ignore[attr-defined]
            contender.close()  # type: ignore[attr-defined]
        prof.disable()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    finally:
        target.stop()
    if args.no_profile:
        print(
            f"{contender.label}, {args.mode}, {args.calls} calls: CPU "
            f"{1000 * cpu / args.calls:.3f} ms/call, wall {1000 * wall / args.calls:.3f} ms/call"
            + (" (uvloop)" if args.uvloop else "")
        )
        return
    stats = pstats.Stats(prof)
    if args.save:
        stats.dump_stats(str(args.save))
    total = sum(split_by_package(stats).values())
    print(
        f"{contender.label}, {args.mode}, {args.calls} calls: CPU "
        f"{1000 * cpu / args.calls:.3f} ms/call (profiled: cProfile inflates Python-heavy code), "
        f"wall {1000 * wall / args.calls:.3f} ms/call"
    )
    print("\nown time by package (share of profiled time):")
    for pkg, tt in sorted(split_by_package(stats).items(), key=lambda kv: -kv[1]):
        print(f"  {pkg:<18} {100 * tt / total:5.1f}%  {1e6 * tt / args.calls:8.1f} us/call")
    print(f"\ntop {args.top} functions by own time:")
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()

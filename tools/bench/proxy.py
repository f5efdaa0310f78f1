"""A user-space WAN: an asyncio TCP forwarder that adds a one-way delay in each direction.

The kernel's netem is not available here, so latency is emulated in user space:

- every chunk is delivered `rtt/2` after it arrived, in each direction, in order;
- timer wake-ups are late by a fraction of a millisecond on a busy machine; the proxy learns by
  how much and starts each wait that much earlier, so the mean delay is right;
- a new connection's client-to-server bytes are held until one full RTT after `accept`, so the
  TCP handshake costs what it costs on a real network (connect() to the proxy itself returns at
  once on loopback); a TLS 1.3 handshake then costs one more RTT and a request one more.

The proxy counts accepted connections and the bytes it forwarded each way: "connections opened"
and "bytes received" in the benchmark tables come from here, the same for every contender.

Run it in-process (`ProxyThread`) or as a child process (`ProxyProcess`, what the benchmark does
so its CPU is never billed to the client under test). The child speaks a line protocol on
stdin/stdout: `rtt MS`, `stats`, `reset`, `quit`; each answered by one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import subprocess
import sys
import threading
from dataclasses import asdict, dataclass
from typing import Any

READ_CHUNK = 65536


@dataclass
class ProxyStats:
    """What crossed the proxy since the last reset."""

    connections: int = 0
    bytes_up: int = 0
    bytes_down: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


class LatencyProxy:
    """Forward `listen_host:port` to `upstream_host:upstream_port` with an emulated RTT."""

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        *,
        rtt_ms: float = 0.0,
        listen_host: str = "127.0.0.1",
        listen_port: int = 0,
    ) -> None:
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.rtt_ms = float(rtt_ms)
        self.listen_host = listen_host
        self.listen_port = listen_port
        self.stats = ProxyStats()
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        # How late a timer wake-up runs on this machine (epoll's millisecond timeouts, a busy
        # scheduler): learnt as the proxy runs and subtracted from each wait, so that the mean
        # one-way delay is the one asked for rather than about +0.5 ms per hop.
        self._late = 0.0004

    @property
    def port(self) -> int:
        assert self._server is not None, "proxy not started"
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._handle, self.listen_host, self.listen_port, backlog=1024
        )

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)

    def reset(self) -> ProxyStats:
        """Return the counters and start new ones."""
        old, self.stats = self.stats, ProxyStats()
        return old

    async def _handle(self, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        loop = asyncio.get_running_loop()
        accepted = loop.time()
        rtt = self.rtt_ms / 1000.0
        self.stats.connections += 1
        try:
            ureader, uwriter = await asyncio.open_connection(self.upstream_host, self.upstream_port)
        except OSError:
            cwriter.close()
            self._tasks.discard(task)
            return
        up = self._pump(creader, uwriter, rtt / 2, accepted + rtt, "bytes_up")
        down = self._pump(ureader, cwriter, rtt / 2, 0.0, "bytes_down")
        try:
            await asyncio.gather(up, down)
        except (asyncio.CancelledError, Exception):
            pass
        finally:
            for w in (cwriter, uwriter):
                with contextlib.suppress(Exception):
                    w.close()
            self._tasks.discard(task)

    def _count(self, counter: str, n: int) -> None:
        # Always the current stats object: a reset must not lose a long-lived connection's bytes.
        setattr(self.stats, counter, getattr(self.stats, counter) + n)

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        one_way: float,
        hold_until: float,
        counter: str,
    ) -> None:
        """Copy reader to writer, delivering each chunk `one_way` seconds after it arrived."""
        loop = asyncio.get_running_loop()
        if one_way <= 0 and hold_until <= 0:
            try:
                while data := await reader.read(READ_CHUNK):
                    self._count(counter, len(data))
                    writer.write(data)
                    await writer.drain()
            finally:
                with contextlib.suppress(Exception):
                    writer.write_eof()
            return

        queue: collections.deque[tuple[float, bytes]] = collections.deque()
        ready = asyncio.Event()
        done = False

        async def deliver() -> None:
            while True:
                while not queue:
                    if done:
                        with contextlib.suppress(Exception):
                            writer.write_eof()
                        return
                    ready.clear()
                    await ready.wait()
                when, data = queue.popleft()
                wait = when - loop.time()
                if wait > 0:
                    await asyncio.sleep(max(0.0, wait - self._late))
                    error = loop.time() - when
                    self._late = min(0.003, max(0.0, self._late + 0.1 * error))
                writer.write(data)
                await writer.drain()

        sender = asyncio.create_task(deliver())
        try:
            while data := await reader.read(READ_CHUNK):
                self._count(counter, len(data))
                queue.append((max(loop.time(), hold_until) + one_way, data))
                ready.set()
        finally:
            done = True
            ready.set()
            with contextlib.suppress(Exception):
                await sender


class ProxyThread:
    """A `LatencyProxy` on its own event loop in a daemon thread (for tests and smoke runs)."""

    def __init__(self, upstream_host: str, upstream_port: int, *, rtt_ms: float = 0.0) -> None:
        self._proxy = LatencyProxy(upstream_host, upstream_port, rtt_ms=rtt_ms)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    def start(self) -> ProxyThread:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._proxy.start(), self._loop).result(10)
        self.port = self._proxy.port
        return self

    def set_rtt(self, rtt_ms: float) -> None:
        self._loop.call_soon_threadsafe(setattr, self._proxy, "rtt_ms", float(rtt_ms))

    def reset(self) -> dict[str, int]:
        fut = asyncio.run_coroutine_threadsafe(_call(self._proxy.reset), self._loop)
        return fut.result(10).to_dict()

    def stop(self) -> None:
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._proxy.aclose(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop.close()


async def _call(fn: Any) -> Any:
    return fn()


class ProxyProcess:
    """A `LatencyProxy` in a child process, driven over its stdin/stdout."""

    def __init__(self, upstream_host: str, upstream_port: int, *, rtt_ms: float = 0.0) -> None:
        self._args = [
            sys.executable,
            "-m",
            "tools.bench.proxy",
            "--upstream",
            f"{upstream_host}:{upstream_port}",
            "--rtt-ms",
            str(rtt_ms),
        ]
        self._proc: subprocess.Popen[str] | None = None
        self.port = 0

    def start(self, cwd: str | None = None) -> ProxyProcess:
        self._proc = subprocess.Popen(
            self._args,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            cwd=cwd,
        )
        self.port = int(self._read()["port"])
        return self

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def _read(self) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("latency proxy exited")
        return dict(json.loads(line))

    def _cmd(self, text: str) -> dict[str, Any]:
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write(text + "\n")
        self._proc.stdin.flush()
        return self._read()

    def set_rtt(self, rtt_ms: float) -> None:
        self._cmd(f"rtt {rtt_ms}")

    def reset(self) -> dict[str, int]:
        return {k: int(v) for k, v in self._cmd("reset").items()}

    def stop(self) -> None:
        if self._proc is None:
            return
        with contextlib.suppress(Exception):
            self._cmd("quit")
        try:
            self._proc.wait(5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(5)
        self._proc = None


async def _serve(upstream: str, rtt_ms: float) -> None:
    host, _, port = upstream.rpartition(":")
    proxy = LatencyProxy(host, int(port), rtt_ms=rtt_ms)
    await proxy.start()
    loop = asyncio.get_running_loop()
    print(json.dumps({"port": proxy.port}), flush=True)
    try:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            cmd, _, arg = line.strip().partition(" ")
            if cmd == "rtt":
                proxy.rtt_ms = float(arg)
                print(json.dumps({"rtt_ms": proxy.rtt_ms}), flush=True)
            elif cmd in ("stats", "reset"):
                stats = proxy.reset() if cmd == "reset" else proxy.stats
                print(json.dumps(stats.to_dict()), flush=True)
            elif cmd == "quit":
                print(json.dumps({"bye": True}), flush=True)
                break
            else:
                print(json.dumps({"error": f"unknown command {cmd!r}"}), flush=True)
    finally:
        await proxy.aclose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="latency-emulating TCP proxy (loopback only)")
    parser.add_argument("--upstream", required=True, help="HOST:PORT to forward to")
    parser.add_argument("--rtt-ms", type=float, default=0.0)
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.upstream, args.rtt_ms))


if __name__ == "__main__":
    main()

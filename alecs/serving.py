"""How `alecs serve` serves: limits of the HTTP transports (streamable HTTP and SSE: header and
idle timeouts and a connection cap, on uvicorn's HTTP/1.1 protocol, h11), and stdio that shuts
down cleanly on SIGTERM (`serve_stdio`, at the end).

uvicorn has an idle timeout between requests (`timeout_keep_alive`) and a request-level
concurrency limit, but nothing that closes a connection which opened and never finished its
request headers: 200 such sockets would be held forever (slowloris), on a server that may be
bound to 0.0.0.0. `guarded_protocol(limits)` returns uvicorn's `H11Protocol` with two additions:

- **Header timeout**: a connection must complete its request headers within
  `header_timeout` seconds of opening (and, on a kept-alive connection, of the previous
  response). Otherwise the server closes it. Request bodies and long responses (SSE streams,
  slow tool calls) are not affected: the timer stops once the headers are in.
- **Connection cap**: beyond `max_connections` open connections, a new connection is closed at
  once (before it can send anything).

`idle_timeout` is uvicorn's keep-alive timeout: an idle kept-alive connection is closed after
that many seconds. `grace_period` is how long a SIGTERM/SIGINT waits for in-flight requests to
finish (uvicorn's graceful shutdown) before the rest are cancelled.

Defaults and why: an MCP client needs one or two connections (a POST per message and at most one
GET stream), so `max_connections=100` leaves room for many clients and still bounds the file
descriptors a flood can take; `header_timeout=10` s is far longer than any real client takes
to send a few hundred bytes of headers (even over a slow link) and short enough that stalled
sockets do not pile up; `idle_timeout=15` s keeps a client's connection warm between the
messages of one exchange; `grace_period=10` s lets a tool call that is in flight finish (most
Akamai reads take well under a second; a call still running after 10 s is cancelled).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol


@dataclass(frozen=True, slots=True)
class ServingLimits:
    """Timeouts (seconds) and the connection cap of `alecs serve --transport http|sse`."""

    header_timeout: float = 10.0
    idle_timeout: float = 15.0
    max_connections: int = 100
    grace_period: float = 10.0

    def __post_init__(self) -> None:
        for name in ("header_timeout", "idle_timeout", "grace_period"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"{name.replace('_', '-')} must be > 0 seconds, got {value}")
        if self.max_connections < 1:
            raise ValueError(f"max-connections must be >= 1, got {self.max_connections}")


@dataclass
class ServingStats:
    """What the limits did (shared by every connection of one server)."""

    header_timeouts: int = 0
    rejected: int = 0


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header timeout and a connection cap (see the module)."""

    limits: ClassVar[ServingLimits] = ServingLimits()
    stats: ClassVar[ServingStats]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections:
            self.stats.rejected += 1
            transport.abort()
            return
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._header_timer is not None and self.conn.their_state is not h11.IDLE:
            self._cancel_header_timer()  # the request line and headers are complete

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm_header_timer()  # the next request's headers are due in time too

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(
            self.limits.header_timeout, self._on_header_timeout
        )

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _on_header_timeout(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        self.stats.header_timeouts += 1
        self.transport.close()


def guarded_protocol(limits: ServingLimits) -> type[GuardedH11Protocol]:
    """A `GuardedH11Protocol` class bound to `limits` (pass it as uvicorn's `http=`)."""
    return type(
        "GuardedH11Protocol",
        (GuardedH11Protocol,),
        {"limits": limits, "stats": ServingStats()},
    )


def uvicorn_options(limits: ServingLimits) -> dict[str, Any]:
    """The `uvicorn.Config` options that apply `limits`."""
    return {
        "http": guarded_protocol(limits),
        "timeout_keep_alive": limits.idle_timeout,
        "timeout_graceful_shutdown": limits.grace_period,
    }


# --------------------------------------------------------------------------- stdio


class _StdinLines:
    """The lines of stdin for the SDK's `stdio_server(stdin=...)`, read by a daemon thread.

    The SDK reads stdin in an anyio worker thread that a cancellation must wait for, so a
    blocked read (the client is silent) would keep a SIGTERM from ever finishing the shutdown.
    Here a daemon thread reads and hands lines to the event loop; cancelling the reader only
    stops waiting, and the thread dies with the process. As the SDK does, fd 0 points at the
    null device while serving (children and stray reads see EOF) and is restored afterwards.
    """

    def __init__(self) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._private_fd: int | None = None

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            self._private_fd = os.dup(0)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.close(devnull)
            source = os.fdopen(os.dup(self._private_fd), "rb", buffering=0)
        except OSError:
            source = sys.stdin.buffer
        thread = threading.Thread(
            target=self._read, args=(source, loop), name="alecs-stdin", daemon=True
        )
        thread.start()

    def restore(self) -> None:
        if self._private_fd is not None:
            with contextlib.suppress(OSError):
                os.dup2(self._private_fd, 0)
                os.close(self._private_fd)
            self._private_fd = None

    def _read(self, source: Any, loop: asyncio.AbstractEventLoop) -> None:
        try:
            reader = io.BufferedReader(source) if isinstance(source, io.RawIOBase) else source
            for raw in iter(reader.readline, b""):
                loop.call_soon_threadsafe(self._queue.put_nowait, raw.decode("utf-8", "replace"))
        except (OSError, ValueError, RuntimeError):
            pass  # stdin closed under us, or the loop is gone: nothing more to read
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._queue.put_nowait, None)

    def __aiter__(self) -> _StdinLines:
        return self

    async def __anext__(self) -> str:
        line = await self._queue.get()
        if line is None:
            raise StopAsyncIteration
        return line


async def serve_stdio(server: Any) -> None:
    """Serve MCP over stdio until stdin closes or SIGTERM/SIGHUP arrives.

    Either way the server's lifespan exits normally (alecs' runtime closes the Transport and
    stops the sandbox; its release is shielded from the cancellation), and the caller returns
    exit code 0.
    """
    import anyio
    from mcp.server.stdio import stdio_server

    log = logging.getLogger("alecs.server")
    lines = _StdinLines()
    lines.start()
    try:
        async with anyio.create_task_group() as group:

            async def on_signal() -> None:
                with anyio.open_signal_receiver(signal.SIGTERM, signal.SIGHUP) as signals:
                    async for received in signals:
                        log.info("%s received: shutting down", signal.Signals(received).name)
                        group.cancel_scope.cancel()
                        return

            if threading.current_thread() is threading.main_thread():
                group.start_soon(on_signal)
            # MCPServer.run_stdio_async, with our stdin (the SDK has no public hook for it).
            lowlevel = server._lowlevel_server
            async with stdio_server(stdin=lines) as (read_stream, write_stream):  # type: ignore[arg-type]
                await lowlevel.run(
                    read_stream, write_stream, lowlevel.create_initialization_options()
                )
            group.cancel_scope.cancel()
    finally:
        lines.restore()

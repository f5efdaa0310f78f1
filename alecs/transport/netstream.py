"""An asyncio-native network backend for httpcore2: TCP and TLS straight on asyncio's
transports, without anyio's stream layers.

httpcore2's `AnyIOBackend` puts every read and write through anyio: a cancel scope with a
deadline per call, TLS done in Python over memory BIOs by anyio's `TLSStream`, and a yield to
the event loop after every write. That last point shapes HTTP/2 bursts: httpcore2 holds the
connection's write lock across the write, so while the first request's bytes are handed to the
socket, every other request of the burst encodes its headers into h2's buffer and queues on
the lock; requests 2..100 then leave in one write after the whole burst was built (~40 ms of
CPU for 100 requests), so the first response cannot come back before that plus a round trip.

`AsyncioStream` hands data to the asyncio transport without yielding (it only waits when the
transport asks to pause writing), reads from a buffer the protocol fills, and arms a timer
only when a read actually has to wait. Writes made within `CORK_S` of the previous write are
gathered and sent together at the end of the event loop's current pass (or once the oldest is
`CORK_S` old): a burst goes out in a few dozen socket writes as it is built, instead of one
write per request (a syscall each) or one write after the last request; a lone request, such
as a sequential call, is written at once.

TLS is asyncio's (`loop.start_tls`): SNI and certificate checks use `server_hostname`, the SSL
context is the pool's (verification on, TLS 1.2 minimum). Errors map to httpcore2's exception
types as `AnyIOBackend` maps them (`ConnectError` with the `ssl` error as its cause, and so on).
"""

from __future__ import annotations

import asyncio
import collections
import ssl
from collections.abc import Callable, Iterable
from typing import Any

import httpcore2

CORK_S = 0.001
"""Writes within this many seconds of the previous one are gathered (see the module doc)."""

READ_PAUSE_BYTES = 1 << 20
"""Stop reading from the socket while this much received data waits to be consumed."""


class StreamProtocol(asyncio.Protocol):
    """Buffers what the transport delivers; wakes the one reader and the one drainer."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self.chunks: collections.deque[bytes] = collections.deque()  # received, not yet read
        self.buffered = 0  # bytes in `chunks`
        self.eof = False
        self.error: BaseException | None = None
        self.reading_paused = False
        self.writing_paused = False
        self._read_waiters: list[asyncio.Future[None]] = []
        self._drain_waiters: list[asyncio.Future[None]] = []

    # -- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        self.buffered += len(data)
        if self.buffered > READ_PAUSE_BYTES and not self.reading_paused:
            assert self.transport is not None
            self.reading_paused = True
            self.transport.pause_reading()
        _wake(self._read_waiters)

    def eof_received(self) -> bool | None:
        self.eof = True
        _wake(self._read_waiters)
        return None  # close the transport: the peer sends nothing more

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        if exc is not None and self.error is None:
            self.error = exc
        _wake(self._read_waiters)
        self.writing_paused = False
        _wake(self._drain_waiters)

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        _wake(self._drain_waiters)

    # -- waiting
    async def wait_readable(self) -> None:
        await self._wait(self._read_waiters)

    async def wait_writable(self) -> None:
        await self._wait(self._drain_waiters)

    async def _wait(self, waiters: list[asyncio.Future[None]]) -> None:
        waiter = self._loop.create_future()
        waiters.append(waiter)
        try:
            await waiter
        finally:
            if waiter in waiters:
                waiters.remove(waiter)


def _wake(waiters: list[asyncio.Future[None]]) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(None)
    waiters.clear()


class AsyncioStream(httpcore2.AsyncNetworkStream):
    """One TCP connection (optionally TLS) as an httpcore2 network stream."""

    def __init__(
        self,
        transport: asyncio.Transport,
        protocol: StreamProtocol,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self._transport = transport
        self._protocol = protocol
        self._loop = asyncio.get_running_loop()
        self._clock = clock or self._loop.time  # injectable for tests of the write gathering
        self._pending: list[bytes] = []
        self._pending_since = 0.0
        self._last_write = -1.0

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        protocol = self._protocol
        if not protocol.buffered and not protocol.eof:
            self._flush()  # nothing we wrote waits while we wait for the answer
            try:
                async with asyncio.timeout(timeout):
                    while not protocol.buffered and not protocol.eof:
                        await protocol.wait_readable()
            except TimeoutError:
                raise httpcore2.ReadTimeout(f"no data within {timeout} s") from None
        if protocol.buffered:
            # Whole chunks as the transport delivered them (no copy), up to max_bytes.
            chunks = protocol.chunks
            first = chunks.popleft()
            if len(first) > max_bytes:
                chunks.appendleft(first[max_bytes:])
                first = first[:max_bytes]
            elif chunks and len(first) + len(chunks[0]) <= max_bytes:
                parts = [first]
                size = len(first)
                while chunks and size + len(chunks[0]) <= max_bytes:
                    size += len(chunks[0])
                    parts.append(chunks.popleft())
                first = b"".join(parts)
            protocol.buffered -= len(first)
            if protocol.reading_paused and protocol.buffered < READ_PAUSE_BYTES // 2:
                protocol.reading_paused = False
                self._transport.resume_reading()
            return first
        if protocol.error is not None:
            raise httpcore2.ReadError(str(protocol.error) or type(protocol.error).__name__) from (
                protocol.error
            )
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        if not buffer:
            return
        protocol = self._protocol
        if protocol.error is not None or self._transport.is_closing():
            error = protocol.error
            raise httpcore2.WriteError(str(error) if error else "connection closed") from error
        now = self._clock()
        if self._pending:
            self._pending.append(buffer)
            if now - self._pending_since >= CORK_S:
                self._flush()
        elif now - self._last_write < CORK_S:
            self._pending.append(buffer)
            self._pending_since = now
            self._loop.call_soon(self._flush)
        else:
            self._transport.write(buffer)
            self._last_write = now
        if protocol.writing_paused:
            self._flush()
            try:
                async with asyncio.timeout(timeout):
                    while protocol.writing_paused:
                        await protocol.wait_writable()
            except TimeoutError:
                raise httpcore2.WriteTimeout(f"could not write within {timeout} s") from None
            if protocol.error is not None:
                raise httpcore2.WriteError(str(protocol.error)) from protocol.error

    def _flush(self) -> None:
        if not self._pending:
            return
        data = b"".join(self._pending)
        self._pending.clear()
        if not self._transport.is_closing():
            self._transport.write(data)
        self._last_write = self._clock()

    async def aclose(self) -> None:
        self._flush()
        self._transport.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore2 backend interface)
    ) -> httpcore2.AsyncNetworkStream:
        self._flush()
        try:
            async with asyncio.timeout(timeout):
                transport = await self._loop.start_tls(
                    self._transport,
                    self._protocol,
                    ssl_context,
                    server_hostname=server_hostname,
                )
        except TimeoutError:
            self._transport.abort()
            raise httpcore2.ConnectTimeout(f"TLS handshake not done within {timeout} s") from None
        except (OSError, EOFError) as exc:  # ssl.SSLError is an OSError
            self._transport.abort()
            raise httpcore2.ConnectError(str(exc) or type(exc).__name__) from exc
        if transport is None:  # pragma: no cover - asyncio returns None only for a closed loop
            raise httpcore2.ConnectError("TLS handshake failed: the connection closed")
        # From now on the protocol gets plaintext from the TLS transport, and pauses/resumes it.
        self._protocol.transport = transport  # type: ignore[assignment]
        return AsyncioStream(transport, self._protocol, self._clock)  # type: ignore[arg-type]

    def get_extra_info(self, info: str) -> Any:
        transport = self._transport
        if info == "ssl_object":
            return transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return transport.get_extra_info("sockname")
        if info == "server_addr":
            return transport.get_extra_info("peername")
        if info == "socket":
            return transport.get_extra_info("socket")
        if info == "is_readable":
            # What an idle connection has to read is data or the peer's close: either way it
            # cannot carry a new request.
            protocol = self._protocol
            return bool(protocol.buffered) or protocol.eof or transport.is_closing()
        return None


class AsyncioBackend(httpcore2.AsyncNetworkBackend):
    """`connect_tcp` with asyncio's `create_connection`; TCP_NODELAY is on (asyncio sets it)."""

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore2 backend interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await loop.create_connection(
                    lambda: StreamProtocol(loop),
                    host,
                    port,
                    local_addr=(local_address, 0) if local_address else None,
                )
        except TimeoutError:
            raise httpcore2.ConnectTimeout(f"connect to {host}:{port} timed out") from None
        except OSError as exc:
            raise httpcore2.ConnectError(str(exc) or type(exc).__name__) from exc
        sock = transport.get_extra_info("socket")
        if sock is not None:
            for option in socket_options or ():
                sock.setsockopt(*option)
        return AsyncioStream(transport, protocol)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore2 backend interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                transport, protocol = await loop.create_unix_connection(
                    lambda: StreamProtocol(loop), path
                )
        except TimeoutError:
            raise httpcore2.ConnectTimeout(f"connect to {path} timed out") from None
        except OSError as exc:
            raise httpcore2.ConnectError(str(exc) or type(exc).__name__) from exc
        return AsyncioStream(transport, protocol)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


__all__ = ["CORK_S", "AsyncioBackend", "AsyncioStream", "StreamProtocol"]

"""The transport's asyncio network stream (`alecs.transport.netstream`), over real sockets.

Streams run on real asyncio transports (a connected socket pair, or TCP + TLS to the local
test server); a spy on the transport's `write` counts the socket writes, and the write
gathering's clock is injected, so nothing depends on how fast the machine is.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterator
from typing import Any

import httpcore2
import pytest
from transport_server import TransportServer, running_server

from alecs.transport.netstream import CORK_S, AsyncioBackend, AsyncioStream, StreamProtocol


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Pair:
    """An `AsyncioStream` on one end of a socket pair; the other end is a plain socket."""

    def __init__(self, stream: AsyncioStream, peer: socket.socket, writes: list[bytes]) -> None:
        self.stream = stream
        self.peer = peer
        self.writes = writes  # what the stream handed to its transport, write by write

    async def peer_read(self, size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = await asyncio.get_running_loop().sock_recv(self.peer, size - len(data))
            if not chunk:
                break
            data += chunk
        return data


async def make_pair(clock: FakeClock | None = None) -> Pair:
    loop = asyncio.get_running_loop()
    mine, peer = socket.socketpair()
    peer.setblocking(False)
    transport, protocol = await loop.create_connection(lambda: StreamProtocol(loop), sock=mine)
    writes: list[bytes] = []
    real_write = transport.write

    def spy(data: Any) -> None:
        writes.append(bytes(data))
        real_write(data)

    transport.write = spy  # type: ignore[method-assign]
    stream = AsyncioStream(transport, protocol, clock)  # type: ignore[arg-type]
    return Pair(stream, peer, writes)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# --------------------------------------------------------------------------- writes


async def test_a_lone_write_goes_to_the_socket_at_once(clock: FakeClock) -> None:
    pair = await make_pair(clock)
    await pair.stream.write(b"first")
    assert pair.writes == [b"first"]  # before any yield to the event loop
    clock.now += 10 * CORK_S
    await pair.stream.write(b"second")
    assert pair.writes == [b"first", b"second"]
    assert await pair.peer_read(11) == b"firstsecond"
    await pair.stream.aclose()
    pair.peer.close()


async def test_writes_right_after_a_write_are_gathered_until_the_loop_moves_on(
    clock: FakeClock,
) -> None:
    pair = await make_pair(clock)
    await pair.stream.write(b"a")
    for part in (b"b", b"c", b"d"):
        clock.now += CORK_S / 10
        await pair.stream.write(part)
    assert pair.writes == [b"a"], "b, c, d wait for the end of this pass of the event loop"
    await asyncio.sleep(0)
    assert pair.writes == [b"a", b"bcd"], "then leave together, in order"
    assert await pair.peer_read(4) == b"abcd"
    await pair.stream.aclose()
    pair.peer.close()


async def test_gathered_writes_leave_once_the_oldest_is_cork_s_old(clock: FakeClock) -> None:
    pair = await make_pair(clock)
    await pair.stream.write(b"1")
    clock.now += CORK_S / 2
    await pair.stream.write(b"2")  # gathered
    clock.now += CORK_S / 2
    await pair.stream.write(b"3")  # still gathered: "2" is CORK_S / 2 old
    assert pair.writes == [b"1"]
    clock.now += CORK_S
    await pair.stream.write(b"4")  # "2" is now 1.5 x CORK_S old: everything goes
    assert pair.writes == [b"1", b"234"]
    await pair.stream.aclose()
    pair.peer.close()


async def test_a_read_that_must_wait_sends_the_gathered_writes_first(clock: FakeClock) -> None:
    pair = await make_pair(clock)
    await pair.stream.write(b"request-1")
    clock.now += CORK_S / 10
    await pair.stream.write(b"request-2")
    assert pair.writes == [b"request-1"]

    async def answer() -> None:
        assert await pair.peer_read(18) == b"request-1request-2"
        await asyncio.get_running_loop().sock_sendall(pair.peer, b"response")

    responder = asyncio.create_task(answer())
    assert await pair.stream.read(100, timeout=5) == b"response"
    await responder
    assert pair.writes == [b"request-1", b"request-2"]
    await pair.stream.aclose()
    pair.peer.close()


async def test_writing_waits_while_the_transport_is_paused_and_times_out() -> None:
    pair = await make_pair()
    protocol: StreamProtocol = pair.stream._protocol
    protocol.pause_writing()
    with pytest.raises(httpcore2.WriteTimeout):
        await pair.stream.write(b"x", timeout=0.05)
    protocol.pause_writing()
    waiting = asyncio.create_task(pair.stream.write(b"y", timeout=5))
    await asyncio.sleep(0)
    assert not waiting.done()
    protocol.resume_writing()
    await waiting
    await pair.stream.aclose()
    pair.peer.close()


# --------------------------------------------------------------------------- reads and ends


async def test_reads_return_what_arrived_in_pieces_of_at_most_max_bytes() -> None:
    pair = await make_pair()
    pair.peer.sendall(b"0123456789")
    first = await pair.stream.read(4, timeout=5)
    assert first == b"0123"
    rest = b""
    while len(rest) < 6:
        rest += await pair.stream.read(100, timeout=5)
    assert rest == b"456789"
    await pair.stream.aclose()
    pair.peer.close()


async def test_a_read_times_out_as_httpcore2_read_timeout() -> None:
    pair = await make_pair()
    with pytest.raises(httpcore2.ReadTimeout):
        await pair.stream.read(100, timeout=0.05)
    await pair.stream.aclose()
    pair.peer.close()


async def test_the_peer_closing_reads_as_end_of_stream_and_makes_the_stream_readable() -> None:
    pair = await make_pair()
    assert pair.stream.get_extra_info("is_readable") is False
    pair.peer.close()
    assert await pair.stream.read(100, timeout=5) == b""
    assert pair.stream.get_extra_info("is_readable") is True
    with pytest.raises(httpcore2.WriteError):
        for _ in range(3):  # the first write may still be accepted by the closing socket
            await pair.stream.write(b"late", timeout=1)
            await asyncio.sleep(0.01)
    await pair.stream.aclose()


async def test_writes_after_close_fail_as_write_error() -> None:
    pair = await make_pair()
    await pair.stream.aclose()
    with pytest.raises(httpcore2.WriteError):
        await pair.stream.write(b"x")
    pair.peer.close()


# --------------------------------------------------------------------------- connect and TLS


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransportServer]:
    yield from running_server(tmp_path_factory.mktemp("transport-netstream"))


async def test_connect_and_tls_with_alpn_sni_and_verification(server: TransportServer) -> None:
    backend = AsyncioBackend()
    stream = await backend.connect_tcp("127.0.0.1", server.port, timeout=5)
    sock = stream.get_extra_info("socket")
    assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    context = ssl.create_default_context(cafile=str(server.ca_path))
    context.set_alpn_protocols(["h2", "http/1.1"])
    tls = await stream.start_tls(context, server_hostname="localhost", timeout=5)
    assert tls.get_extra_info("ssl_object").selected_alpn_protocol() == "h2"
    assert tls.get_extra_info("server_addr")[1] == server.port
    await tls.aclose()

    # A name the certificate does not cover: a ConnectError caused by the verification error.
    stream = await backend.connect_tcp("127.0.0.1", server.port, timeout=5)
    with pytest.raises(httpcore2.ConnectError) as caught:
        await stream.start_tls(context, server_hostname="other.example", timeout=5)
    assert isinstance(caught.value.__cause__, ssl.SSLCertVerificationError)


async def test_connection_refused_is_a_connect_error() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens on this port now
    with pytest.raises(httpcore2.ConnectError):
        await AsyncioBackend().connect_tcp("127.0.0.1", port, timeout=5)

"""Pins every private httpcore2 (and h2/hpack) detail that alecs' own transport layers rely on.

`alecs.transport.pool` (`CountingPool`, `PooledConnection`, `Http2Connection`,
`PlainHpackEncoder`, `unprocessed_reason`) and `alecs.transport.netstream` (`AsyncioStream`)
reach past httpcore2's public API in the places listed here. A new httpcore2 release that
renames or changes one of them fails the matching test with a message naming the attribute,
what uses it and what to do, instead of breaking connections at run time. The end-to-end
behaviour is tested elsewhere (test_transport_pool, test_transport_netstream,
test_transport_writes); these tests say precisely which contract moved.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version
from pathlib import Path
from typing import Any

import h2.connection
import h2.errors
import h2.events
import hpack
import httpcore2
import pytest

HTTPCORE2 = version("httpcore2")


def _fail(what: str, user: str) -> str:
    return (
        f"httpcore2 {HTTPCORE2} (h2 {version('h2')}, hpack {version('hpack')}): {what}. "
        f"{user} relies on it: adapt {user} to this release, or keep httpcore2 below it in "
        "pyproject.toml until it is adapted."
    )


def _module_source(cls: type) -> str:
    """The source of the module defining `cls` (httpcore2 re-labels `__module__`)."""
    path = inspect.getsourcefile(cls.handle_async_request)  # type: ignore[attr-defined]
    assert path is not None
    return Path(path).read_text()


def _instance_attrs(obj: Any) -> set[str]:
    return set(vars(obj))


# -- AsyncConnectionPool: CountingPool.create_connection and CountingPool.state ----------------

POOL_ATTRS = (
    "_proxy",
    "_uds",
    "_ssl_context",
    "_keepalive_expiry",
    "_http1",
    "_http2",
    "_retries",
    "_local_address",
    "_network_backend",
    "_socket_options",
    "_requests",
)


@pytest.mark.parametrize("name", POOL_ATTRS)
def test_connection_pool_attributes_read_by_counting_pool(name: str) -> None:
    pool = httpcore2.AsyncConnectionPool(http2=True)
    assert name in _instance_attrs(pool), _fail(
        f"AsyncConnectionPool no longer sets self.{name}",
        "alecs.transport.pool.CountingPool.create_connection",
    )


def test_connection_pool_create_connection_hook() -> None:
    method = getattr(httpcore2.AsyncConnectionPool, "create_connection", None)
    assert method is not None and list(inspect.signature(method).parameters) == [
        "self",
        "origin",
    ], _fail(
        "AsyncConnectionPool.create_connection(origin) is gone or takes other arguments",
        "alecs.transport.pool.CountingPool",
    )


def test_queued_requests_expose_is_queued() -> None:
    source = _module_source(httpcore2.AsyncConnectionPool)
    assert "def is_queued" in source, _fail(
        "the pool's queued request objects have no is_queued() any more",
        "alecs.transport.pool.CountingPool.state (the queued count)",
    )


# -- AsyncHTTPConnection: PooledConnection.handle_async_request --------------------------------

CONNECTION_ATTRS = (
    "_connection",
    "_request_lock",
    "_http1",
    "_http2",
    "_origin",
    "_keepalive_expiry",
    "_connect_failed",
)


@pytest.mark.parametrize("name", CONNECTION_ATTRS)
def test_http_connection_attributes_used_by_pooled_connection(name: str) -> None:
    connection = httpcore2.AsyncHTTPConnection(origin=httpcore2.Origin(b"https", b"h.test", 443))
    assert name in _instance_attrs(connection), _fail(
        f"AsyncHTTPConnection no longer sets self.{name}",
        "alecs.transport.pool.PooledConnection.handle_async_request",
    )


def test_http_connection_connect_step() -> None:
    connect = getattr(httpcore2.AsyncHTTPConnection, "_connect", None)
    assert connect is not None and inspect.iscoroutinefunction(connect), _fail(
        "AsyncHTTPConnection._connect(request) is gone or no longer a coroutine",
        "alecs.transport.pool.PooledConnection.handle_async_request",
    )
    assert list(inspect.signature(connect).parameters) == ["self", "request"], _fail(
        "AsyncHTTPConnection._connect takes other arguments than (request)",
        "alecs.transport.pool.PooledConnection.handle_async_request",
    )
    source = inspect.getsource(httpcore2.AsyncHTTPConnection.handle_async_request)
    assert "self._connection is None" in source, _fail(
        "AsyncHTTPConnection.handle_async_request no longer skips connecting when "
        "self._connection is set",
        "alecs.transport.pool.PooledConnection (it installs the protocol connection first)",
    )


def test_http2_and_http11_connection_constructors() -> None:
    for cls in (httpcore2.AsyncHTTP2Connection, httpcore2.AsyncHTTP11Connection):
        params = inspect.signature(cls.__init__).parameters
        for name in ("origin", "stream", "keepalive_expiry"):
            assert name in params, _fail(
                f"{cls.__name__}.__init__ has no {name!r} argument",
                "alecs.transport.pool.PooledConnection.handle_async_request",
            )


# -- AsyncHTTP2Connection: Http2Connection (HPACK encoder, unprocessed-request markers) ---------


class _NullStream(httpcore2.AsyncNetworkStream):
    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        return None

    async def aclose(self) -> None:
        return None


def test_http2_connection_h2_state_and_its_encoder() -> None:
    connection = httpcore2.AsyncHTTP2Connection(
        origin=httpcore2.Origin(b"https", b"h.test", 443), stream=_NullStream()
    )
    state = getattr(connection, "_h2_state", None)
    assert isinstance(state, h2.connection.H2Connection), _fail(
        "AsyncHTTP2Connection._h2_state is not an h2 H2Connection any more",
        "alecs.transport.pool.Http2Connection (installs PlainHpackEncoder)",
    )
    assert isinstance(state.encoder, hpack.Encoder), _fail(
        "h2's H2Connection.encoder is not an hpack.Encoder",
        "alecs.transport.pool.Http2Connection",
    )


def test_http2_send_request_headers_step() -> None:
    step = getattr(httpcore2.AsyncHTTP2Connection, "_send_request_headers", None)
    assert step is not None and inspect.iscoroutinefunction(step), _fail(
        "AsyncHTTP2Connection._send_request_headers is gone",
        "alecs.transport.pool.Http2Connection (records each request's stream id)",
    )
    assert list(inspect.signature(step).parameters) == ["self", "request", "stream_id"], _fail(
        "AsyncHTTP2Connection._send_request_headers no longer takes (request, stream_id)",
        "alecs.transport.pool.Http2Connection",
    )


def test_http2_failures_carry_the_h2_event() -> None:
    # GOAWAY and RST_STREAM surface as RemoteProtocolError(event); a GOAWAY above our stream
    # becomes ConnectionNotAvailable (the pool retries it on a new connection by itself).
    source = _module_source(httpcore2.AsyncHTTP2Connection)
    for needle, meaning in (
        ("raise RemoteProtocolError(event)", "a stream reset raises RemoteProtocolError(event)"),
        (
            "raise RemoteProtocolError(self._connection_terminated)",
            "a GOAWAY raises RemoteProtocolError(ConnectionTerminated)",
        ),
        ("stream_id > last_stream_id", "streams above a GOAWAY's last id are not processed"),
    ):
        assert needle in source, _fail(
            f"AsyncHTTP2Connection changed how it reports HTTP/2 failures ({meaning})",
            "alecs.transport.pool.Http2Connection and unprocessed_reason (which writes may be "
            "retried)",
        )
    assert h2.errors.ErrorCodes.REFUSED_STREAM == 0x7
    assert hasattr(h2.events.ConnectionTerminated(), "last_stream_id")
    assert hasattr(h2.events.StreamReset(stream_id=1), "error_code")


def test_hpack_encoder_takes_the_huffman_flag() -> None:
    params = inspect.signature(hpack.Encoder.encode).parameters
    assert "huffman" in params, _fail(
        "hpack.Encoder.encode has no 'huffman' argument",
        "alecs.transport.pool.PlainHpackEncoder",
    )
    from alecs.transport.pool import PlainHpackEncoder

    plain = PlainHpackEncoder().encode([(b"x-alecs", b"value")])
    assert b"value" in plain, "PlainHpackEncoder writes string literals without Huffman coding"


# -- the network stream interface: AsyncioStream -------------------------------------------------


def test_network_stream_interface_and_the_is_readable_probe() -> None:
    for name in ("read", "write", "aclose", "start_tls", "get_extra_info"):
        assert hasattr(httpcore2.AsyncNetworkStream, name), _fail(
            f"AsyncNetworkStream.{name} is gone", "alecs.transport.netstream.AsyncioStream"
        )
    for name in ("connect_tcp", "connect_unix_socket", "sleep"):
        assert hasattr(httpcore2.AsyncNetworkBackend, name), _fail(
            f"AsyncNetworkBackend.{name} is gone", "alecs.transport.netstream.AsyncioBackend"
        )
    # httpcore2 asks an idle HTTP/1.1 connection's stream whether it became readable (the
    # peer closed it): AsyncioStream answers from its buffer and EOF flag.
    source = inspect.getsource(httpcore2.AsyncHTTP11Connection.has_expired)
    assert '"is_readable"' in source, _fail(
        "AsyncHTTP11Connection.has_expired no longer asks get_extra_info('is_readable')",
        "alecs.transport.netstream.AsyncioStream.get_extra_info",
    )

"""One long-lived httpx2 client per credential section, over a connection pool we build.

`httpx2.AsyncHTTPTransport` cannot take a network backend, so `PoolTransport` is a small httpx2
transport that owns an `httpcore2.AsyncConnectionPool` (`CountingPool`) built with:

- the DNS-caching network backend (`alecs.transport.dns.CachingBackend`), shared by all pools,
  over asyncio's own sockets and TLS (`alecs.transport.netstream.AsyncioBackend`);
- HTTP/2 offered by ALPN (HTTP/1.1 fallback), or HTTP/1.1 only when forced;
- an SSL context with verification on and TLS 1.2 as the minimum version;
- the proxy from `HTTPS_PROXY`/`ALL_PROXY` unless `NO_PROXY` excludes the host, through the
  same `httpcore2` proxy support httpx2 uses (`httpx2.Proxy` parses URL and credentials);
- a counter of connections opened (for the connection reuse ratio);
- our own HTTP/2 connection class (`Http2Connection`), whose HPACK encoder does not
  Huffman-code request headers (see `PlainHpackEncoder`). The pool's connection factory
  (`CountingPool.create_connection`) installs it on direct connections of this pool only;
  nothing in httpcore2 is patched globally (connections through a proxy keep httpcore2's own).

The client never follows redirects (a redirected hop would carry a signature made for another
URL), keeps no cookies, and signs every request with the section's `EdgeGridAuth`.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import ssl
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import h2.errors
import h2.events
import hpack
import httpcore2
import httpx2
from httpcore2._async.http11 import HTTPConnectionState
from httpcore2._synchronization import AsyncSemaphore

from alecs.config import Credentials, tls_verify_setting
from alecs.transport.auth import ACCOUNT_SWITCH_PARAM, EdgeGridAuth
from alecs.transport.dns import CachingBackend
from alecs.transport.metrics import PoolState
from alecs.transport.settings import TransportSettings

# Most specific first: the first match wins.
_EXCEPTIONS: tuple[tuple[type[Exception], type[httpx2.TransportError]], ...] = (
    (httpcore2.ConnectTimeout, httpx2.ConnectTimeout),
    (httpcore2.ReadTimeout, httpx2.ReadTimeout),
    (httpcore2.WriteTimeout, httpx2.WriteTimeout),
    (httpcore2.PoolTimeout, httpx2.PoolTimeout),
    (httpcore2.TimeoutException, httpx2.TimeoutException),
    (httpcore2.ConnectError, httpx2.ConnectError),
    (httpcore2.ReadError, httpx2.ReadError),
    (httpcore2.WriteError, httpx2.WriteError),
    (httpcore2.NetworkError, httpx2.NetworkError),
    (httpcore2.ProxyError, httpx2.ProxyError),
    (httpcore2.UnsupportedProtocol, httpx2.UnsupportedProtocol),
    (httpcore2.RemoteProtocolError, httpx2.RemoteProtocolError),
    (httpcore2.LocalProtocolError, httpx2.LocalProtocolError),
    (httpcore2.ProtocolError, httpx2.ProtocolError),
)
_HTTPCORE_ERRORS = tuple(pair[0] for pair in _EXCEPTIONS)


@contextlib.contextmanager
def _mapped_exceptions() -> Iterator[None]:
    try:
        yield
    except _HTTPCORE_ERRORS as exc:
        for source, target in _EXCEPTIONS:
            if isinstance(exc, source):
                raise target(str(exc)) from exc
        raise  # pragma: no cover


class PlainHpackEncoder(hpack.Encoder):
    """An HPACK encoder that sends header strings as plain literals, never Huffman-coded.

    Every request carries a new `Authorization` header (~250 bytes: a fresh timestamp, nonce and
    signature each time), which h2 marks never-indexed, so it is encoded as a literal on every
    request; hpack's Huffman coder is pure Python and spent ~50 us per request on it alone.
    Huffman coding is optional in HPACK (RFC 7541 section 5.2, the H bit): the request's header
    block grows by about 60 bytes, which costs nothing measurable, while a burst of 100 requests
    is written several milliseconds sooner. Sensitivity is untouched: h2 still hands the
    `Authorization` header over as a `NeverIndexedHeaderTuple`, which is encoded with the
    never-indexed representation and kept out of the dynamic table.
    """

    def encode(self, headers: Any, huffman: bool = False) -> bytes:
        return super().encode(headers, huffman=False)


class Http2Connection(httpcore2.AsyncHTTP2Connection):
    """httpcore2's HTTP/2 connection with `PlainHpackEncoder` as its header encoder, marking
    failures that prove the server did not process a request.

    httpcore2 raises `RemoteProtocolError(event)` for a GOAWAY (`h2.events.ConnectionTerminated`)
    and for a stream reset (`h2.events.StreamReset`). A GOAWAY whose `last_stream_id` is below
    our stream id, or a reset with `REFUSED_STREAM`, means the server never processed the
    request (RFC 9113 sections 6.8 and 8.7), so even a write may be sent again: the exception
    gets `alecs_unprocessed` set, which `unprocessed_reason()` reads. To know our stream id,
    `_send_request_headers` (httpcore2's per-request step that receives it) records it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Installed before the connection sends anything, so the encoder's state (dynamic table,
        # table size from the server's SETTINGS) is this encoder's from the first frame on.
        self._h2_state.encoder = PlainHpackEncoder()
        self._alecs_stream_ids: dict[int, int] = {}

    async def _send_request_headers(self, request: httpcore2.Request, stream_id: int) -> None:
        self._alecs_stream_ids[id(request)] = stream_id
        await super()._send_request_headers(request, stream_id)

    async def handle_async_request(self, request: httpcore2.Request) -> httpcore2.Response:
        try:
            return await super().handle_async_request(request)
        except httpcore2.RemoteProtocolError as exc:
            event = exc.args[0] if exc.args else None
            if isinstance(event, h2.events.ConnectionTerminated):
                stream_id = self._alecs_stream_ids.get(id(request))
                last = event.last_stream_id
                if stream_id is None or (last is not None and last < stream_id):
                    exc.alecs_unprocessed = "goaway"  # type: ignore[attr-defined]
            elif (
                isinstance(event, h2.events.StreamReset)
                and event.error_code == h2.errors.ErrorCodes.REFUSED_STREAM
            ):
                exc.alecs_unprocessed = "refused_stream"  # type: ignore[attr-defined]
            raise
        finally:
            self._alecs_stream_ids.pop(id(request), None)

    async def send_preface(self, request: httpcore2.Request) -> None:
        """Send the HTTP/2 connection preface (magic, SETTINGS, WINDOW_UPDATE) now, no stream.

        `request` is never sent: it only carries the write timeout. This is what httpcore2
        does before the first request of a connection (`handle_async_request`, under the same
        init lock and with the same stream-permit set-up), so that request then finds the
        preface sent and opens its stream at once. The connection stays idle and expires like
        any idle pooled connection.
        """
        async with self._init_lock:
            if self._sent_connection_init:
                return
            try:
                await self._send_connection_init(request)
            except BaseException:
                await self.aclose()
                raise
            self._sent_connection_init = True
            self._max_streams = 1
            self._max_streams_deficit = 0
            local_max = self._h2_state.local_settings.max_concurrent_streams
            self._max_streams_semaphore = AsyncSemaphore(local_max)
            for _ in range(local_max - self._max_streams):
                await self._max_streams_semaphore.acquire()
        if self._keepalive_expiry is not None and self._expire_at is None and self.is_idle():
            self._expire_at = time.monotonic() + self._keepalive_expiry


def unprocessed_reason(exc: BaseException) -> str | None:
    """`"goaway"` or `"refused_stream"` when an HTTP/2 failure in `exc`'s cause chain proves the
    server did not process the request (see `Http2Connection`), else None."""
    current: BaseException | None = exc
    for _ in range(8):
        if current is None:
            return None
        marker = getattr(current, "alecs_unprocessed", None)
        if marker:
            return str(marker)
        if isinstance(current, httpcore2.RemoteProtocolError) and current.args:
            event = current.args[0]
            if (
                isinstance(event, h2.events.StreamReset)
                and event.error_code == h2.errors.ErrorCodes.REFUSED_STREAM
            ):
                return "refused_stream"
        current = current.__cause__ or current.__context__
    return None


class PooledConnection(httpcore2.AsyncHTTPConnection):
    """A direct connection of our pool: TCP (+TLS, ALPN), then `Http2Connection` when h2 was
    negotiated, httpcore2's HTTP/1.1 connection otherwise.

    httpcore2 picks the protocol class inside `AsyncHTTPConnection.handle_async_request`; this
    does the same selection first (once, under the same lock), after which the inherited method
    finds the connection in place and only sends the request.
    """

    async def handle_async_request(self, request: httpcore2.Request) -> httpcore2.Response:
        if self._connection is None and self.can_handle_request(request.url.origin):
            await self._establish(request)
        return await super().handle_async_request(request)

    async def _establish(self, request: httpcore2.Request) -> None:
        """TCP, TLS with ALPN, and the protocol connection object (once, under the lock)."""
        try:
            async with self._request_lock:
                if self._connection is None:
                    stream = await self._connect(request)
                    tls = stream.get_extra_info("ssl_object")
                    http2 = tls is not None and tls.selected_alpn_protocol() == "h2"
                    if http2 or (self._http2 and not self._http1):
                        self._connection = Http2Connection(
                            origin=self._origin,
                            stream=stream,
                            keepalive_expiry=self._keepalive_expiry,
                        )
                    else:
                        self._connection = httpcore2.AsyncHTTP11Connection(
                            origin=self._origin,
                            stream=stream,
                            keepalive_expiry=self._keepalive_expiry,
                        )
        except BaseException:
            self._connect_failed = True
            raise

    async def warm(self, timeouts: Mapping[str, float | None]) -> str:
        """Connect without sending any HTTP request: resolve (through the network backend),
        TCP, TLS with ALPN and, over HTTP/2, the connection preface. Returns the negotiated
        protocol (`"HTTP/2"` or `"HTTP/1.1"`)."""
        origin = self._origin
        request = httpcore2.Request(
            b"GET",
            httpcore2.URL(scheme=origin.scheme, host=origin.host, port=origin.port, target=b"/"),
            extensions={"timeout": dict(timeouts)},
        )
        await self._establish(request)
        connection = self._connection
        if isinstance(connection, Http2Connection):
            await connection.send_preface(request)
            return "HTTP/2"
        if isinstance(connection, httpcore2.AsyncHTTP11Connection):
            # httpcore2 calls a connection that never carried a request NEW, and the pool
            # assigns requests only to IDLE ones: mark it idle (with its keep-alive expiry) as
            # if a request had just finished, so the first call reuses it.
            if connection._state == HTTPConnectionState.NEW:
                connection._state = HTTPConnectionState.IDLE
                if self._keepalive_expiry is not None:
                    connection._expire_at = time.monotonic() + self._keepalive_expiry
        return "HTTP/1.1"


class CountingPool(httpcore2.AsyncConnectionPool):
    """`httpcore2.AsyncConnectionPool` that counts the connections it creates and makes its
    direct connections `PooledConnection`s (HTTP/2 with `PlainHpackEncoder`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.connections_opened = 0

    def create_connection(self, origin: httpcore2.Origin) -> Any:
        self.connections_opened += 1
        if self._proxy is not None or self._uds is not None:
            return super().create_connection(origin)
        return PooledConnection(
            origin=origin,
            ssl_context=self._ssl_context,
            keepalive_expiry=self._keepalive_expiry,
            http1=self._http1,
            http2=self._http2,
            retries=self._retries,
            local_address=self._local_address,
            network_backend=self._network_backend,
            socket_options=self._socket_options,
        )

    async def warm(self, origin: httpcore2.Origin, timeouts: Mapping[str, float | None]) -> str:
        """Open one direct connection to `origin` and leave it idle in the pool, without
        sending any HTTP request (see `PooledConnection.warm`); `"reused"` when the pool
        already holds a usable connection to `origin`.

        The connection joins the pool before it connects, so a request that arrives meanwhile
        waits for it (and reuses it) instead of opening a second one.
        """
        if self._proxy is not None or self._uds is not None:
            raise ValueError("warm-up opens direct connections only (no proxy)")
        with self._optional_thread_lock:
            for existing in self._connections:
                if existing.can_handle_request(origin) and existing.is_available():
                    return "reused"
            connection = self.create_connection(origin)
            self._connections.append(connection)
        return await connection.warm(timeouts)

    def state(self) -> PoolState:
        connections = self.connections
        idle = sum(1 for c in connections if c.is_idle())
        # The queue of requests waiting for a connection is not public API; read it defensively.
        requests = getattr(self, "_requests", ())
        queued = sum(1 for r in requests if getattr(r, "is_queued", lambda: False)())
        http2 = sum(1 for c in connections if "HTTP/2" in c.info())
        return PoolState(
            connections=len(connections),
            idle=idle,
            in_use=len(connections) - idle,
            queued=queued,
            http2_connections=http2,
        )


class _ResponseStream(httpx2.AsyncByteStream):
    __slots__ = ("_stream",)

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _mapped_exceptions():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        if hasattr(self._stream, "aclose"):
            await self._stream.aclose()


class PoolTransport(httpx2.AsyncBaseTransport):
    """An httpx2 transport over a pool we own (so we choose its network backend)."""

    def __init__(self, pool: CountingPool) -> None:
        self.pool = pool

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        url = request.url
        core_request = httpcore2.Request(
            method=request.method,
            url=httpcore2.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _mapped_exceptions():
            response = await self.pool.handle_async_request(core_request)
        return httpx2.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self.pool.aclose()


def build_ssl_context(verify: str | bool) -> ssl.SSLContext:
    """Verification always on; TLS 1.2 minimum."""
    if isinstance(verify, str):
        context = ssl.create_default_context(cafile=verify)
    else:
        context = httpcore2.default_ssl_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def proxy_for(host: str, env: Mapping[str, str] | None = None) -> str | None:
    """The proxy URL for `https://host`, from `HTTPS_PROXY`/`ALL_PROXY` and `NO_PROXY`."""
    if env is None:
        proxies = urllib.request.getproxies_environment()
    else:
        proxies = {}
        for name, value in env.items():
            lower = name.lower()
            if value and lower.endswith("_proxy"):
                proxies.setdefault(lower[: -len("_proxy")], value)
    url = proxies.get("https") or proxies.get("all")
    if not url:
        return None
    hostname = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    bypass = urllib.request.proxy_bypass_environment(hostname, proxies)
    if bypass:
        return None
    if "://" not in url:
        url = "http://" + url
    return url


def _core_proxy(url: str) -> httpcore2.Proxy:
    proxy = httpx2.Proxy(url=url)
    return httpcore2.Proxy(
        url=httpcore2.URL(
            scheme=proxy.url.raw_scheme,
            host=proxy.url.raw_host,
            port=proxy.url.port,
            target=proxy.url.raw_path,
        ),
        auth=proxy.raw_auth,
        headers=proxy.headers.raw,
        ssl_context=proxy.ssl_context,
    )


def redact_proxy(url: str | None) -> str | None:
    """A proxy URL without its credentials (for health output)."""
    if url is None:
        return None
    parsed = httpx2.URL(url)
    return str(parsed.copy_with(username=None, password=None))


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


class SectionClient:
    """The pooled, signing client of one credential section."""

    def __init__(
        self,
        credentials: Credentials,
        settings: TransportSettings,
        backend: CachingBackend,
        *,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.credentials = credentials
        self.section = credentials.section
        self.host = credentials.host
        self.ssl_context = build_ssl_context(tls_verify_setting(credentials))
        self.proxy = proxy_for(self.host, env) if settings.trust_env else None
        http2 = settings.http2 and not settings.force_http1
        self.alpn_protocols = ["h2", "http/1.1"] if http2 else ["http/1.1"]
        self.pool = CountingPool(
            ssl_context=self.ssl_context,
            proxy=_core_proxy(self.proxy) if self.proxy else None,
            max_connections=settings.max_connections,
            max_keepalive_connections=settings.max_keepalive,
            keepalive_expiry=settings.keepalive_expiry,
            http1=True,
            http2=http2,
            network_backend=backend,
        )
        self.auth = EdgeGridAuth(credentials)
        self.timeout = httpx2.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.write_timeout,
            pool=settings.pool_timeout,
        )
        self.client = httpx2.AsyncClient(
            auth=self.auth,
            base_url=credentials.base_url,
            transport=PoolTransport(self.pool),
            follow_redirects=False,
            timeout=self.timeout,
            trust_env=False,
            cookies=http.cookiejar.CookieJar(policy=_NoCookies()),
            headers={"User-Agent": settings.user_agent, "Accept": "application/json"},
        )

        self.base_url = credentials.base_url.rstrip("/")

    def url_for(
        self, path: str, params: Mapping[str, Any] | None, account_key: str | None = None
    ) -> str:
        """The absolute URL of a call, as one string (httpx2 then parses it once).

        The query is `params` encoded exactly as httpx2 encodes `params=` (`httpx2.QueryParams`),
        followed by `accountSwitchKey` when `account_key` is given and `params` has none, which
        is where `EdgeGridAuth` would add it; the URL it signs and sends is the same. A query
        already in `path` is kept, with `params` appended (httpx2's `params=` would replace it),
        and a path starting with `//` stays a path (httpx2 would read its first segment as a
        host name and drop it). A fragment is dropped (it is never sent or signed).
        """
        if "#" in path:
            path = path.split("#", 1)[0]
        if account_key and "?" not in path and not (params and ACCOUNT_SWITCH_PARAM in params):
            params = {**(params or {}), ACCOUNT_SWITCH_PARAM: account_key}
        if not params:
            return self.base_url + path
        query = str(httpx2.QueryParams(params))
        return f"{self.base_url}{path}{'&' if '?' in path else '?'}{query}"

    async def aclose(self) -> None:
        await self.client.aclose()

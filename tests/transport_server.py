"""A real local HTTPS server (HTTP/2 by ALPN, HTTP/1.1 fallback) for the transport tests.

hypercorn serves a small ASGI app on 127.0.0.1, port 0, in a background thread with its own
event loop, over a throwaway CA made by trustme (certificate for 127.0.0.1, localhost and
*.test names). Tests script the replies per path and read back what the server saw: method,
path, query, headers, the client port (one per TCP connection, so distinct ports = connections),
the HTTP version, the EdgeGrid nonce, and whether the EdgeGrid signature verified.

Features: scripted replies (status, JSON, headers, gzip/br encoding), a server-side token bucket
per path prefix that answers 429 like Akamai, and "holds" that park requests until released.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import math
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import brotli
import trustme
from akamai.edgegrid.edgegrid import EdgeGridAuthHeaders
from hypercorn.asyncio import serve
from hypercorn.config import Config

from alecs.config import Credentials

CLIENT_TOKEN = "akab-client-token-0123456789abcdef"
CLIENT_SECRET = "SECRETsecretSECRETsecret0123456789abcdefXYZ="
ACCESS_TOKEN = "akab-access-token-fedcba9876543210"
CERT_NAMES = ("127.0.0.1", "localhost", "api.test", "api2.test", "dead.test")


@dataclass
class Reply:
    status: int = 200
    json: Any = None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None  # "gzip" or "br"
    date: float | None = None  # epoch seconds for the Date header (default: now)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    client_port: int
    http_version: str
    nonce: str | None
    signature_ok: bool
    body: bytes
    status: int = 0


@dataclass
class _Bucket:
    capacity: float
    rate: float
    tokens: float
    stamp: float
    clock: Any = None  # a ManualClock (monotonic() and now()), or None for real time
    limit: float | None = None  # X-RateLimit-Limit to report (default: the capacity)


class TransportServer:
    """Start with `start()`, stop with `stop()`; thread-safe accessors for tests."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[Reply]] = {}
        self._defaults: dict[str, Reply] = {}
        self._seen: list[Seen] = []
        self._buckets: dict[str, _Bucket] = {}
        self._holds: dict[str, asyncio.Event] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._shutdown: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.too_many = 0
        self.port = 0
        ca = trustme.CA()
        cert = ca.issue_cert(*CERT_NAMES)
        self.ca_path = tmp / "transport-ca.pem"
        self.cert_path = tmp / "transport-cert.pem"
        self.key_path = tmp / "transport-key.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))
        cert.private_key_pem.write_to_path(str(self.key_path))
        with self.cert_path.open("wb") as fh:
            for blob in cert.cert_chain_pems:
                fh.write(blob.bytes())
        self._signer = EdgeGridAuthHeaders(CLIENT_TOKEN, CLIENT_SECRET, ACCESS_TOKEN)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(512)
        self.port = sock.getsockname()[1]
        fd = sock.detach()
        self._thread = threading.Thread(target=self._run, args=(fd,), daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("transport test server did not start")
        if self._error is not None:
            raise RuntimeError("transport test server failed") from self._error

    def _run(self, fd: int) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        config = Config()
        config.bind = [f"fd://{fd}"]
        config.certfile = str(self.cert_path)
        config.keyfile = str(self.key_path)
        config.include_date_header = False
        config.accesslog = None
        config.errorlog = None
        config.keep_alive_timeout = 30
        config.graceful_timeout = 0.1

        async def main() -> None:
            self._shutdown = asyncio.Event()
            self._ready.set()
            await serve(self._app, config, shutdown_trigger=self._shutdown.wait)  # type: ignore[arg-type]

        try:
            loop.run_until_complete(main())
        except BaseException as exc:  # pragma: no cover - surfaced by start()
            self._error = exc
            self._ready.set()
        finally:
            loop.close()

    def stop(self) -> None:
        if self._loop is not None and self._shutdown is not None:
            # Holds first: once shutdown is set, the loop may close before they are scheduled.
            with contextlib.suppress(RuntimeError):  # the loop is already closed
                for event in list(self._holds.values()):
                    self._loop.call_soon_threadsafe(event.set)
                self._loop.call_soon_threadsafe(self._shutdown.set)
        if self._thread is not None:
            self._thread.join(10)

    # -- helpers for tests ---------------------------------------------------------------------

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def credentials(
        self, section: str = "t", *, host: str | None = None, account_key: str | None = None
    ) -> Credentials:
        """Credentials for this server (`host` may name a `*.test` host with this port)."""
        return Credentials(
            section=section,
            host=host or self.host,
            client_token=CLIENT_TOKEN,
            client_secret=CLIENT_SECRET,
            access_token=ACCESS_TOKEN,
            account_key=account_key,
            ca_bundle=str(self.ca_path),
            source="test",
        )

    def script(self, path: str, replies: list[Reply], default: Reply | None = None) -> None:
        """Answer `path` (or any path starting with `path` when it ends with `/`) with `replies`
        in order, then with `default` (200 JSON when not given)."""
        with self._lock:
            self._scripts[path] = deque(replies)
            if default is not None:
                self._defaults[path] = default

    def rate_limit(
        self,
        prefix: str,
        capacity: float,
        per_second: float,
        *,
        tokens: float | None = None,
        clock: Any = None,
        limit: float | None = None,
    ) -> None:
        """Enforce a token bucket on paths starting with `prefix`, answering 429 when empty.

        `tokens`: what is left now (another client of the account spent the rest). `clock`: a
        `ManualClock` the bucket refills on (then 429s also carry `Akamai-RateLimit-Next` and a
        `Date`, both from that clock, like Akamai's); default real time. `limit`: the
        `X-RateLimit-Limit` to report (PAPI reports its per-minute rate); default the capacity.
        """
        stamp = clock.monotonic() if clock is not None else time.monotonic()
        left = capacity if tokens is None else tokens
        with self._lock:
            self._buckets[prefix] = _Bucket(capacity, per_second, left, stamp, clock, limit)

    def hold(self, path: str) -> None:
        """Park requests to `path` until `release(path)`."""
        assert self._loop is not None
        done = threading.Event()

        def make() -> None:
            self._holds[path] = asyncio.Event()
            done.set()

        self._loop.call_soon_threadsafe(make)
        done.wait(5)

    def release(self, path: str) -> None:
        assert self._loop is not None
        event = self._holds.get(path)
        if event is not None:
            self._loop.call_soon_threadsafe(event.set)

    def seen(self, prefix: str = "/") -> list[Seen]:
        with self._lock:
            return [s for s in self._seen if s.path.startswith(prefix)]

    def count(self, prefix: str = "/") -> int:
        return len(self.seen(prefix))

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate():
                return True
            time.sleep(0.005)
        return predicate()

    # -- the ASGI app ----------------------------------------------------------------------------

    def _pick(self, path: str) -> Reply:
        with self._lock:
            key = path if path in self._scripts else None
            if key is None:
                for candidate in sorted(self._scripts, key=len, reverse=True):
                    if candidate.endswith("/") and path.startswith(candidate):
                        key = candidate
                        break
            if key is None:
                return Reply(json={"ok": True, "path": path})
            queue = self._scripts[key]
            if queue:
                return queue.popleft()
            return self._defaults.get(key) or Reply(json={"ok": True, "path": path})

    def _take_token(self, path: str) -> tuple[bool, dict[str, str]]:
        with self._lock:
            for prefix, bucket in self._buckets.items():
                if not path.startswith(prefix):
                    continue
                now = bucket.clock.monotonic() if bucket.clock is not None else time.monotonic()
                refill = (now - bucket.stamp) * bucket.rate
                bucket.tokens = min(bucket.capacity, bucket.tokens + refill)
                bucket.stamp = now
                limit = str(int(bucket.limit if bucket.limit is not None else bucket.capacity))
                if bucket.tokens >= 1:
                    bucket.tokens -= 1
                    return True, {
                        "x-ratelimit-limit": limit,
                        "x-ratelimit-remaining": str(int(bucket.tokens)),
                    }
                self.too_many += 1
                wait = (1 - bucket.tokens) / bucket.rate
                refused = {
                    "x-ratelimit-limit": limit,
                    "x-ratelimit-remaining": "0",
                    "retry-after": str(max(1, math.ceil(wait))),
                }
                if bucket.clock is not None:
                    wall = bucket.clock.now()
                    refused["date"] = formatdate(math.floor(wall), usegmt=True)
                    refused["akamai-ratelimit-next"] = (
                        datetime.fromtimestamp(wall + wait, UTC).isoformat().replace("+00:00", "Z")
                    )
                return False, refused
        return True, {}

    def _verify(
        self, method: str, host: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[str | None, bool]:
        auth = headers.get("authorization", "")
        parts = auth.removeprefix("EG1-HMAC-SHA256 ").split(";")
        fields = dict(part.split("=", 1) for part in parts if "=" in part)
        nonce = fields.get("nonce")
        if not nonce or "timestamp" not in fields:
            return None, False

        class _Req:
            pass

        signable = _Req()
        signable.method = method  # type: ignore[attr-defined]
        signable.url = f"https://{host}{raw_path}"  # type: ignore[attr-defined]
        signable.headers = headers  # type: ignore[attr-defined]
        signable.body = body  # type: ignore[attr-defined]
        expected = self._signer.make_auth_header(signable, fields["timestamp"], nonce)
        return nonce, expected == auth

    async def _app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        path = scope["path"]
        query_string = scope.get("query_string", b"").decode()
        raw_path = scope.get("raw_path", path.encode()).decode()
        if query_string:
            raw_path = f"{raw_path}?{query_string}"
        host = headers.get("host") or headers.get(":authority", "")
        nonce, ok = self._verify(scope["method"], host, raw_path, headers, body)
        seen = Seen(
            method=scope["method"],
            path=path,
            query=parse_qs(query_string),
            headers=headers,
            client_port=scope["client"][1],
            http_version=scope["http_version"],
            nonce=nonce,
            signature_ok=ok,
            body=body,
        )
        with self._lock:
            self._seen.append(seen)
        hold = self._holds.get(path)
        if hold is not None:
            await hold.wait()

        allowed, rl_headers = self._take_token(path)
        if headers.get("authorization") and not ok:
            reply = Reply(status=401, json={"type": "about:blank", "title": "Bad signature"})
        elif not allowed:
            reply = Reply(status=429, json={"title": "Too many requests", "status": 429})
        else:
            reply = self._pick(path)
        seen.status = reply.status
        if reply.body is not None:
            payload = reply.body
            content_type = "application/octet-stream"
        else:
            payload = json.dumps(reply.json if reply.json is not None else {}).encode()
            content_type = "application/problem+json" if reply.status >= 400 else "application/json"
        out = {"content-type": content_type, **rl_headers}
        if reply.encoding == "gzip":
            payload = gzip.compress(payload)
            out["content-encoding"] = "gzip"
        elif reply.encoding == "br":
            payload = brotli.compress(payload)
            out["content-encoding"] = "br"
        if "date" not in out:
            when = reply.date if reply.date is not None else time.time()
            out["date"] = formatdate(when, usegmt=True)
        out.update({k.lower(): v for k, v in reply.headers.items()})
        out["content-length"] = str(len(payload))
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [(k.encode(), v.encode()) for k, v in out.items()],
            }
        )
        if scope["method"] == "HEAD":
            payload = b""
        await send({"type": "http.response.body", "body": payload})


def running_server(tmp: Path) -> Iterator[TransportServer]:
    """Generator for a pytest fixture: a started server, stopped afterwards."""
    server = TransportServer(tmp)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class H2FaultServer:
    """A raw HTTP/2 server (h2 over TLS, ALPN h2) that answers each request as scripted per
    path, to produce what hypercorn will not: an HTTP/2 `REFUSED_STREAM`, a GOAWAY below or at
    the request's stream id, a connection closed after the request was read.

    Actions: `"ok"` (200 JSON), `"refuse"` (RST_STREAM REFUSED_STREAM), `"goaway"` (GOAWAY with
    a last stream id below the request's: not processed), `"goaway_processed"` (GOAWAY naming
    the request's stream: it may have been processed), `"drop"` (close the TCP connection
    without answering). `seen` lists `(method, path)` of every request received.
    """

    def __init__(self, tmp: Path) -> None:
        ca = trustme.CA()
        cert = ca.issue_cert(*CERT_NAMES)
        self.ca_path = tmp / "h2-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(self._context)
        self._context.set_alpn_protocols(["h2"])
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[str]] = {}
        self.seen: list[tuple[str, str]] = []
        self.connections = 0
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def credentials(self, section: str = "h2") -> Credentials:
        return Credentials(
            section=section,
            host=self.host,
            client_token=CLIENT_TOKEN,
            client_secret=CLIENT_SECRET,
            access_token=ACCESS_TOKEN,
            ca_bundle=str(self.ca_path),
            source="test",
        )

    def script(self, path: str, actions: list[str]) -> None:
        """Answer `path` with `actions` in order, then `"ok"`."""
        with self._lock:
            self._scripts[path] = deque(actions)

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for _, p in self.seen if p == path)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("h2 test server did not start")

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop

        async def main() -> None:
            self._server = await asyncio.start_server(
                self._handle, "127.0.0.1", 0, ssl=self._context
            )
            self.port = self._server.sockets[0].getsockname()[1]
            self._ready.set()

        loop.run_until_complete(main())
        loop.run_forever()
        loop.close()

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return

        async def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()
            loop.call_soon(loop.stop)

        asyncio.run_coroutine_threadsafe(shutdown(), loop)
        if self._thread is not None:
            self._thread.join(10)

    def _next(self, path: str) -> str:
        with self._lock:
            queue = self._scripts.get(path)
            return queue.popleft() if queue else "ok"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        import h2.config
        import h2.connection
        import h2.errors
        import h2.events

        with self._lock:
            self.connections += 1
        conn = h2.connection.H2Connection(
            h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        )
        conn.initiate_connection()
        writer.write(conn.data_to_send())
        heads: dict[int, dict[str, str]] = {}
        try:
            while True:
                data = await reader.read(65535)
                if not data:
                    return
                close = False
                for event in conn.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        heads[event.stream_id] = dict(event.headers)  # type: ignore[arg-type]
                    elif isinstance(event, h2.events.DataReceived):
                        conn.acknowledge_received_data(
                            event.flow_controlled_length, event.stream_id
                        )
                    elif isinstance(event, h2.events.StreamEnded):
                        sid = event.stream_id
                        head = heads.pop(sid, {})
                        path = head.get(":path", "").split("?", 1)[0]
                        with self._lock:
                            self.seen.append((head.get(":method", ""), path))
                        action = self._next(path)
                        if action == "refuse":
                            conn.reset_stream(sid, error_code=h2.errors.ErrorCodes.REFUSED_STREAM)
                        elif action in ("goaway", "goaway_processed"):
                            last = sid if action == "goaway_processed" else 0
                            conn.close_connection(last_stream_id=last)
                            close = True
                        elif action == "drop":
                            writer.transport.abort()
                            return
                        else:
                            body = json.dumps({"ok": True, "path": path}).encode()
                            conn.send_headers(
                                sid,
                                [
                                    (":status", "200"),
                                    ("content-type", "application/json"),
                                    ("content-length", str(len(body))),
                                ],
                            )
                            conn.send_data(sid, body, end_stream=True)
                writer.write(conn.data_to_send())
                await writer.drain()
                if close:
                    writer.close()
                    return
        except (ConnectionError, asyncio.CancelledError, ssl.SSLError):
            return
        finally:
            if not writer.is_closing():
                writer.close()


def running_h2_server(tmp: Path) -> Iterator[H2FaultServer]:
    """Generator for a pytest fixture: a started `H2FaultServer`, stopped afterwards."""
    server = H2FaultServer(tmp)
    server.start()
    try:
        yield server
    finally:
        server.stop()

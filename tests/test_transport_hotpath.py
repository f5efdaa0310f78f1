"""The transport's per-call hot path, against real servers:

- HTTP/2 request headers leave without Huffman coding (plain HPACK literals), and the
  Authorization header is still sent never-indexed, never entering the HPACK dynamic table;
- each call's URL is one string built from base URL, path and params: the query is encoded as
  httpx2 encodes `params=`, and `accountSwitchKey` lands where signing put it before, so the
  servers (the test server and the sandbox) verify every signature;
- HTTP/1.1 bursts up to `max_keepalive` keep their connections for the next burst.
"""

from __future__ import annotations

import asyncio
import random
import string
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import parse_qs

import hpack
import httpcore2
import httpx2
import pytest
from hyperframe.frame import ContinuationFrame, Frame, HeadersFrame
from transport_server import TransportServer, running_server

from alecs.config import Credentials
from alecs.transport import Transport, TransportSettings
from alecs.transport.auth import with_account_switch_key
from alecs.transport.dns import CachingBackend, DnsCache
from alecs.transport.netstream import AsyncioBackend
from alecs.transport.pool import Http2Connection, PooledConnection, SectionClient

NO_LIMITS = TransportSettings(rate_limiting=False)
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransportServer]:
    yield from running_server(tmp_path_factory.mktemp("transport-hotpath"))


# --------------------------------------------------------------------------- HPACK on the wire


class _RecordingStream(httpcore2.AsyncNetworkStream):
    """A network stream whose TLS layer keeps a copy of what is written (the HTTP/2 frames)."""

    def __init__(self, inner: httpcore2.AsyncNetworkStream, sink: bytearray, tls: bool) -> None:
        self._inner = inner
        self._sink = sink
        self._tls = tls

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        if self._tls:
            self._sink += buffer
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore2.AsyncNetworkStream:
        inner = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        return _RecordingStream(inner, self._sink, tls=True)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _RecordingBackend(CachingBackend):
    """The transport's backend (DNS cache over `AsyncioBackend`), recording the plaintext."""

    def __init__(self) -> None:
        super().__init__(DnsCache(None), AsyncioBackend())
        self.plaintext = bytearray()

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore2.AsyncNetworkStream:
        return _RecordingStream(await super().connect_tcp(*args, **kwargs), self.plaintext, False)


def _header_blocks(data: bytes) -> list[bytes]:
    """The HPACK header blocks of the HEADERS (+ CONTINUATION) frames in a client's bytes."""
    assert data.startswith(PREFACE)
    view = memoryview(data)[len(PREFACE) :]
    blocks: list[bytes] = []
    while len(view) >= 9:
        frame, length = Frame.parse_frame_header(view[:9])
        frame.parse_body(view[9 : 9 + length])
        view = view[9 + length :]
        if isinstance(frame, HeadersFrame):
            blocks.append(bytes(frame.data))
        elif isinstance(frame, ContinuationFrame):
            blocks[-1] += bytes(frame.data)
    return blocks


async def test_http2_headers_are_plain_literals_and_authorization_stays_never_indexed(
    server: TransportServer,
) -> None:
    backend = _RecordingBackend()
    client = SectionClient(server.credentials(), NO_LIMITS, backend, env={})
    try:
        sent = []
        for i in range(3):
            response = await client.client.get(f"/hpack/{i}")
            assert response.status_code == 200
            assert response.http_version == "HTTP/2"
            sent.append(response.request.headers["authorization"])
        (connection,) = client.pool.connections
        assert isinstance(connection, PooledConnection)
    finally:
        await client.aclose()

    blocks = _header_blocks(bytes(backend.plaintext))
    assert len(blocks) == 3
    decoder = hpack.Decoder()
    for block, authorization in zip(blocks, sent, strict=True):
        headers = decoder.decode(block, raw=True)
        (auth,) = [h for h in headers if h[0] == b"authorization"]
        assert auth[1] == authorization.encode()
        # Never-indexed representation (RFC 7541 6.2.3): kept out of every compression context.
        assert isinstance(auth, hpack.NeverIndexedHeaderTuple)
        # Not Huffman-coded: the value is in the header block as it is.
        assert authorization.encode() in block
    assert all(name != b"authorization" for name, _ in decoder.header_table.dynamic_entries)
    assert all(s.signature_ok for s in server.seen("/hpack/"))


async def test_the_transport_sends_http2_through_its_own_connection_class(
    server: TransportServer,
) -> None:
    async with Transport([server.credentials()], NO_LIMITS) as t:
        await asyncio.gather(*(t.request("t", "GET", f"/hpack-t/{i}") for i in range(20)))
        (connection,) = t._section("t").client.pool.connections
    assert isinstance(connection, PooledConnection)
    assert isinstance(connection._connection, Http2Connection)
    assert all(s.signature_ok for s in server.seen("/hpack-t/"))


# --------------------------------------------------------------------------- URLs built once

TRICKY: list[tuple[str, dict[str, Any] | None]] = [
    ("/papi/v1/properties", {"contractId": "ctr_1-ABC", "groupId": "grp_1"}),
    ("/q", {"space": "a b", "plus": "a+b", "pipe": "x|y", "brackets": "[0]", "tilde": "~x"}),
    ("/q", {"slash": "a/b", "amp": "a&b=c", "hash": "#frag", "pct": "100%", "q": "?"}),
    ("/q", {"unicode": "é中", "empty": "", "none": None, "flag": True, "n": 0, "f": 1.5}),
    ("/q", {"list": ["a", "b c"], "empty_list": []}),
    ("/q/%7e/é/a b", {"k": "v"}),
    ("/q", None),
    ("/q", {}),
]


@pytest.fixture(scope="module")
def section_client() -> Iterator[SectionClient]:
    creds = Credentials(
        section="s",
        host="akab-host.luna.akamaiapis.net",
        client_token="akab-ct",
        client_secret="secret",
        access_token="akab-at",
    )
    yield SectionClient(creds, NO_LIMITS, CachingBackend(DnsCache(None)), env={})


def _old_way(sc: SectionClient, path: str, params: Any, key: str | None) -> httpx2.Request:
    """How the URL was built before: httpx2's base_url + params merge, then the signer's key."""
    request = sc.client.build_request("GET", path, params=params)
    if key:
        request.url = with_account_switch_key(request.url, key)
    return request


def _new_way(sc: SectionClient, path: str, params: Any, key: str | None) -> httpx2.Request:
    request = sc.client.build_request("GET", sc.url_for(path, params, key))
    if key:  # what EdgeGridAuth does when signing: nothing, the key is already there
        request.url = with_account_switch_key(request.url, key)
    return request


def _random_cases(seed: int, count: int) -> Iterable[tuple[str, Any, str | None]]:
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + " +|[]~%/?&=#:;,!$'()*@é中\"<>{}^`\\"

    def text(n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, n)))

    def value() -> Any:
        return rng.choice(
            [None, rng.randint(-5, 10**6), True, False, 2.5, [text(5) for _ in range(2)], text(12)]
        )

    for _ in range(count):
        path = "/x" + "/".join(text(6).replace("?", "").replace("#", "") for _ in range(3))
        params = (
            None
            if rng.random() < 0.2
            else {text(6) or "k": value() for _ in range(rng.randint(0, 4))}
        )
        key = rng.choice([None, "1-5C0YLB:1-8BYUX", text(10) or None])
        yield path, params, key


@pytest.mark.parametrize("key", [None, "1-5C0YLB:1-8BYUX", "a b+c/d"])
@pytest.mark.parametrize(("path", "params"), TRICKY)
def test_the_url_is_encoded_as_httpx2_encodes_params(
    section_client: SectionClient, path: str, params: Any, key: str | None
) -> None:
    old = _old_way(section_client, path, params, key)
    new = _new_way(section_client, path, params, key)
    assert str(new.url) == str(old.url)
    assert new.url.raw_path == old.url.raw_path


def test_urls_match_httpx2_on_random_paths_params_and_keys(
    section_client: SectionClient,
) -> None:
    for path, params, key in _random_cases(seed=7, count=1500):
        try:
            old: Any = str(_old_way(section_client, path, params, key).url)
        except httpx2.InvalidURL:
            old = httpx2.InvalidURL
        try:
            new: Any = str(_new_way(section_client, path, params, key).url)
        except httpx2.InvalidURL:
            new = httpx2.InvalidURL
        assert new == old, (path, params, key)


def test_a_query_in_the_path_is_kept_and_a_fragment_dropped(section_client: SectionClient):
    base = "https://akab-host.luna.akamaiapis.net"
    assert section_client.url_for("/a?x=1", {"y": "2 3"}) == f"{base}/a?x=1&y=2+3"
    assert section_client.url_for("/a?x=1", {}) == f"{base}/a?x=1"
    assert section_client.url_for("/a#frag", {"y": "1"}) == f"{base}/a?y=1"
    assert section_client.url_for("//a/b", None) == f"{base}//a/b"
    # An accountSwitchKey already among the params is not added twice.
    url = section_client.url_for("/a", {"accountSwitchKey": "K1"}, "K2")
    assert url == f"{base}/a?accountSwitchKey=K1"


async def test_tricky_params_and_account_key_reach_the_server_signed(
    server: TransportServer,
) -> None:
    params = {"q": "a b+c|d[0]~é/?&=#", "empty": "", "list": ["1", "2"], "flag": True}
    creds = server.credentials(account_key="1-ABC:1-DEF")
    async with Transport([creds], NO_LIMITS) as t:
        await t.request("t", "GET", "/tricky/section-key", params=params)
        await t.request(
            "t", "GET", "/tricky/call-key", params=params, account_switch_key="9-X Y:1+2"
        )
        await t.request("t", "GET", "/tricky/no-params")
    by_path = {s.path: s for s in server.seen("/tricky/")}
    assert all(s.signature_ok for s in by_path.values())
    expected = {"q": ["a b+c|d[0]~é/?&=#"], "list": ["1", "2"], "flag": ["true"]}
    assert by_path["/tricky/section-key"].query == {**expected, "accountSwitchKey": ["1-ABC:1-DEF"]}
    assert by_path["/tricky/call-key"].query == {**expected, "accountSwitchKey": ["9-X Y:1+2"]}
    assert by_path["/tricky/no-params"].query == {"accountSwitchKey": ["1-ABC:1-DEF"]}


async def test_the_sandbox_verifies_signatures_of_tricky_queries_and_switches_account(
    sandbox: Any, sandbox_credentials: Credentials
) -> None:
    from alecs.sandbox.seed import ACCOUNT_B, SWITCH_KEYS

    key = next(k for k, account in SWITCH_KEYS.items() if account == ACCOUNT_B)
    params = {"note": "a b+c|d[0]~é/?&=#%", "empty": "", "multi": ["x", "y z"]}
    async with Transport([sandbox_credentials], NO_LIMITS) as t:
        own = await t.request("sandbox", "GET", "/papi/v1/contracts", params=params)
        other = await t.request(
            "sandbox", "GET", "/papi/v1/contracts", params=params, account_switch_key=key
        )
    assert own.status_code == other.status_code == 200  # 401 if a signature did not verify
    assert other.json()["accountId"] != own.json()["accountId"]
    assert parse_qs(other.request.url.query.decode())["accountSwitchKey"] == [key]


# --------------------------------------------------------------------------- HTTP/1.1 bursts


async def test_http1_bursts_up_to_max_keepalive_reuse_their_connections(
    server: TransportServer,
) -> None:
    assert TransportSettings().max_keepalive == 10  # the documented default
    settings = NO_LIMITS.replace(force_http1=True, max_keepalive=NO_LIMITS.max_connections)
    size = settings.max_connections
    async with Transport([server.credentials()], settings) as t:
        for burst in range(3):
            path = f"/h1burst/{burst}"
            server.hold(path)  # every request of the burst in flight at once
            calls = asyncio.gather(
                *(t.request("t", "GET", path, params={"i": i}) for i in range(size))
            )
            assert await asyncio.to_thread(server.wait_for, lambda p=path: server.count(p) == size)
            server.release(path)
            responses = await calls
            assert {r.status_code for r in responses} == {200}
        health = t.health().host("t")
    ports = {s.client_port for s in server.seen("/h1burst/")}
    assert len(ports) == size, "the second and third bursts reused the first burst's connections"
    assert health.connections_opened == size
    assert health.pool.idle == size

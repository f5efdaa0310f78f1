"""Pooling, HTTP/2 multiplexing, HTTP/1.1 keep-alive, compression, TLS, warm-up and probe,
against a real local HTTPS server (hypercorn + trustme) that counts connections server-side."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from transport_server import Reply, TransportServer, running_server

from alecs.config import Credentials
from alecs.transport import Transport, TransportError, TransportSettings
from alecs.transport.pool import proxy_for

NO_LIMITS = TransportSettings(rate_limiting=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransportServer]:
    yield from running_server(tmp_path_factory.mktemp("transport-pool"))


async def test_100_concurrent_gets_use_exactly_one_http2_connection(server: TransportServer):
    async with Transport([server.credentials()], NO_LIMITS) as t:
        responses = await asyncio.gather(
            *(t.request("t", "GET", f"/h2/item/{i}") for i in range(100))
        )
        health = t.health().host("t")
    assert [r.status_code for r in responses] == [200] * 100
    assert {r.http_version for r in responses} == {"HTTP/2"}
    seen = server.seen("/h2/item/")
    assert len(seen) == 100
    assert len({s.client_port for s in seen}) == 1, "all 100 requests on one TCP connection"
    assert {s.http_version for s in seen} == {"2"}
    assert all(s.signature_ok for s in seen)
    assert health.connections_opened == 1
    assert health.http_versions == {"HTTP/2": 100}


async def test_200_sequential_gets_with_http1_forced_use_one_connection(server: TransportServer):
    settings = NO_LIMITS.replace(force_http1=True)
    async with Transport([server.credentials()], settings) as t:
        for i in range(200):
            response = await t.request("t", "GET", f"/h1/item/{i}")
            assert response.http_version == "HTTP/1.1"
        health = t.health().host("t")
    seen = server.seen("/h1/item/")
    assert len(seen) == 200
    assert len({s.client_port for s in seen}) == 1, "keep-alive: one connection for 200 requests"
    assert {s.http_version for s in seen} == {"1.1"}
    assert health.connections_opened == 1
    assert health.reuse_ratio is not None and health.reuse_ratio > 0.99


@pytest.mark.parametrize("encoding", ["br", "gzip"])
async def test_compressed_responses_decode_and_move_the_compression_ratio(
    server: TransportServer, encoding: str
):
    payload = {"items": [{"propertyName": f"www.example{i}.com", "n": i} for i in range(400)]}
    server.script(f"/z/{encoding}", [], default=Reply(json=payload, encoding=encoding))
    async with Transport([server.credentials()], NO_LIMITS) as t:
        response = await t.request("t", "GET", f"/z/{encoding}")
        health = t.health().host("t")
    assert response.json() == payload
    assert response.headers["content-encoding"] == encoding
    accept = server.seen(f"/z/{encoding}")[-1].headers["accept-encoding"]
    assert "br" in accept and "gzip" in accept
    assert health.bytes_decoded == len(response.content)
    assert health.bytes_on_wire < health.bytes_decoded
    assert health.compression_ratio is not None and health.compression_ratio > 3


async def test_tls_verification_is_on(server: TransportServer):
    untrusted = Credentials(
        section="t",
        host=server.host,
        client_token="akab-x",
        client_secret="not-a-real-secret",
        access_token="akab-y",
    )
    before = server.count("/tls")
    async with Transport([untrusted], NO_LIMITS) as t:
        with pytest.raises(TransportError) as info:
            await t.request("t", "GET", "/tls")
    assert info.value.kind == "tls"
    assert info.value.attempts == 1, "a certificate failure is not retried"
    assert server.count("/tls") == before


async def test_redirects_are_not_followed(server: TransportServer):
    server.script("/moved", [], default=Reply(status=302, headers={"location": "/elsewhere"}))
    async with Transport([server.credentials()], NO_LIMITS) as t:
        response = await t.request("t", "GET", "/moved")
    assert response.status_code == 302
    assert server.count("/elsewhere") == 0


async def test_warm_up_sends_no_request_and_the_first_call_reuses_its_connection(
    server: TransportServer,
):
    before = server.count("/")
    async with Transport([server.credentials()], NO_LIMITS) as t:
        await t.warm_up()
        opened = t.health().host("t").connections_opened
        requests_after_warm_up = server.count("/") - before
        pool = t._section("t").client.pool
        warm = pool.connections
        assert len(warm) == 1 and "HTTP/2" in warm[0].info(), "TLS with ALPN h2, preface sent"
        await t.request("t", "GET", "/after-warm-up")
        health = t.health().host("t")
        after = pool.connections
    assert requests_after_warm_up == 0, "warm-up sends no HTTP request at all"
    assert opened == 1
    assert health.connections_opened == 1, "the first call found the warm connection"
    assert after == warm and "Request Count: 1" in after[0].info()
    assert health.requests == 1


async def test_warm_up_of_a_warm_pool_opens_nothing(server: TransportServer):
    async with Transport([server.credentials()], NO_LIMITS) as t:
        await t.request("t", "GET", "/warm/first")
        await t.warm_up()
        await t.warm_up()
        assert t.health().host("t").connections_opened == 1


async def test_warm_up_over_forced_http1_leaves_a_reusable_connection(server: TransportServer):
    before = server.count("/")
    async with Transport([server.credentials()], NO_LIMITS.replace(force_http1=True)) as t:
        await t.warm_up()
        requests_after_warm_up = server.count("/") - before
        await t.request("t", "GET", "/warm/h1")
        health = t.health().host("t")
    assert requests_after_warm_up == 0
    assert health.connections_opened == 1
    assert health.http_versions == {"HTTP/1.1": 1}


async def test_warm_up_failures_are_only_logged(caplog: pytest.LogCaptureFixture):
    async def refuse(host: str, port: int) -> list[str]:
        raise OSError("name does not resolve")

    creds = Credentials("x", "dead.test:9", "akab-a", "not-a-real-secret", "akab-b")
    async with Transport([creds], NO_LIMITS, resolver=refuse) as t:
        with caplog.at_level(logging.WARNING, logger="alecs.transport"):
            await t.warm_up()
    assert "warm-up of section x (dead.test:9) failed" in caplog.text


async def test_probe_measures_each_phase_of_a_fresh_connection(server: TransportServer):
    async with Transport([server.credentials()], NO_LIMITS) as t:
        result = await t.probe("t")
    assert result.error is None
    assert result.http_version == "HTTP/2"
    assert result.status == 200
    for value in (result.dns_ms, result.connect_ms, result.tls_ms, result.ttfb_ms):
        assert value is not None and value >= 0
    assert result.address == "127.0.0.1"


async def test_probe_reports_errors_instead_of_raising():
    async def refuse(host: str, port: int) -> list[str]:
        raise OSError("name does not resolve")

    creds = Credentials("x", "dead.test:9", "akab-a", "not-a-real-secret", "akab-b")
    async with Transport([creds], NO_LIMITS, resolver=refuse) as t:
        result = await t.probe("x")
    assert result.error is not None and result.error.startswith("dns failed")


def test_proxy_from_environment_honours_no_proxy():
    env = {"HTTPS_PROXY": "http://user:pw@proxy.local:3128", "NO_PROXY": "internal.test"}
    assert proxy_for("akab-x.luna.akamaiapis.net", env) == "http://user:pw@proxy.local:3128"
    assert proxy_for("internal.test:8443", env) is None
    assert proxy_for("akab-x.luna.akamaiapis.net", {}) is None


async def test_requests_go_through_an_https_proxy_when_configured(
    server: TransportServer, tmp_path: Path
):
    proxy = _ConnectProxy()
    await proxy.start()
    try:
        env = {"HTTPS_PROXY": f"http://127.0.0.1:{proxy.port}"}
        async with Transport([server.credentials()], NO_LIMITS, env=env) as t:
            response = await t.request("t", "GET", "/via-proxy")
            health = t.health().host("t")
    finally:
        await proxy.stop()
    assert response.status_code == 200
    assert proxy.tunnels == [server.host]
    assert health.proxy == f"http://127.0.0.1:{proxy.port}"


async def test_a_proxy_that_cannot_be_reached_is_named_without_its_credentials(
    server: TransportServer,
):
    env = {"HTTPS_PROXY": "http://user:pw@127.0.0.1:9"}
    settings = NO_LIMITS.replace(retry=NO_LIMITS.retry.replace(attempts=1))
    async with Transport([server.credentials()], settings, env=env) as t:
        with pytest.raises(TransportError) as info:
            await t.request("t", "GET", "/via-dead-proxy")
    message = str(info.value)
    assert "through proxy http://127.0.0.1:9" in message
    assert "user:pw" not in message


class _ConnectProxy:
    """A minimal HTTP CONNECT proxy (asyncio), recording the tunnels it opened."""

    def __init__(self) -> None:
        self.tunnels: list[str] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        target = head.split(b" ")[1].decode()
        self.tunnels.append(target)
        host, port = target.rsplit(":", 1)
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                dst.close()

        for coro in (pipe(reader, up_writer), pipe(up_reader, writer)):
            task = asyncio.ensure_future(coro)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)


async def test_request_bodies_are_compressed_only_for_declared_paths(server: TransportServer):
    import gzip
    import json

    body = {"objects": [f"https://www.example.com/page/{i}" for i in range(200)]}
    settings = NO_LIMITS.replace(compress_request_paths=("/gz-ok/",), compress_min_bytes=256)
    async with Transport([server.credentials()], settings) as t:
        await t.request("t", "POST", "/gz-ok/purge", json=body)
        await t.request("t", "POST", "/plain/purge", json=body)
        await t.request("t", "POST", "/gz-ok/small", json={"a": 1})
    compressed = server.seen("/gz-ok/purge")[-1]
    assert compressed.headers["content-encoding"] == "gzip"
    assert json.loads(gzip.decompress(compressed.body)) == body
    assert compressed.signature_ok, "the signature covers the bytes actually sent"
    plain = server.seen("/plain/purge")[-1]
    assert "content-encoding" not in plain.headers and json.loads(plain.body) == body
    assert "content-encoding" not in server.seen("/gz-ok/small")[-1].headers

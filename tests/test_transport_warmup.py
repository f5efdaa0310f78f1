"""Warm-up against the sandbox (which counts every request it receives, signed or not): no HTTP
request reaches the API host, and the first real call reuses the warmed connection."""

from __future__ import annotations

import inspect
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpcore2
import httpcore2._synchronization

from alecs.transport import Transport, TransportSettings

NO_LIMITS = TransportSettings(rate_limiting=False, trust_env=False)


async def test_warm_up_reaches_the_sandbox_without_a_single_request(
    fresh_sandbox: Any, sandbox_credentials: Any, sandbox_credentials_b: Any
) -> None:
    async with Transport([sandbox_credentials, sandbox_credentials_b], NO_LIMITS) as t:
        await t.warm_up()
        counters = fresh_sandbox.admin.counters()
        assert counters["total"] == 0, "warm-up sends no HTTP request (signed or unsigned)"
        assert counters["status"].get("401", 0) == 0
        opened = {s: t.health().host(s).connections_opened for s in t.sections}
        assert opened == {"sandbox": 1, "sandbox-b": 1}
        await t.request("sandbox", "GET", "/papi/v1/contracts")
        await t.request("sandbox-b", "GET", "/papi/v1/contracts")
        health = {s: t.health().host(s) for s in t.sections}
    counters = fresh_sandbox.admin.counters()
    assert counters["total"] == 2 and counters["status"] == {"200": 2}
    assert counters["connections_total"] == 2, "one connection per section, both warmed"
    assert {v["requests"] for v in counters["connections"].values()} == {1}
    assert all(h.connections_opened == 1 for h in health.values())
    assert all(h.http_versions == {"HTTP/2": 1} for h in health.values())


# --------------------------------------------------------------------------- private details
# Warm-up opens a pooled connection without a request, which reaches past httpcore2's public
# API (alecs.transport.pool: CountingPool.warm, PooledConnection.warm, Http2Connection.
# send_preface). These pins fail with the detail that moved when httpcore2 changes.


def _pin(condition: bool, what: str, user: str) -> None:
    assert condition, (
        f"httpcore2 {version('httpcore2')}: {what}. {user} relies on it: adapt it to this "
        "release, or keep httpcore2 below it in pyproject.toml until it is adapted."
    )


def test_private_pool_details_warm_up_relies_on() -> None:
    pool = httpcore2.AsyncConnectionPool(http2=True)
    for name in ("_connections", "_optional_thread_lock"):
        _pin(
            name in vars(pool),
            f"AsyncConnectionPool no longer sets self.{name}",
            "alecs.transport.pool.CountingPool.warm",
        )
    connection = httpcore2.AsyncHTTPConnection(httpcore2.Origin(b"https", b"a.test", 443))
    for name in ("_connection", "_connect_failed", "_request_lock", "_origin"):
        _pin(
            name in vars(connection),
            f"AsyncHTTPConnection no longer sets self.{name}",
            "alecs.transport.pool.PooledConnection.warm",
        )
    _pin(
        list(inspect.signature(httpcore2.AsyncHTTPConnection._connect).parameters)
        == ["self", "request"],
        "AsyncHTTPConnection._connect(request) changed",
        "alecs.transport.pool.PooledConnection._establish",
    )


def test_private_http2_details_send_preface_relies_on() -> None:
    source = inspect.getsource(httpcore2.AsyncHTTP2Connection.handle_async_request)
    for needle in (
        "async with self._init_lock:",
        "if not self._sent_connection_init:",
        "await self._send_connection_init(",
        "self._sent_connection_init = True",
        "self._max_streams = 1",
        "self._max_streams_deficit = 0",
        "self._max_streams_semaphore = AsyncSemaphore(local_settings_max_streams)",
        "await self._max_streams_semaphore.acquire()",
    ):
        _pin(
            needle in source,
            f"AsyncHTTP2Connection.handle_async_request no longer does `{needle}` when it "
            "sends the connection preface",
            "alecs.transport.pool.Http2Connection.send_preface (which does the same)",
        )
    _pin(
        list(inspect.signature(httpcore2.AsyncHTTP2Connection._send_connection_init).parameters)
        == ["self", "request"],
        "AsyncHTTP2Connection._send_connection_init(request) changed",
        "alecs.transport.pool.Http2Connection.send_preface",
    )
    _pin(
        hasattr(httpcore2._synchronization, "AsyncSemaphore"),
        "httpcore2._synchronization.AsyncSemaphore is gone",
        "alecs.transport.pool.Http2Connection.send_preface",
    )


def test_private_http11_details_warm_up_relies_on() -> None:
    from httpcore2._async.http11 import HTTPConnectionState

    # httpcore2 re-labels `__module__`, so read the defining file through a method.
    path = inspect.getsourcefile(httpcore2.AsyncHTTP11Connection.handle_async_request)
    assert path is not None
    source = Path(path).read_text()
    for needle in (
        "self._state = HTTPConnectionState.NEW",
        "self._expire_at",
        "return self._state == HTTPConnectionState.IDLE",
    ):
        _pin(
            needle in source,
            f"AsyncHTTP11Connection no longer has `{needle}`",
            "alecs.transport.pool.PooledConnection.warm (marks a fresh connection IDLE)",
        )
    _pin(
        {"NEW", "IDLE"} <= set(HTTPConnectionState.__members__),
        "HTTPConnectionState lost NEW or IDLE",
        "alecs.transport.pool.PooledConnection.warm",
    )

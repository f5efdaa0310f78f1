"""The DNS cache under the connection pool: real connections to a local HTTPS server whose
name (`api.test`) only a counting resolver knows; time is driven by a `ManualClock`."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import httpcore2
import pytest
from transport_server import TransportServer, running_server

from alecs.transport import ManualClock, RetryPolicy, Transport, TransportError, TransportSettings
from alecs.transport.dns import (
    HAPPY_EYEBALLS_DELAY,
    CachingBackend,
    DnsCache,
    interleave_families,
)
from alecs.transport.netstream import AsyncioBackend

NO_LIMITS = TransportSettings(rate_limiting=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransportServer]:
    yield from running_server(tmp_path_factory.mktemp("transport-dns"))


class CountingResolver:
    """Answers from a script of address lists (the last one repeats) and counts the calls."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.calls = 0

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls += 1
        if host != "api.test":
            raise OSError(f"unknown host {host}")
        answer = self.answers[min(self.calls, len(self.answers)) - 1]
        if not answer:
            raise OSError("lookup failed")
        return answer


async def test_1000_requests_resolve_the_name_once(server: TransportServer):
    resolver = CountingResolver(["127.0.0.1"])
    settings = NO_LIMITS.replace(force_http1=True, max_connections=8)
    creds = server.credentials(host=f"api.test:{server.port}")
    async with Transport([creds], settings, resolver=resolver) as t:
        for start in range(0, 1000, 50):
            batch = [t.request("t", "GET", f"/dns/once/{i}") for i in range(start, start + 50)]
            await asyncio.gather(*batch)
        health = t.health()
    assert server.count("/dns/once/") == 1000
    assert resolver.calls == 1
    opened = health.host("t").connections_opened
    assert opened > 1, "several HTTP/1.1 connections were opened"
    assert health.dns.misses == 1
    assert health.dns.hits == opened - 1, "every further connection used the cached address"
    assert all(s.headers["host"] == f"api.test:{server.port}" for s in server.seen("/dns/once/"))


async def test_the_name_is_resolved_again_after_the_ttl(server: TransportServer):
    clock = ManualClock()
    resolver = CountingResolver(["127.0.0.1"])
    settings = NO_LIMITS.replace(force_http1=True, dns_ttl=300)
    creds = server.credentials(host=f"api.test:{server.port}")
    async with Transport([creds], settings, clock=clock, resolver=resolver) as t:
        await t.request("t", "GET", "/dns/ttl/first")
        assert resolver.calls == 1
        # Two concurrent calls: one reuses the idle connection, one opens a new connection
        # (a connect, so a DNS lookup): within the TTL it comes from the cache.
        clock.advance(200)
        await asyncio.gather(*(t.request("t", "GET", f"/dns/ttl/a{i}") for i in range(2)))
        assert t.health().host("t").connections_opened == 2
        assert resolver.calls == 1
        clock.advance(101)  # 301 s after the lookup: expired
        await asyncio.gather(*(t.request("t", "GET", f"/dns/ttl/b{i}") for i in range(3)))
        assert t.health().host("t").connections_opened == 3
        assert resolver.calls == 2
        assert t.health().dns.misses == 2


async def test_a_failing_cached_address_is_evicted_and_the_name_resolved_again(
    server: TransportServer,
):
    # The cache holds 127.0.0.2 (nothing listens there: connection refused); the next
    # lookup answers 127.0.0.1, where the server is.
    resolver = CountingResolver(["127.0.0.2"], ["127.0.0.1"])
    creds = server.credentials(host=f"api.test:{server.port}")
    async with Transport([creds], NO_LIMITS, resolver=resolver) as t:
        await t.dns_cache.resolve("api.test", server.port)
        assert t.dns_cache.cached("api.test") == ["127.0.0.2"]
        response = await t.request("t", "GET", "/dns/evict")
        health = t.health()
    assert response.status_code == 200
    assert response.extensions["alecs.attempts"] == 1, "recovered inside one attempt"
    assert resolver.calls == 2
    assert health.dns.evictions == 1
    assert server.count("/dns/evict") == 1


async def test_failed_lookups_are_cached_for_at_most_five_seconds(server: TransportServer):
    clock = ManualClock()
    resolver = CountingResolver([])  # always fails
    settings = NO_LIMITS.replace(retry=RetryPolicy(attempts=1), dns_negative_ttl=60)
    creds = server.credentials(host=f"api.test:{server.port}")
    async with Transport([creds], settings, clock=clock, resolver=resolver) as t:
        assert t.dns_cache.negative_ttl == 5.0
        for _ in range(3):
            with pytest.raises(TransportError) as info:
                await t.request("t", "GET", "/dns/negative")
            assert info.value.kind == "dns"
        assert resolver.calls == 1
        assert t.health().dns.negative_hits == 2
        clock.advance(5.1)
        with pytest.raises(TransportError):
            await t.request("t", "GET", "/dns/negative")
        assert resolver.calls == 2
    assert server.count("/dns/negative") == 0


async def test_concurrent_lookups_of_one_name_share_one_resolver_call():
    gate = asyncio.Event()
    calls = 0

    async def slow(host: str, port: int) -> list[str]:
        nonlocal calls
        calls += 1
        await gate.wait()
        return ["127.0.0.1"]

    cache = DnsCache(slow)
    tasks = [asyncio.ensure_future(cache.resolve("api.test")) for _ in range(10)]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*tasks)
    assert calls == 1
    assert all(addresses == ["127.0.0.1"] for addresses, _ in results)
    assert cache.misses == 1 and cache.hits == 9


# --------------------------------------------------------------------------- cancellation


async def test_a_cancelled_first_caller_never_fails_the_other_waiters():
    gate = asyncio.Event()
    calls = 0

    async def slow(host: str, port: int) -> list[str]:
        nonlocal calls
        calls += 1
        await gate.wait()
        return ["127.0.0.1"]

    cache = DnsCache(slow, clock=ManualClock())
    first = asyncio.ensure_future(cache.resolve("api.test"))
    await asyncio.sleep(0)
    waiters = [asyncio.ensure_future(cache.resolve("api.test")) for _ in range(5)]
    await asyncio.sleep(0)
    first.cancel()
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*waiters)
    assert [r for r, _ in results] == [["127.0.0.1"]] * 5
    assert calls == 1, "the lookup went on for the waiters: no second resolver call"
    assert cache.cached("api.test") == ["127.0.0.1"]
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_a_lookup_whose_callers_all_left_still_fills_the_cache():
    gate = asyncio.Event()

    async def slow(host: str, port: int) -> list[str]:
        await gate.wait()
        return ["127.0.0.1"]

    cache = DnsCache(slow, clock=ManualClock())
    only = asyncio.ensure_future(cache.resolve("api.test"))
    await asyncio.sleep(0)
    only.cancel()
    gate.set()
    for _ in range(3):
        await asyncio.sleep(0)
    assert cache.cached("api.test") == ["127.0.0.1"]
    assert await cache.resolve("api.test") == (["127.0.0.1"], True)


async def test_the_cache_is_bounded_and_expires_on_the_injected_clock():
    clock = ManualClock()

    async def answer(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    cache = DnsCache(answer, clock=clock, ttl=300, max_hosts=3)
    for name in ("a.test", "b.test", "c.test", "d.test"):
        await cache.resolve(name)
    assert cache.cached("a.test") is None, "least recently used name dropped beyond max_hosts"
    assert cache.cached("d.test") == ["127.0.0.1"]
    clock.advance(301)
    assert cache.cached("d.test") is None
    assert cache.stats()["cached_hosts"] == 0


# --------------------------------------------------------------------------- Happy Eyeballs


def _dead_port(host: str) -> int:
    """A port on `host` where nothing listens (bound, then closed): connections are refused."""
    sock = socket.socket()
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class RecordingBackend(httpcore2.AsyncNetworkBackend):
    """The real backend, except that addresses in `hang` never answer; records every attempt
    and whether it ended cancelled, failed or connected."""

    def __init__(
        self,
        hang: tuple[str, ...] = (),
        port_map: dict[str, int] | None = None,
        together: int = 0,
    ):
        self._real = AsyncioBackend()
        self.hang = hang
        self.port_map = port_map or {}
        self.together = together  # connected attempts return together once this many connected
        self._connected = 0
        self._all_connected = asyncio.Event()
        self.attempts: list[str] = []
        self.outcomes: dict[str, str] = {}
        self.streams: list[Any] = []

    async def connect_tcp(self, host: str, port: int, timeout: Any = None, **_: Any) -> Any:  # noqa: ASYNC109
        self.attempts.append(host)
        try:
            if host in self.hang:
                await asyncio.Event().wait()
            stream = await self._real.connect_tcp(
                host, self.port_map.get(host, port), timeout=timeout
            )
            if self.together:
                self.streams.append(stream)
                self._connected += 1
                if self._connected >= self.together:
                    self._all_connected.set()
                await self._all_connected.wait()
                return stream
        except asyncio.CancelledError:
            self.outcomes[host] = "cancelled"
            raise
        except Exception:
            self.outcomes[host] = "failed"
            raise
        self.outcomes[host] = "connected"
        self.streams.append(stream)
        return stream

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


async def test_a_dead_first_address_falls_through_to_the_live_one_in_one_attempt(
    server: TransportServer,
):
    # The resolver answers a dead address first (a closed port on 127.0.0.2) and then the live
    # one; the dead attempt is refused, which starts the next attempt at once.
    dead = _dead_port("127.0.0.2")
    clock = ManualClock()
    resolver = CountingResolver(["127.0.0.2", "127.0.0.1"])
    inner = RecordingBackend(port_map={"127.0.0.2": dead})
    cache = DnsCache(resolver, clock=clock)
    backend = CachingBackend(cache, inner)
    stream = await backend.connect_tcp("api.test", server.port, timeout=5)
    await stream.aclose()
    assert inner.attempts == ["127.0.0.2", "127.0.0.1"]
    assert inner.outcomes == {"127.0.0.2": "failed", "127.0.0.1": "connected"}
    assert clock.sleeps == [] or clock.sleeps == [HAPPY_EYEBALLS_DELAY]
    assert backend.connect_failures == 1 and backend.connects == 1
    assert cache.evictions == 0, "the name's answer was fine: nothing evicted"


async def test_a_silent_first_address_costs_one_stagger_delay_then_loses(
    server: TransportServer,
):
    clock = ManualClock()
    resolver = CountingResolver(["127.0.0.3", "127.0.0.1"])
    inner = RecordingBackend(hang=("127.0.0.3",))
    backend = CachingBackend(DnsCache(resolver, clock=clock), inner)
    stream = await backend.connect_tcp("api.test", server.port, timeout=5)
    await stream.aclose()
    assert clock.sleeps == [HAPPY_EYEBALLS_DELAY], "the second attempt started after 250 ms"
    assert inner.attempts == ["127.0.0.3", "127.0.0.1"]
    assert inner.outcomes == {"127.0.0.3": "cancelled", "127.0.0.1": "connected"}


async def test_losing_connections_are_closed(server: TransportServer):
    # Both attempts connect and complete in the same event-loop pass: one wins, the other's
    # connection is closed.
    clock = ManualClock()
    resolver = CountingResolver(["127.0.0.1", "127.0.0.1"])
    inner = RecordingBackend(together=2)
    backend = CachingBackend(DnsCache(resolver, clock=clock), inner, attempt_delay=0)
    winner = await backend.connect_tcp("api.test", server.port, timeout=5)
    for _ in range(3):
        await asyncio.sleep(0)
    assert len(inner.streams) == 2
    losers = [s for s in inner.streams if s is not winner]
    assert len(losers) == 1
    assert losers[0].get_extra_info("is_readable"), "the loser was closed"
    assert not winner.get_extra_info("is_readable")
    await winner.aclose()


async def test_through_the_transport_a_dead_first_address_never_fails_a_call(
    server: TransportServer,
):
    dead = _dead_port("127.0.0.2")
    resolver = CountingResolver(["127.0.0.2", "127.0.0.1"])
    creds = server.credentials(host=f"api.test:{server.port}")
    async with Transport([creds], NO_LIMITS, resolver=resolver) as t:
        t._backend._inner = RecordingBackend(port_map={"127.0.0.2": dead})
        response = await t.request("t", "GET", "/dns/happy")
        health = t.health()
    assert response.status_code == 200
    assert response.extensions["alecs.attempts"] == 1
    assert resolver.calls == 1
    assert health.dns.evictions == 0


def test_address_families_are_interleaved():
    mixed = ["2001:db8::1", "2001:db8::2", "192.0.2.1", "192.0.2.2", "2001:db8::3"]
    assert interleave_families(mixed) == [
        "2001:db8::1",
        "192.0.2.1",
        "2001:db8::2",
        "192.0.2.2",
        "2001:db8::3",
    ]
    assert interleave_families(["192.0.2.1", "2001:db8::1"]) == ["192.0.2.1", "2001:db8::1"]

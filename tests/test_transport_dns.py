"""The DNS cache under the connection pool: real connections to a local HTTPS server whose
name (`api.test`) only a counting resolver knows; time is driven by a `ManualClock`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from transport_server import TransportServer, running_server

from alecs.transport import ManualClock, RetryPolicy, Transport, TransportError, TransportSettings
from alecs.transport.dns import DnsCache

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

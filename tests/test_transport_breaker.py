"""The per-host circuit breaker against a real local HTTPS server; the reset timeout is driven
by a `ManualClock`, and "nothing was sent" is checked by the server's own request count."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from transport_server import Reply, TransportServer, running_server

from alecs.transport import (
    AkamaiApiError,
    CircuitOpenError,
    ManualClock,
    RetryPolicy,
    Transport,
    TransportSettings,
)
from alecs.transport.breaker import HostBreaker

ONE_ATTEMPT = TransportSettings(rate_limiting=False, retry=RetryPolicy(attempts=1))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransportServer]:
    yield from running_server(tmp_path_factory.mktemp("transport-breaker"))


async def test_breaker_opens_after_5_failures_probes_once_and_closes(server: TransportServer):
    clock = ManualClock()
    server.script("/b/", [], default=Reply(503))
    async with Transport([server.credentials()], ONE_ATTEMPT, clock=clock) as t:
        for i in range(5):
            with pytest.raises(AkamaiApiError):
                await t.request("t", "GET", f"/b/fail/{i}")
        assert t.health().host("t").breaker.state == "open"
        assert server.count("/b/") == 5

        # Open: fails at once, naming the host and the time to the next probe; nothing sent.
        clock.advance(10)
        with pytest.raises(CircuitOpenError) as info:
            await t.request("t", "GET", "/b/while-open")
        assert info.value.host == server.host
        assert info.value.retry_in == pytest.approx(20.0)
        assert f"circuit breaker open for {server.host}" in str(info.value)
        assert "next probe in 20.0s" in str(info.value)
        assert server.count("/b/") == 5

        # After the reset timeout: 20 concurrent callers, exactly one probe reaches the server.
        server.script("/b/", [], default=Reply(json={"ok": True}))
        clock.advance(21)
        results = await asyncio.gather(
            *(t.request("t", "GET", f"/b/probe/{i}") for i in range(20)), return_exceptions=True
        )
        succeeded = [r for r in results if not isinstance(r, BaseException)]
        refused = [r for r in results if isinstance(r, CircuitOpenError)]
        assert len(succeeded) == 1 and len(refused) == 19
        assert all(r.probe_in_flight for r in refused)
        assert server.count("/b/probe/") == 1
        assert server.count("/b/") == 6

        # The successful probe closed the breaker: traffic flows again.
        health = t.health().host("t")
        assert health.breaker.state == "closed"
        assert health.breaker.times_opened == 1
        await asyncio.gather(*(t.request("t", "GET", f"/b/after/{i}") for i in range(5)))
        assert server.count("/b/after/") == 5


async def test_a_failed_probe_opens_the_breaker_again(server: TransportServer):
    clock = ManualClock()
    server.script("/b2/", [], default=Reply(500))
    async with Transport([server.credentials()], ONE_ATTEMPT, clock=clock) as t:
        for i in range(5):
            with pytest.raises(AkamaiApiError):
                await t.request("t", "GET", f"/b2/{i}")
        clock.advance(30.5)
        with pytest.raises(AkamaiApiError):
            await t.request("t", "GET", "/b2/probe")
        with pytest.raises(CircuitOpenError) as info:
            await t.request("t", "GET", "/b2/after")
        assert info.value.retry_in == pytest.approx(30.0)
    assert server.count("/b2/") == 6


async def test_4xx_and_429_do_not_count_as_failures(server: TransportServer):
    clock = ManualClock()
    server.script("/b3/missing", [], default=Reply(404, json={"title": "Not found"}))
    server.script("/b3/busy", [], default=Reply(429, headers={"Retry-After": "1"}))
    async with Transport([server.credentials()], ONE_ATTEMPT, clock=clock) as t:
        for _ in range(12):
            with pytest.raises(AkamaiApiError):
                await t.request("t", "GET", "/b3/missing")
            with pytest.raises(AkamaiApiError):
                await t.request("t", "GET", "/b3/busy")
        breaker = t.health().host("t").breaker
    assert breaker.state == "closed" and breaker.consecutive_failures == 0
    assert server.count("/b3/") == 24


def test_a_cancelled_probe_leaves_the_breaker_half_open_for_the_next_caller():
    clock = ManualClock()
    breaker = HostBreaker("h", clock, fail_max=1, reset_timeout=5)
    permit = breaker.admit()
    breaker.record(permit, failed=True)
    assert breaker.state == "open"
    clock.advance(5)
    probe = breaker.admit()
    with pytest.raises(CircuitOpenError):
        breaker.admit()
    breaker.release(probe)  # cancelled before an outcome
    assert breaker.state == "half-open"
    second = breaker.admit()
    breaker.record(second, failed=False)
    assert breaker.state == "closed"


async def test_a_call_whose_own_failures_open_the_breaker_reports_its_real_error(
    server: TransportServer,
):
    clock = ManualClock()
    server.script("/b5/", [], default=Reply(503))
    settings = TransportSettings(rate_limiting=False, retry=RetryPolicy(attempts=4))
    async with Transport([server.credentials()], settings, clock=clock) as t:
        # 4 failures of one call (retried), then a second call whose first failure is the 5th:
        # the breaker opens inside that call, which must still report the 503 it received.
        with pytest.raises(AkamaiApiError):
            await t.request("t", "GET", "/b5/first")
        with pytest.raises(AkamaiApiError) as info:
            await t.request("t", "GET", "/b5/second")
        assert info.value.status == 503
        assert info.value.attempts == 1
        assert t.health().host("t").breaker.state == "open"
        assert server.count("/b5/second") == 1

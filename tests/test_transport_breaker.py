"""Circuit breakers per (host, API family) on the calls' final outcomes, against a real local
HTTPS server (and the sandbox for a real connection reset); the open interval is driven by a
`ManualClock`, and "nothing was sent" is checked by the server's own request count."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

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
from alecs.transport.breaker import PERMIT_NORMAL, PERMIT_PROBE, CircuitBreaker

ONE_ATTEMPT = TransportSettings(rate_limiting=False, retry=RetryPolicy(attempts=1))
RETRYING = TransportSettings(rate_limiting=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransportServer]:
    yield from running_server(tmp_path_factory.mktemp("transport-breaker"))


async def _fail_calls(t: Transport, path: str, n: int) -> None:
    for i in range(n):
        with pytest.raises(AkamaiApiError):
            await t.request("t", "GET", f"{path}{i}")


async def test_opens_at_half_failed_calls_of_the_window_then_probes_once_and_closes(
    server: TransportServer,
):
    clock = ManualClock()
    server.script("/b/", [], default=Reply(503))
    async with Transport([server.credentials()], ONE_ATTEMPT, clock=clock) as t:
        await _fail_calls(t, "/b/fail/", 9)
        assert t.health().host("t").breaker.state == "closed", "fewer than min_calls=10"
        await _fail_calls(t, "/b/fail/x", 1)
        breaker = t.health().host("t").breaker
        assert (breaker.state, breaker.family) == ("open", "b")
        assert server.count("/b/") == 10

        # Open: fails at once, naming the host, the API family and the time to the next probe.
        clock.advance(10)
        with pytest.raises(CircuitOpenError) as info:
            await t.request("t", "GET", "/b/while-open")
        assert info.value.host == server.host and info.value.family == "b"
        assert info.value.retry_in == pytest.approx(20.0)
        assert f"circuit breaker open for {server.host} (b API)" in str(info.value)
        assert "next probe in 20.0s" in str(info.value)
        assert server.count("/b/") == 10

        # After the open interval: 20 concurrent callers, exactly one probe goes out first; the
        # other 19 wait for its result (instead of failing) and then go ahead.
        server.script("/b/", [], default=Reply(json={"ok": True}))
        clock.advance(21)
        results = await asyncio.gather(
            *(t.request("t", "GET", f"/b/probe/{i}") for i in range(20)), return_exceptions=True
        )
        assert all(not isinstance(r, BaseException) for r in results), results
        assert server.count("/b/probe/") == 20
        health = t.health().host("t")
        assert health.breaker.state == "closed"
        assert (health.breaker.times_opened, health.breaker.probes) == (1, 1)


async def test_a_host_answering_only_503_gets_one_probe_per_open_interval(
    server: TransportServer,
):
    clock = ManualClock()
    server.script("/down/", [], default=Reply(503))
    async with Transport([server.credentials()], RETRYING, clock=clock) as t:
        # Calls retry (10 attempts each) until 10 of them have failed: the breaker opens.
        for i in range(10):
            with pytest.raises(AkamaiApiError):
                await t.request("t", "GET", f"/down/{i}")
        assert t.health().host("t").breaker.state == "open"
        before = server.count("/down/")
        for interval in range(5):
            # Many callers during the interval, then the interval ends: exactly one request.
            for _ in range(3):
                with pytest.raises(CircuitOpenError):
                    await t.request("t", "GET", "/down/open")
            clock.advance(30)
            results = await asyncio.gather(
                *(t.request("t", "GET", f"/down/p{interval}/{i}") for i in range(10)),
                return_exceptions=True,
            )
            probe_errors = [r for r in results if isinstance(r, AkamaiApiError)]
            refused = [r for r in results if isinstance(r, CircuitOpenError)]
            assert len(probe_errors) == 1 and len(refused) == 9, results
            assert probe_errors[0].status == 503 and probe_errors[0].attempts == 1
            assert server.count("/down/") == before + interval + 1, "one probe per interval"
        assert t.health().host("t").breaker.probes == 5


async def test_5_consecutive_503s_on_one_route_never_fail_calls_to_another_route(
    server: TransportServer,
):
    clock = ManualClock()
    server.script("/papi/v1/broken", [], default=Reply(503))
    server.script("/papi/v1/healthy", [], default=Reply(json={"ok": True}))
    server.script("/config-dns/v2/zones", [], default=Reply(json={"zones": []}))
    async with Transport([server.credentials()], ONE_ATTEMPT, clock=clock) as t:
        for _ in range(5):
            with pytest.raises(AkamaiApiError) as info:
                await t.request("t", "GET", "/papi/v1/broken")
            assert info.value.status == 503
        healthy = await asyncio.gather(
            *(t.request("t", "GET", "/papi/v1/healthy") for _ in range(20)),
            *(t.request("t", "GET", "/config-dns/v2/zones") for _ in range(20)),
        )
        health = t.health().host("t")
    assert all(r.status_code == 200 for r in healthy)
    assert {b.family: b.state for b in health.breakers} == {"papi": "closed", "dns": "closed"}


async def test_a_failing_family_does_not_open_the_breaker_of_another(server: TransportServer):
    clock = ManualClock()
    server.script("/cps/v2/", [], default=Reply(503))
    async with Transport([server.credentials()], ONE_ATTEMPT, clock=clock) as t:
        await _fail_calls(t, "/cps/v2/enrollments/", 10)
        with pytest.raises(CircuitOpenError):
            await t.request("t", "GET", "/cps/v2/enrollments")
        response = await t.request("t", "GET", "/papi/v1/groups")
        health = t.health().host("t")
    assert response.status_code == 200
    assert health.breaker.state == "open" and health.breaker.family == "cps"
    assert {b.family: b.state for b in health.breakers} == {"cps": "open", "papi": "closed"}


async def test_retried_transient_faults_never_open_the_breaker(server: TransportServer):
    # 30% of attempts fail; every call is retried to success: the window sees only successes.
    clock = ManualClock()
    replies = [Reply(503) if i % 10 in (1, 4, 7) else Reply(json={}) for i in range(200)]
    server.script("/flaky30/", replies, default=Reply(json={}))
    async with Transport([server.credentials()], RETRYING, clock=clock) as t:
        for i in range(100):
            await t.request("t", "GET", f"/flaky30/{i}")
        health = t.health().host("t")
    assert health.retries > 25
    assert health.breaker.state == "closed" and health.breaker.failures_in_window == 0


async def test_4xx_and_429_do_not_count_as_failures(server: TransportServer):
    clock = ManualClock()
    server.script("/b3/missing", [], default=Reply(404, json={"title": "Not found"}))
    server.script("/b3/busy", [], default=Reply(429, headers={"Retry-After": "1"}))
    no_429_retries = ONE_ATTEMPT.replace(retry=RetryPolicy(attempts=1, rate_limit_retries=0))
    async with Transport([server.credentials()], no_429_retries, clock=clock) as t:
        for _ in range(12):
            with pytest.raises(AkamaiApiError):
                await t.request("t", "GET", "/b3/missing")
            with pytest.raises(AkamaiApiError):
                await t.request("t", "GET", "/b3/busy")
        breaker = t.health().host("t").breaker
    assert breaker.state == "closed" and breaker.failures_in_window == 0
    assert breaker.calls_in_window == 20, "a window of the last 20 calls"
    assert server.count("/b3/") == 24


async def test_a_connection_reset_under_20_in_flight_streams_fails_none_of_them(
    fresh_sandbox: Any,
):
    # The sandbox holds 19 group-list calls for 400 ms; a contracts call, sent first on the
    # same HTTP/2 connection, resets the TCP connection after 200 ms: all 20 streams break at
    # once. Each is retried on a new connection; none fails, and the breaker stays closed.
    fresh_sandbox.admin.set_faults(
        {"pattern": "GET /papi/v1/contracts", "latency_ms": 200, "reset_rate": 1, "times": 1},
        {"pattern": "GET /papi/v1/groups", "latency_ms": 400},
    )
    clock = ManualClock()
    settings = TransportSettings(rate_limiting=False, single_flight=False)
    creds = fresh_sandbox.credentials("sandbox")
    async with Transport([creds], settings, clock=clock) as t:
        await t.request("sandbox", "GET", "/papi/v1/groups")  # one warm HTTP/2 connection
        first = asyncio.ensure_future(t.request("sandbox", "GET", "/papi/v1/contracts"))
        await asyncio.sleep(0.05)
        others = [t.request("sandbox", "GET", "/papi/v1/groups") for _ in range(19)]
        results = await asyncio.gather(first, *others, return_exceptions=True)
        health = t.health().host("sandbox")
    assert all(not isinstance(r, BaseException) for r in results), results
    assert all(r.status_code == 200 for r in results)
    assert health.connections_opened == 2, "one reset connection, then a new one"
    assert health.retries >= 2, "the reset broke several in-flight streams"
    assert health.breaker.state == "closed" and health.breaker.failures_in_window == 0


def test_a_cancelled_probe_leaves_the_breaker_half_open_for_the_next_caller():
    clock = ManualClock()
    breaker = CircuitBreaker("h", clock, window=2, min_calls=1, open_for=5)
    assert breaker.try_acquire() == PERMIT_NORMAL
    breaker.record(PERMIT_NORMAL, failed=True)
    assert breaker.state == "open"
    clock.advance(5)
    probe = breaker.try_acquire()
    assert probe == PERMIT_PROBE
    assert breaker.try_acquire() is None, "one probe at a time"
    breaker.release(probe)  # cancelled before an outcome
    assert breaker.state == "half-open"
    second = breaker.try_acquire()
    assert second == PERMIT_PROBE
    breaker.record(second, failed=False)
    assert breaker.state == "closed"


def test_one_failure_cause_counts_once():
    # The 20 streams of one reset HTTP/2 connection fail with the same exception object.
    clock = ManualClock()
    breaker = CircuitBreaker("h", clock, window=20, min_calls=10)
    reset = ConnectionResetError("connection reset")
    for _ in range(20):
        breaker.record(PERMIT_NORMAL, True, cause=reset)
    assert (breaker.state, breaker.failures) == ("closed", 1)
    for i in range(9):
        breaker.record(PERMIT_NORMAL, True, cause=ConnectionResetError(str(i)))
    assert breaker.state == "open", "10 distinct failures out of 10 calls"


async def test_callers_waiting_for_a_failed_probe_fail_fast_with_the_next_probe_time():
    clock = ManualClock()
    breaker = CircuitBreaker("h", clock, window=2, min_calls=1, open_for=30)
    breaker.record(PERMIT_NORMAL, failed=True)
    clock.advance(30)
    probe = await breaker.acquire(None)
    waiters = [asyncio.ensure_future(breaker.acquire(5.0)) for _ in range(3)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters), "they wait for the probe"
    breaker.record(probe, failed=True)
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(r, CircuitOpenError) and r.retry_in == 30.0 for r in results)
    assert breaker.probes == 1


async def test_a_waiter_gives_up_at_its_own_deadline():
    clock = ManualClock()
    breaker = CircuitBreaker("h", clock, window=2, min_calls=1, open_for=1)
    breaker.record(PERMIT_NORMAL, failed=True)
    clock.advance(1)
    probe = await breaker.acquire(None)
    with pytest.raises(CircuitOpenError) as info:
        await breaker.acquire(0.01)
    assert info.value.probe_in_flight
    breaker.record(probe, failed=False)
    assert await breaker.acquire(0.01) == PERMIT_NORMAL


async def test_reads_ride_out_30_percent_503s_and_5_percent_resets(fresh_sandbox: Any):
    # Issue 10's fault mix on every GET route: 30% injected 503s and 5% connection resets
    # (each reset breaks every stream in flight on the connection), 10 reads at a time.
    fresh_sandbox.admin.set_faults(
        {"pattern": "GET /papi/*", "error_rate": 0.3, "reset_rate": 0.05}, seed=10
    )
    clock = ManualClock()
    settings = TransportSettings(rate_limiting=False, single_flight=False)
    paths = ["/papi/v1/groups", "/papi/v1/contracts", "/papi/v1/properties/prp_600001"]
    params = {"contractId": "ctr_1-5SBXC1", "groupId": "grp_100002"}
    async with Transport([fresh_sandbox.credentials("sandbox")], settings, clock=clock) as t:
        sem = asyncio.Semaphore(10)

        async def read(i: int) -> Any:
            async with sem:
                return await t.request("sandbox", "GET", paths[i % 3], params=params)

        results = await asyncio.gather(*(read(i) for i in range(200)), return_exceptions=True)
        health = t.health().host("sandbox")
    failed = [r for r in results if isinstance(r, BaseException)]
    assert failed == [], (failed[:3], health.errors)
    counters = fresh_sandbox.admin.counters()["faults"]
    assert counters.get("error", 0) > 30 and counters.get("reset", 0) > 3, counters
    assert health.breaker.state == "closed" and health.breaker.failures_in_window == 0
    assert health.retry_budget_left > 0

"""Client-side rate limiting: token buckets per (section, account, API family), adapting to
`X-RateLimit-*`; against a real local HTTPS server that enforces the same bucket."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from transport_server import Reply, TransportServer, running_server

from alecs.transport import (
    AkamaiApiError,
    ManualClock,
    RateLimitedError,
    RateLimitSpec,
    RetryPolicy,
    Transport,
    TransportSettings,
)
from alecs.transport.ratelimit import (
    DEFAULT_RATE_LIMITS,
    BucketGroup,
    family_for_path,
    purge_objects,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransportServer]:
    yield from running_server(tmp_path_factory.mktemp("transport-ratelimit"))


def limited(spec: RateLimitSpec, safety: float = 1.0, **kw: object) -> TransportSettings:
    return TransportSettings(rate_limits={"rl": spec}, rate_limit_safety=safety, **kw)  # type: ignore[arg-type]


async def test_a_burst_beyond_the_bucket_waits_locally(server: TransportServer):
    clock = ManualClock()
    settings = limited(RateLimitSpec.simple(5, 1.0))
    async with Transport([server.credentials()], settings, clock=clock) as t:
        await asyncio.gather(*(t.request("t", "GET", f"/rl/burst/{i}") for i in range(10)))
        health = t.health()
    assert sorted(clock.sleeps) == [1.0, 2.0, 3.0, 4.0, 5.0], "the 6th..10th waited their turn"
    assert health.host("t").rate_limit_waits == 5
    assert health.host("t").rate_limit_wait_seconds == 15.0
    assert server.count("/rl/burst/") == 10
    [group] = [g for g in health.rate_limits if g.family == "rl"]
    assert group.waits == 5


async def test_a_server_enforcing_the_same_bucket_returns_no_429(server: TransportServer):
    # Real time here (the server's bucket runs on the real clock): about 1.3 s of waiting.
    # The client refills at 70% of the server's rate (`rate_limit_safety`): the margin absorbs
    # the scheduling jitter between client and server threads on a loaded 2-core machine.
    server.rate_limit("/rl/enforced/", capacity=3, per_second=10)
    settings = limited(RateLimitSpec.simple(3, 10.0), safety=0.7)
    before = server.too_many
    async with Transport([server.credentials()], settings) as t:
        await t.warm_up()
        responses = await asyncio.gather(
            *(t.request("t", "GET", f"/rl/enforced/{i}") for i in range(12))
        )
        health = t.health().host("t")
    assert [r.status_code for r in responses] == [200] * 12
    assert server.too_many == before, "zero 429s from the server"
    assert health.rate_limit_waits >= 9
    assert "http_4xx" not in health.errors


async def test_the_bucket_adapts_to_x_ratelimit_remaining(server: TransportServer):
    clock = ManualClock()
    server.script(
        "/rl/adapt", [Reply(json={}, headers={"X-RateLimit-Remaining": "0"})], default=Reply()
    )
    settings = limited(RateLimitSpec.simple(100, 2.0))
    async with Transport([server.credentials()], settings, clock=clock) as t:
        await t.request("t", "GET", "/rl/adapt")
        assert clock.sleeps == []
        await t.request("t", "GET", "/rl/adapt")
    assert clock.sleeps == [0.5], "the server said the bucket is empty: wait for one token"


async def test_a_429_pauses_the_bucket_for_other_calls(server: TransportServer):
    clock = ManualClock()
    server.script("/rl/paused", [Reply(429, headers={"Retry-After": "3"})], default=Reply())
    # No rate-limit retries, so that the 429 reaches the caller (by default it is waited out).
    no_429_retries = RetryPolicy(attempts=1, rate_limit_retries=0)
    settings = limited(RateLimitSpec.simple(100, 10.0), retry=no_429_retries)
    async with Transport([server.credentials()], settings, clock=clock) as t:
        with pytest.raises(AkamaiApiError) as info:
            await t.request("t", "GET", "/rl/paused")
        assert info.value.status == 429 and info.value.retry_after == 3.0
        await t.request("t", "GET", "/rl/paused")
    assert clock.sleeps == [3.0]


async def test_a_local_wait_longer_than_the_deadline_fails_without_sending(
    server: TransportServer,
):
    clock = ManualClock()
    settings = limited(RateLimitSpec.simple(1, 0.1))
    async with Transport([server.credentials()], settings, clock=clock) as t:
        await t.request("t", "GET", "/rl/deadline/1")
        with pytest.raises(RateLimitedError) as info:
            await t.request("t", "GET", "/rl/deadline/2", deadline=5)
        # The reservation was handed back: after 10 s the next call goes at once.
        clock.advance(10)
        await t.request("t", "GET", "/rl/deadline/3")
    assert info.value.wait_seconds == pytest.approx(10.0)
    assert "needs a local wait of 10.0s" in str(info.value)
    assert [s.path for s in server.seen("/rl/deadline/")] == ["/rl/deadline/1", "/rl/deadline/3"]
    assert clock.sleeps == []


async def test_buckets_are_per_account_and_family(server: TransportServer):
    clock = ManualClock()
    settings = limited(RateLimitSpec.simple(1, 1.0))
    async with Transport([server.credentials()], settings, clock=clock) as t:
        await t.request("t", "GET", "/rl/acct", account_switch_key="ACC-1")
        await t.request("t", "GET", "/rl/acct", account_switch_key="ACC-2")
        await t.request("t", "GET", "/other/acct", account_switch_key="ACC-1")
        assert clock.sleeps == [], "three different buckets"
        await t.request("t", "GET", "/rl/acct", account_switch_key="ACC-1")
    assert clock.sleeps == [1.0]
    keys = [s.query.get("accountSwitchKey") for s in server.seen("/rl/acct")]
    assert keys == [["ACC-1"], ["ACC-2"], ["ACC-1"]]


def test_documented_limits_and_families():
    assert family_for_path("/papi/v1/groups") == "papi"
    assert family_for_path("/ccu/v3/invalidate/url/production") == "ccu"
    assert family_for_path("/config-dns/v2/zones") == "dns"
    assert family_for_path("/network-list/v2/network-lists") == "netlists"
    assert family_for_path("/cps/v2/enrollments?contractId=1") == "cps"
    papi = DEFAULT_RATE_LIMITS["papi"].buckets[0]
    assert (papi.capacity, papi.per_second * 60) == (1000, 100)
    ccu = DEFAULT_RATE_LIMITS["ccu"]
    assert (ccu.buckets[0].capacity, ccu.buckets[0].per_second) == (100, 50.0)
    assert ccu.object_buckets["url"].capacity == 10_000


def test_fast_purge_objects_take_object_tokens():
    objects = purge_objects("/ccu/v3/invalidate/url/production", {"objects": ["a"] * 10_000})
    assert objects == ("url", 10_000)
    assert purge_objects("/papi/v1/groups", {"objects": []}) is None
    group = BucketGroup("ccu", DEFAULT_RATE_LIMITS["ccu"], 1.0, now=0.0)
    assert group.reserve(0.0, objects) == 0.0
    # The URL bucket is empty now: one more URL waits for one token at 12,000/min (200/s).
    assert group.reserve(0.0, ("url", 1)) == pytest.approx(1 / 200)
    assert group.reserve(0.0, ("tag", 1)) == 0.0


# -- pauses, learning from other clients, bounded groups ------------------------------------------


def test_after_a_pause_waiting_callers_are_released_at_the_refill_rate():
    group = BucketGroup("x", RateLimitSpec.simple(10, 2.0), 1.0, now=0.0)
    for _ in range(3):
        assert group.reserve(0.0) == 0.0
    group.pause(0.0, 5.0, "Akamai asked to wait 5.0s (Retry-After)")
    waits = [group.reserve(0.0) for _ in range(4)]
    assert waits == [5.0, 5.5, 6.0, 6.5], "one token at the end of the pause, then 2/s"
    # A caller that was asleep when the pause began re-reserves when it wakes.
    assert group.paused_since(1.0, pauses=0) and not group.paused_since(1.0, pauses=1)
    # An earlier end never shortens a pause.
    group.pause(1.0, 3.0)
    assert group.blocked_until == 5.0


def test_remaining_below_our_count_means_another_client_spent_the_bucket():
    group = BucketGroup("papi", DEFAULT_RATE_LIMITS["papi"], 1.0, now=0.0)
    assert group.reserve(0.0) == 0.0
    group.learn({"x-ratelimit-limit": "100", "x-ratelimit-remaining": "100"}, 0.0)
    for _ in range(100):
        assert group.reserve(0.0) == 0.0
    assert group.reserve(0.0) == pytest.approx(0.6), "the 101st waits for a token at 100/min"


def test_groups_are_bounded_least_recently_used_first():
    from alecs.transport.ratelimit import RateLimiter

    clock = ManualClock()
    limiter = RateLimiter(clock, max_groups=3)
    first = limiter.group("s", "ACC-0", "papi")
    for i in range(1, 3):
        limiter.group("s", f"ACC-{i}", "papi")
    assert limiter.group("s", "ACC-0", "papi") is first  # used again: most recent now
    limiter.group("s", "ACC-3", "papi")
    keys = set(limiter.groups())
    assert len(keys) == 3 and ("s", "ACC-1", "papi") not in keys
    assert ("s", "ACC-0", "papi") in keys


async def test_papi_bucket_90_percent_spent_by_another_client_learned_no_429_at_all(
    server: TransportServer,
):
    # Akamai's PAPI bucket (1,000, refilled at 100/min) has 100 tokens left: another API client
    # of the account spent the rest. The server's bucket runs on the test's clock.
    clock = ManualClock()
    server.rate_limit(
        "/papi/v1/", capacity=1000, per_second=100 / 60, tokens=100, clock=clock, limit=100
    )
    before = server.too_many
    try:
        async with Transport([server.credentials()], TransportSettings(), clock=clock) as t:
            await t.request("t", "GET", "/papi/v1/groups")  # learns X-RateLimit-Remaining: 99
            results = await asyncio.gather(
                *(t.request("t", "GET", f"/papi/v1/properties/prp_{i}") for i in range(150)),
                return_exceptions=True,
            )
            health = t.health().host("t")
    finally:
        server.rate_limit("/papi/v1/", capacity=1e9, per_second=1e9)
    assert all(not isinstance(r, BaseException) for r in results), [
        r for r in results if isinstance(r, BaseException)
    ][:3]
    assert server.too_many == before, "no 429 even on the wire: the bucket was learned"
    assert health.rate_limit_waits >= 51


async def test_papi_bucket_90_percent_spent_a_cold_burst_of_500_reads_gets_no_429(
    server: TransportServer,
):
    clock = ManualClock()
    server.rate_limit(
        "/papi/v1/", capacity=1000, per_second=100 / 60, tokens=100, clock=clock, limit=100
    )
    before = server.too_many
    # 400 reads need 4 minutes of refill: a patient caller (deadline and max_wait raised).
    settings = TransportSettings(retry=RetryPolicy(max_wait=600), deadline=900)
    try:
        async with Transport([server.credentials()], settings, clock=clock) as t:
            results = await asyncio.gather(
                *(t.request("t", "GET", f"/papi/v1/properties/prp_{i}") for i in range(500)),
                return_exceptions=True,
            )
            health = t.health().host("t")
    finally:
        server.rate_limit("/papi/v1/", capacity=1e9, per_second=1e9)
    delivered_429 = [r for r in results if isinstance(r, AkamaiApiError) and r.status == 429]
    assert delivered_429 == []
    assert all(not isinstance(r, BaseException) for r in results)
    refused = server.too_many - before
    assert refused <= 400, "only the first wave, sent before any response, met a 429"
    assert health.rate_limit_retries == refused
    assert health.retries == 0, "429s spend no retry budget"

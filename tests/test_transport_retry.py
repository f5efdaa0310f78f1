"""Retries against a real local HTTPS server: what is retried, how long we wait (recorded by an
injected `ManualClock`, never measured), fresh signatures per attempt, and the retry budget."""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import formatdate

import pytest
from transport_server import Reply, TransportServer, running_server

from alecs.transport import (
    AkamaiApiError,
    ManualClock,
    RateLimitedError,
    RetryPolicy,
    Transport,
    TransportError,
    TransportSettings,
)
from alecs.transport.retry import (
    Outcome,
    RetryBudget,
    RetryDecision,
    parse_ratelimit_next,
    parse_retry_after,
    server_wait_hint,
)

NO_LIMITS = TransportSettings(rate_limiting=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransportServer]:
    yield from running_server(tmp_path_factory.mktemp("transport-retry"))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


async def test_503_503_200_succeeds_on_attempt_3_with_three_fresh_signatures(
    server: TransportServer, clock: ManualClock
):
    server.script("/r/flaky", [Reply(503), Reply(503)], default=Reply(json={"done": True}))
    async with Transport([server.credentials()], NO_LIMITS, clock=clock) as t:
        response = await t.request("t", "GET", "/r/flaky")
        health = t.health().host("t")
    assert response.json() == {"done": True}
    assert response.extensions["alecs.attempts"] == 3
    seen = server.seen("/r/flaky")
    assert [s.status for s in seen] == [503, 503, 200]
    assert len({s.nonce for s in seen}) == 3, "every attempt signed with a fresh nonce"
    assert all(s.signature_ok for s in seen), "every attempt's signature verifies server-side"
    assert len(clock.sleeps) == 2
    assert 0 <= clock.sleeps[0] <= 0.5 and 0 <= clock.sleeps[1] <= 1.0, "full-jitter backoff"
    assert health.retries == 2
    assert health.errors == {"http_5xx": 2}


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_429_with_retry_after_waits_as_asked_for_any_method(
    server: TransportServer, clock: ManualClock, method: str
):
    path = f"/r/429-seconds-{method}"
    server.script(path, [Reply(429, headers={"Retry-After": "7"})], default=Reply(json={}))
    async with Transport([server.credentials()], NO_LIMITS, clock=clock) as t:
        response = await t.request("t", method, path, json={"x": 1} if method == "POST" else None)
    assert response.status_code == 200
    assert clock.sleeps == [7.0]
    assert server.count(path) == 2


@pytest.mark.parametrize("header", ["Akamai-RateLimit-Next", "X-RateLimit-Next"])
async def test_429_with_ratelimit_next_waits_relative_to_the_response_date(
    server: TransportServer, clock: ManualClock, header: str
):
    # The server's clock is far from ours: the wait must come from Next - Date, not from us.
    server_now = 1_800_000_000.0
    next_at = datetime.fromtimestamp(server_now + 4.5, UTC).isoformat().replace("+00:00", "Z")
    path = f"/r/429-next-{header}"
    server.script(
        path, [Reply(429, headers={header: next_at}, date=server_now)], default=Reply(json={})
    )
    async with Transport([server.credentials()], NO_LIMITS, clock=clock) as t:
        response = await t.request("t", "GET", path)
    assert response.status_code == 200
    assert clock.sleeps == [4.5]


async def test_retry_after_as_an_http_date(server: TransportServer, clock: ManualClock):
    server_now = 1_800_000_000.0
    retry_at = formatdate(server_now + 12, usegmt=True)
    server.script(
        "/r/429-date",
        [Reply(429, headers={"Retry-After": retry_at}, date=server_now)],
        default=Reply(json={}),
    )
    async with Transport([server.credentials()], NO_LIMITS, clock=clock) as t:
        await t.request("t", "GET", "/r/429-date")
    assert clock.sleeps == [12.0]


async def test_a_wait_longer_than_the_deadline_fails_at_once_saying_how_long(
    server: TransportServer, clock: ManualClock
):
    server.script("/r/429-long", [], default=Reply(429, headers={"Retry-After": "90"}))
    async with Transport([server.credentials()], NO_LIMITS, clock=clock) as t:
        with pytest.raises(RateLimitedError) as info:
            await t.request("t", "GET", "/r/429-long", deadline=30)
    assert info.value.wait_seconds == 90
    assert "asked to wait 90.0s (Retry-After)" in str(info.value)
    assert info.value.attempts == 1
    assert clock.sleeps == [], "no waiting at all"
    assert server.count("/r/429-long") == 1


async def test_post_is_not_retried_after_503_unless_marked_idempotent(
    server: TransportServer, clock: ManualClock
):
    server.script("/r/post", [Reply(503)], default=Reply(json={"purged": True}))
    async with Transport([server.credentials()], NO_LIMITS, clock=clock) as t:
        with pytest.raises(AkamaiApiError) as info:
            await t.request("t", "POST", "/r/post", json={"objects": ["a"]})
        assert info.value.status == 503
        assert info.value.attempts == 1
        assert server.count("/r/post") == 1

        server.script("/r/post", [Reply(503)], default=Reply(json={"purged": True}))
        response = await t.request("t", "POST", "/r/post", json={"objects": ["a"]}, idempotent=True)
    assert response.json() == {"purged": True}
    assert response.extensions["alecs.attempts"] == 2
    assert server.count("/r/post") == 3


async def test_post_is_retried_when_the_connection_never_reached_the_server(clock: ManualClock):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    from alecs.config import Credentials

    creds = Credentials("t", f"127.0.0.1:{closed_port}", "akab-a", "not-a-real-secret", "akab-b")
    async with Transport([creds], NO_LIMITS, clock=clock) as t:
        with pytest.raises(TransportError) as info:
            await t.request("t", "POST", "/r/never", json={"a": 1})
    assert info.value.kind == "connect"
    assert info.value.attempts == 10, "the default policy: 10 attempts (Terraform's scale)"
    assert len(clock.sleeps) == 9


async def test_400_is_never_retried_and_its_problem_json_is_parsed(
    server: TransportServer, clock: ManualClock
):
    problem = {
        "type": "https://problems.luna.akamaiapis.net/papi/v0/validation-error",
        "title": "Validation error",
        "detail": "The property name is not valid.",
        "instance": "/papi/v1/properties#abc123",
        "status": 400,
        "errors": [{"title": "Bad name", "detail": "propertyName must not contain spaces"}],
    }
    server.script(
        "/r/bad", [], default=Reply(400, json=problem, headers={"X-Trace-Id": "trace-42"})
    )
    async with Transport([server.credentials()], NO_LIMITS, clock=clock) as t:
        with pytest.raises(AkamaiApiError) as info:
            await t.request("t", "GET", "/r/bad", params={"contractId": "ctr_1"})
    error = info.value
    assert server.count("/r/bad") == 1
    assert clock.sleeps == []
    assert (error.status, error.attempts) == (400, 1)
    assert error.title == "Validation error"
    assert error.detail == "The property name is not valid."
    assert error.type == problem["type"]
    assert error.instance == problem["instance"]
    assert error.errors == problem["errors"]
    assert error.request_id == "trace-42"
    assert "propertyName must not contain spaces" in str(error)
    assert error.path == "/r/bad"


async def test_an_exhausted_retry_budget_fails_fast(server: TransportServer, clock: ManualClock):
    policy = RetryPolicy(budget_capacity=10, retry_cost=5)
    server.script("/r/down", [], default=Reply(503))
    async with Transport([server.credentials()], NO_LIMITS.replace(retry=policy), clock=clock) as t:
        with pytest.raises(AkamaiApiError) as first:
            await t.request("t", "GET", "/r/down")
        assert first.value.attempts == 3, "two retries paid for by the budget of 10"
        assert t.health().host("t").retry_budget_left == 0
        with pytest.raises(AkamaiApiError) as second:
            await t.request("t", "GET", "/r/down")
        health = t.health().host("t")
    assert second.value.attempts == 1, "no budget: no retry"
    assert server.count("/r/down") == 4
    assert health.errors["retry_budget_exhausted"] == 2


async def test_read_timeouts_are_retried_for_get_but_not_for_post(
    server: TransportServer, clock: ManualClock
):
    server.hold("/r/slow")
    try:
        settings = NO_LIMITS.replace(retry=RetryPolicy(attempts=2))
        async with Transport([server.credentials()], settings, clock=clock) as t:
            with pytest.raises(TransportError) as get_error:
                await t.request("t", "GET", "/r/slow", timeout=0.3)
            with pytest.raises(TransportError) as post_error:
                await t.request("t", "POST", "/r/slow", json={}, timeout=0.3)
    finally:
        server.release("/r/slow")
    assert (get_error.value.kind, get_error.value.attempts) == ("timeout", 2)
    assert (post_error.value.kind, post_error.value.attempts) == ("timeout", 1)


# -- the policy values and header parsing ------------------------------------------------------


def test_retry_policy_is_an_immutable_value():
    policy = RetryPolicy()
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.attempts = 9  # type: ignore[misc]
    changed = policy.replace(attempts=2)
    assert (policy.attempts, changed.attempts) == (10, 2)
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(attempts=0)


def test_backoff_is_full_jitter_capped():
    low = RetryPolicy(random=lambda: 0.0)
    high = RetryPolicy(random=lambda: 0.999999)
    assert [low.backoff(n) for n in (1, 2, 3)] == [0.0, 0.0, 0.0]
    assert [round(high.backoff(n), 3) for n in (1, 2, 3, 4, 5, 9)] == [0.5, 1, 2, 4, 8, 8]


def test_retry_budget_costs_and_refunds():
    budget = RetryBudget(capacity=12, cost=5, refund=1)
    assert budget.try_spend() and budget.try_spend()
    assert not budget.try_spend()
    budget.refund()
    budget.refund()
    budget.refund()
    assert budget.tokens == 5 and budget.try_spend()
    for _ in range(100):
        budget.refund()
    assert budget.tokens == 12


def test_wait_hint_parsing():
    now = 1_800_000_000.0
    assert parse_retry_after("3", now) == 3.0
    assert parse_retry_after(formatdate(now + 20, usegmt=True), now) == 20.0
    assert parse_retry_after("garbage", now) is None
    next_iso = datetime.fromtimestamp(now + 2.25, UTC).isoformat()
    assert parse_ratelimit_next(next_iso, now) == 2.25
    assert parse_ratelimit_next(datetime.fromtimestamp(now - 10, UTC).isoformat(), now) == 0.0
    headers = {"date": formatdate(now, usegmt=True), "akamai-ratelimit-next": next_iso}
    assert server_wait_hint(headers, now=0.0) == (2.25, "Akamai-RateLimit-Next")
    assert server_wait_hint({"retry-after": "1"}, now) == (1.0, "Retry-After")
    assert server_wait_hint({}, now) is None


def test_fast_purge_style_error_bodies_are_parsed():
    import httpx2

    from alecs.transport import api_error_from_response

    body = {
        "supportId": "edcp-NZbXzFpHBjcJeryhw6PVgG",
        "title": "Rate Limit exceeded",
        "httpStatus": 429,
        "describedBy": "https://techdocs.akamai.com/purge-cache/reference/api-errors",
        "detail": "",
    }
    response = httpx2.Response(
        429, json=body, headers={"Retry-After": "2"}, request=httpx2.Request("POST", "https://h/")
    )
    error = api_error_from_response(response, "POST", "/ccu/v3/invalidate/url/production?x=1", 2)
    assert error.request_id == "edcp-NZbXzFpHBjcJeryhw6PVgG"
    assert error.type == body["describedBy"]
    assert error.retry_after == 2.0
    assert error.path == "/ccu/v3/invalidate/url/production"
    assert "Akamai asked to retry after 2.0s" in str(error)
    assert error.to_dict()["attempts"] == 2


# -- every retry decision, as a pure RetryPolicy method (no network) ----------------------------

NOW = 1_800_000_000.0


def _policy(**kw: object) -> RetryPolicy:
    return RetryPolicy(random=lambda: 0.5, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("method", "outcome", "action", "ambiguous"),
    [
        # Reads: every transient failure is retried.
        ("GET", Outcome(status=503), "retry", False),
        ("GET", Outcome(status=500), "retry", False),
        ("GET", Outcome(error="timeout"), "retry", False),
        ("GET", Outcome(error="connection"), "retry", False),
        ("GET", Outcome(status=501), "done", False),
        ("GET", Outcome(status=404), "done", False),
        ("GET", Outcome(status=200), "done", False),
        ("GET", Outcome(error="tls_verify"), "give_up", False),
        # Writes: only when provably not processed.
        ("POST", Outcome(error="connect"), "retry", False),
        ("PUT", Outcome(error="dns"), "retry", False),
        ("PATCH", Outcome(error="refused_stream"), "retry", False),
        ("DELETE", Outcome(error="goaway"), "retry", False),
        ("POST", Outcome(status=429), "throttle", False),
        ("PUT", Outcome(status=503), "give_up", False),
        ("DELETE", Outcome(status=502), "give_up", False),
        ("PUT", Outcome(error="timeout"), "give_up", True),
        ("POST", Outcome(error="connection"), "give_up", True),
        ("DELETE", Outcome(error="timeout"), "give_up", True),
    ],
)
def test_decide_by_method_and_outcome(
    method: str, outcome: Outcome, action: str, ambiguous: bool
) -> None:
    decision = _policy().decide(attempt=1, outcome=outcome, method=method, now=NOW)
    assert (decision.action, decision.ambiguous) == (action, ambiguous)


def test_a_write_marked_idempotent_is_retried_after_a_5xx_or_a_timeout():
    policy = _policy()
    for outcome in (Outcome(status=503), Outcome(error="timeout")):
        decision = policy.decide(attempt=1, outcome=outcome, method="POST", idempotent=True)
        assert (decision.action, decision.ambiguous) == ("retry", False)


def test_attempts_bound_the_retries_and_backoff_is_full_jitter():
    policy = _policy()
    waits = [
        policy.decide(attempt=n, outcome=Outcome(status=503), method="GET").wait
        for n in range(1, 10)
    ]
    assert waits == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0, 4.0], "half of min(8, 0.5*2**n)"
    last = policy.decide(attempt=10, outcome=Outcome(status=503), method="GET")
    assert (last.action, last.reason) == ("give_up", "attempts")


def test_the_deadline_bounds_every_wait():
    policy = _policy()
    assert policy.decide(
        attempt=3, outcome=Outcome(status=503), method="GET", remaining=0.5
    ) == RetryDecision("give_up", 1.0, "backoff", "deadline")
    assert (
        policy.decide(attempt=3, outcome=Outcome(status=503), method="GET", remaining=1.5).action
        == "retry"
    )


def test_a_429_is_waited_out_as_akamai_asks_without_counting_as_an_attempt():
    policy = _policy()
    next_at = datetime.fromtimestamp(NOW + 2.75, UTC).isoformat()
    headers = {
        "date": formatdate(NOW, usegmt=True),
        "retry-after": "3",
        "akamai-ratelimit-next": next_at,
    }
    # Akamai-RateLimit-Next minus Date (2.75 s) beats the whole seconds of Retry-After (3).
    decision = policy.decide(
        attempt=10, outcome=Outcome(status=429, headers=headers), method="PUT", now=0.0
    )
    assert decision == RetryDecision("throttle", 2.75, "Akamai-RateLimit-Next")
    only_retry_after = {"retry-after": "3"}
    assert policy.decide(
        attempt=1, outcome=Outcome(status=429, headers=only_retry_after), method="GET", now=NOW
    ) == RetryDecision("throttle", 3.0, "Retry-After")
    # Without any hint: backoff (never zero), still a throttle.
    bare = policy.decide(attempt=1, outcome=Outcome(status=429), method="GET", throttles=2)
    assert bare.action == "throttle" and bare.source == "backoff" and bare.wait > 0


def test_a_429_wait_that_does_not_fit_gives_up_and_so_do_too_many_throttles():
    policy = _policy()
    headers = {"retry-after": "30"}
    late = policy.decide(
        attempt=1, outcome=Outcome(status=429, headers=headers), method="GET", remaining=10
    )
    assert (late.action, late.reason, late.wait) == ("give_up", "rate_limit_wait", 30.0)
    too_long = policy.decide(
        attempt=1, outcome=Outcome(status=429, headers={"retry-after": "61"}), method="GET"
    )
    assert too_long.reason == "rate_limit_wait", "max_wait=60"
    many = policy.decide(attempt=1, outcome=Outcome(status=429), method="GET", throttles=20)
    assert (many.action, many.reason) == ("give_up", "rate_limit_retries")


def test_the_burst_ip_block_is_a_rate_limit_with_akamais_wait():
    policy = _policy()
    body = b'{"title":"Bad request","detail":"WAF deny rule IPBLOCK-BURST4-54013"}'
    outcome = Outcome(status=400, body=body)
    assert outcome.is_ipblock and outcome.not_processed and not outcome.is_failure
    decision = policy.decide(attempt=1, outcome=outcome, method="POST", remaining=None)
    assert (decision.action, decision.source, decision.wait) == ("give_up", "IPBLOCK-BURST", 540.0)
    patient = policy.replace(max_wait=600).decide(attempt=1, outcome=outcome, method="GET")
    assert (patient.action, patient.wait) == ("throttle", 540.0)
    plain_400 = policy.decide(attempt=1, outcome=Outcome(status=400, body=b"{}"), method="GET")
    assert plain_400.action == "done"


def test_outcomes_that_are_failures_for_the_breaker():
    assert Outcome(status=503).is_failure and Outcome(error="timeout").is_failure
    assert not Outcome(status=429).is_failure and not Outcome(status=404).is_failure
    assert not Outcome(error="pool_timeout").is_failure


async def test_429s_are_waited_out_with_an_empty_retry_budget(
    server: TransportServer, clock: ManualClock
):
    # The budget guards against 5xx storms only: with no budget at all, 429s still wait.
    policy = RetryPolicy(budget_capacity=0)
    replies = [Reply(429, headers={"Retry-After": "2"}) for _ in range(5)]
    server.script("/r/429-no-budget", replies, default=Reply(json={"ok": True}))
    async with Transport([server.credentials()], NO_LIMITS.replace(retry=policy), clock=clock) as t:
        response = await t.request("t", "GET", "/r/429-no-budget")
        health = t.health().host("t")
    assert response.status_code == 200
    assert response.extensions["alecs.attempts"] == 6
    assert clock.sleeps == [2.0] * 5
    assert (health.rate_limit_retries, health.retries) == (5, 0)


async def test_the_retry_budget_is_per_api_family(server: TransportServer, clock: ManualClock):
    policy = RetryPolicy(budget_capacity=10, retry_cost=5, attempts=10)
    server.script("/storm/", [], default=Reply(503))
    server.script("/calm/x", [Reply(503)], default=Reply(json={}))
    async with Transport([server.credentials()], NO_LIMITS.replace(retry=policy), clock=clock) as t:
        with pytest.raises(AkamaiApiError) as storm:
            await t.request("t", "GET", "/storm/a")
        response = await t.request("t", "GET", "/calm/x")
    assert storm.value.attempts == 3, "the storm family spent its own budget"
    assert response.extensions["alecs.attempts"] == 2, "another family still retries"


async def test_the_ip_block_pauses_the_section_with_a_clear_message(
    server: TransportServer, clock: ManualClock
):
    body = {
        "type": "https://problems.luna.akamaiapis.net/-/pep-authn/request-error",
        "title": "Bad request",
        "detail": "WAF deny rule IPBLOCK-BURST4-54013",
    }
    server.script("/papi/v1/blocked", [Reply(400, json=body)], default=Reply(json={}))
    async with Transport([server.credentials()], TransportSettings(), clock=clock) as t:
        await t.request("t", "GET", "/config-dns/v2/zones")
        with pytest.raises(RateLimitedError) as info:
            await t.request("t", "GET", "/papi/v1/blocked")
        # Every API of the section waits now, without sending (sending prolongs the block),
        # including one that had no bucket yet.
        with pytest.raises(RateLimitedError) as later:
            await t.request("t", "GET", "/config-dns/v2/zones")
        with pytest.raises(RateLimitedError):
            await t.request("t", "GET", "/cps/v2/enrollments")
    assert info.value.wait_seconds == 540.0
    assert "IPBLOCK-BURST" in str(info.value) and "blocked requests from this client's IP" in str(
        info.value
    )
    assert "Retry after" in str(info.value)
    assert "IPBLOCK-BURST" in str(later.value)
    assert server.count("/papi/v1/blocked") == 1 and server.count("/config-dns/") == 1
    assert server.count("/cps/") == 0


def test_a_failure_shared_by_the_streams_of_one_connection_counts_once():
    policy = _policy()
    collateral = Outcome(error="connection", shared=True)
    decision = policy.decide(attempt=10, outcome=collateral, method="GET")
    assert (decision.action, decision.counts) == ("retry", False)
    assert policy.decide(attempt=10, outcome=collateral, method="GET", shared=10).reason == (
        "attempts"
    )
    own = policy.decide(attempt=3, outcome=Outcome(error="connection"), method="GET")
    assert (own.action, own.counts) == ("retry", True)
    # A write on a broken connection stays ambiguous, shared or not.
    write = policy.decide(attempt=1, outcome=collateral, method="PUT")
    assert (write.action, write.ambiguous) == ("give_up", True)

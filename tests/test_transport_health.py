"""Single-flight, deadlines, argument errors, log hygiene at DEBUG, and the acceptance check on
`NetworkHealth` after real traffic to a local HTTPS server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from transport_server import (
    ACCESS_TOKEN,
    CLIENT_SECRET,
    CLIENT_TOKEN,
    Reply,
    TransportServer,
    running_server,
)

from alecs.transport import (
    AkamaiApiError,
    DeadlineExceededError,
    ManualClock,
    NetworkHealth,
    RetryPolicy,
    Transport,
    TransportSettings,
)

NO_LIMITS = TransportSettings(rate_limiting=False)
SECRETS = (CLIENT_SECRET, ACCESS_TOKEN, CLIENT_TOKEN)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransportServer]:
    yield from running_server(tmp_path_factory.mktemp("transport-health"))


async def test_identical_concurrent_gets_share_one_request(server: TransportServer):
    server.hold("/sf/item")
    async with Transport([server.credentials()], NO_LIMITS) as t:
        tasks = [
            asyncio.ensure_future(t.request("t", "GET", "/sf/item", params={"q": "1"}))
            for _ in range(20)
        ]
        other = asyncio.ensure_future(
            t.request("t", "GET", "/sf/item", params={"q": "1"}, account_switch_key="OTHER")
        )
        assert await asyncio.to_thread(server.wait_for, lambda: server.count("/sf/item") == 2)
        server.release("/sf/item")
        responses = await asyncio.gather(*tasks)
        await other
        health = t.health().host("t")
    assert {r.json()["path"] for r in responses} == {"/sf/item"}
    seen = server.seen("/sf/item")
    assert len(seen) == 2, "20 identical GETs -> 1 request; another account key -> its own"
    assert health.shared_calls == 19
    assert health.requests == 2


async def test_posts_are_never_shared(server: TransportServer):
    async with Transport([server.credentials()], NO_LIMITS) as t:
        await asyncio.gather(*(t.request("t", "POST", "/sf/post", json={}) for _ in range(5)))
    assert server.count("/sf/post") == 5


async def test_the_deadline_bounds_the_whole_call(server: TransportServer):
    server.hold("/dl/slow")
    try:
        async with Transport([server.credentials()], NO_LIMITS) as t:
            with pytest.raises(DeadlineExceededError) as info:
                await t.request("t", "GET", "/dl/slow", deadline=0.3)
    finally:
        server.release("/dl/slow")
    assert "deadline of 0.3s for GET /dl/slow passed during attempt 1" in str(info.value)
    assert info.value.attempts == 1


async def test_bad_arguments_are_named(server: TransportServer):
    async with Transport([server.credentials()], NO_LIMITS) as t:
        with pytest.raises(ValueError, match=r"section 'nope' is not configured.*sections: t"):
            await t.request("nope", "GET", "/x")
        with pytest.raises(ValueError, match="path must start with '/'"):
            await t.request("t", "GET", "papi/v1/groups")
        with pytest.raises(ValueError, match="deadline must be > 0"):
            await t.request("t", "GET", "/x", deadline=0)
        assert t.sections == ["t"] and t.default_section == "t"
        assert t.credentials("t").host == server.host


async def test_debug_logging_never_shows_secrets_or_the_authorization_header(
    server: TransportServer, caplog: pytest.LogCaptureFixture
):
    server.script("/log/flaky", [Reply(503)], default=Reply(json={}))
    server.script("/log/bad", [], default=Reply(400, json={"title": "Bad"}))
    clock = ManualClock()
    creds = server.credentials(account_key="ACC-SWITCH-1")

    async def traffic() -> None:
        async with Transport([creds], NO_LIMITS, clock=clock) as t:
            await t.warm_up()
            await t.request("t", "GET", "/log/ok", params={"contractId": "ctr_1"})
            await t.request("t", "GET", "/log/flaky")
            await t.request("t", "POST", "/log/post", json={"name": "x"})
            with pytest.raises(AkamaiApiError) as info:
                await t.request("t", "GET", "/log/bad")
            logging.getLogger("test").debug("error: %s %s", info.value, info.value.to_dict())
            await t.probe("t")
            logging.getLogger("test").debug("health: %s", t.health().model_dump_json())

    caplog.set_level(logging.DEBUG)
    await traffic()
    # Even with the HTTP libraries' own loggers forced to DEBUG.
    for name in ("httpx2", "httpcore2"):
        caplog.set_level(logging.DEBUG, logger=name)
    await traffic()

    text = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert any(r.name == "alecs.transport" for r in caplog.records), "the test saw our logs"
    assert any(r.name.startswith("httpcore2") for r in caplog.records), "and the libraries'"
    for secret in SECRETS:
        assert secret not in text
    assert "EG1-HMAC-SHA256" not in text and "signature=" not in text
    assert "authorization" not in text.lower()
    assert all(s.signature_ok for s in server.seen("/log/"))


async def test_acceptance_network_health_after_traffic(server: TransportServer):
    async def resolver(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    payload = {"rules": [{"name": f"rule {i}", "behaviors": ["caching"] * 5} for i in range(200)]}
    server.script("/acc/br", [], default=Reply(json=payload, encoding="br"))
    server.script("/acc/gz", [], default=Reply(json=payload, encoding="gzip"))
    server.script("/acc/flaky", [Reply(503)], default=Reply(json={}))
    creds = [
        server.credentials("a", host=f"api.test:{server.port}"),
        server.credentials("b", host=f"api2.test:{server.port}"),
    ]
    settings = TransportSettings(retry=RetryPolicy(backoff_base=0.01))
    async with Transport(creds, settings, resolver=resolver) as t:
        await t.warm_up()
        for round_ in range(4):
            calls = [t.request("a", "GET", f"/acc/item/{round_}/{i}") for i in range(20)]
            calls += [t.request("b", "GET", f"/acc/item/{round_}/{i}") for i in range(10)]
            calls += [t.request("a", "GET", "/acc/br"), t.request("a", "GET", "/acc/gz")]
            await asyncio.gather(*calls)
        await t.request("a", "GET", "/acc/flaky")
        health = t.health()

    assert isinstance(health, NetworkHealth)
    a, b = health.host("a"), health.host("b")
    assert a.requests == 90 and a.retries == 1 and b.requests == 40
    assert health.totals.reuse_ratio is not None and health.totals.reuse_ratio > 0.9
    assert a.reuse_ratio is not None and a.reuse_ratio > 0.9
    assert health.dns.hits > 0 and health.dns.misses == 2
    assert a.compression_ratio is not None and a.compression_ratio > 2
    assert {a.breaker.state, b.breaker.state} == {"closed"}
    assert a.http_versions == {"HTTP/2": 90}
    assert a.latency.count == 90 and a.latency.p50_ms is not None
    assert a.latency.p50_ms <= a.latency.p95_ms <= a.latency.p99_ms  # type: ignore[operator]
    assert a.requests_per_second_1m > 0
    assert a.pool.connections == 1 and a.pool.http2_connections == 1
    assert a.retry_budget_capacity == 100 and a.retry_budget_left == 100, "no retries spent"
    assert {g.family for g in health.rate_limits} >= {"acc"}
    dumped = health.model_dump_json()
    for secret in SECRETS:
        assert secret not in dumped


async def test_sections_from_a_mapping_are_named_by_their_keys(server: TransportServer):
    creds = server.credentials("ignored")
    async with Transport({"prod": creds, "default": creds}, NO_LIMITS) as t:
        assert t.sections == ["prod", "default"]
        assert t.default_section == "default"
        assert t.credentials("prod").section == "prod"
        response = await t.request("prod", "GET", "/named")
        health = t.health()
    assert response.status_code == 200
    assert [h.section for h in health.hosts] == ["prod", "default"]

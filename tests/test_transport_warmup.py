"""Warm-up against the sandbox (which counts every request it receives, signed or not): no HTTP
request reaches the API host, and the first real call reuses the warmed connection."""

from __future__ import annotations

from typing import Any

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

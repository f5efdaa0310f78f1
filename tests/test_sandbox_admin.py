"""The sandbox admin API: counters, fault injection, rate limits, reset and the simulated clock."""

from __future__ import annotations

import ssl
import time
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx2
import pytest
from openapi_schema import specs_available, validate_response

from alecs.sandbox.admin import AdminError
from alecs.transport.auth import EdgeGridAuth

C1, WEB = "ctr_1-5SBXC1", "grp_100002"
CPCODES = f"/papi/v1/cpcodes?contractId={C1}&groupId={WEB}"


def _client(sandbox: Any, creds: Any | None = None, *, http2: bool = True) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        http2=http2,
        base_url=sandbox.url,
        auth=EdgeGridAuth(creds or sandbox.credentials()),
        verify=ssl.create_default_context(cafile=str(sandbox.ca_path)),
    )


async def test_counters_by_route_status_version_connection_account(fresh_sandbox):
    async with _client(fresh_sandbox) as h2:
        await h2.get("/papi/v1/contracts")
        await h2.get("/papi/v1/contracts")
        await h2.get("/papi/v1/products")  # 400: contractId missing
        await h2.get("/papi/v1/contracts", params={"accountSwitchKey": "1-7SBXB2:1-8SBX"})
        await h2.post(CPCODES, json={"productId": "prd_Fresca", "cpcodeName": "counted"})
    async with _client(fresh_sandbox, http2=False) as h1:
        await h1.get("/papi/v1/groups")
    c = fresh_sandbox.admin.counters()
    assert c["total"] == 6
    assert c["routes"]["GET /papi/v1/contracts"] == {"count": 3, "status": {"200": 3}}
    assert c["routes"]["GET /papi/v1/products"] == {"count": 1, "status": {"400": 1}}
    assert c["routes"]["POST /papi/v1/cpcodes"] == {"count": 1, "status": {"201": 1}}
    # every registered route is listed, so "received 0 times" needs no KeyError handling
    assert c["routes"]["GET /papi/v1/cpcodes/{cpcodeId}"] == {"count": 0, "status": {}}
    assert c["status"] == {"200": 4, "400": 1, "201": 1}
    assert c["http_versions"] == {"2": 5, "1.1": 1}
    assert c["connections_total"] == 2
    assert sorted(v["requests"] for v in c["connections"].values()) == [1, 5]
    assert c["accounts"] == {"act_1-5SBXA1": 5, "act_1-7SBXB2": 1}
    assert c["writes"] == {"POST /papi/v1/cpcodes": 1}
    assert c["writes_total"] == 1
    assert fresh_sandbox.admin.route_count("GET /papi/v1/contracts", status=200) == 3
    assert fresh_sandbox.admin.route_count("DELETE /nothing") == 0


async def test_admin_requests_are_not_counted_and_counters_clear(fresh_sandbox):
    fresh_sandbox.admin.health()
    async with _client(fresh_sandbox) as client:
        await client.get("/papi/v1/contracts")
    assert fresh_sandbox.admin.counters()["total"] == 1
    fresh_sandbox.admin.clear_counters()
    assert fresh_sandbox.admin.counters()["total"] == 0


async def test_error_fault_once_then_normal(fresh_sandbox):
    fresh_sandbox.admin.set_faults(
        pattern="GET /papi/v1/groups", error_rate=1.0, error_status=503, times=1, retry_after_s=2
    )
    async with _client(fresh_sandbox) as client:
        first = await client.get("/papi/v1/groups")
        second = await client.get("/papi/v1/groups")
        other = await client.get("/papi/v1/contracts")
    assert first.status_code == 503
    assert first.headers["retry-after"] == "2"
    assert first.headers["content-type"] == "application/problem+json"
    assert first.json()["status"] == 503
    assert second.status_code == 200
    assert other.status_code == 200
    c = fresh_sandbox.admin.counters()
    assert c["routes"]["GET /papi/v1/groups"]["status"] == {"503": 1, "200": 1}
    assert c["faults"]["error"] == 1


async def test_fault_pattern_matches_route_template(fresh_sandbox):
    fresh_sandbox.admin.set_faults(pattern="/papi/v1/cpcodes/{cpcodeId}", error_rate=1.0)
    async with _client(fresh_sandbox) as client:
        one = await client.get(f"/papi/v1/cpcodes/cpc_1000001?contractId={C1}&groupId={WEB}")
        listing = await client.get(CPCODES)
    assert (one.status_code, listing.status_code) == (503, 200)


async def test_fault_before_processing_applies_no_write(fresh_sandbox):
    fresh_sandbox.admin.set_faults(pattern="POST /papi/*", error_rate=1.0, error_status=500)
    async with _client(fresh_sandbox) as client:
        resp = await client.post(CPCODES, json={"productId": "prd_Fresca", "cpcodeName": "lost"})
    assert resp.status_code == 500
    assert fresh_sandbox.admin.writes() == 0


async def test_fault_after_processing_applies_the_write(fresh_sandbox):
    """A POST can reach the server and still fail: the case clients must not blindly retry."""
    fresh_sandbox.admin.set_faults(
        pattern="POST /papi/v1/cpcodes", error_rate=1.0, error_status=502, phase="after", times=1
    )
    async with _client(fresh_sandbox) as client:
        resp = await client.post(CPCODES, json={"productId": "prd_Fresca", "cpcodeName": "kept"})
        listing = await client.get(CPCODES)
    assert resp.status_code == 502
    assert fresh_sandbox.admin.writes("POST /papi/v1/cpcodes") == 1
    assert "kept" in [c["cpcodeName"] for c in listing.json()["cpcodes"]["items"]]


async def test_connection_reset_fault(fresh_sandbox):
    fresh_sandbox.admin.set_faults(pattern="/papi/v1/contracts", reset_rate=1.0, times=1)
    async with _client(fresh_sandbox, http2=False) as client:
        with pytest.raises(httpx2.TransportError):
            await client.get("/papi/v1/contracts")
        after = await client.get("/papi/v1/contracts")
    assert after.status_code == 200
    c = fresh_sandbox.admin.counters()
    assert c["routes"]["GET /papi/v1/contracts"]["status"] == {"reset": 1, "200": 1}
    assert c["faults"]["reset"] == 1
    assert c["connections_total"] == 2  # the reset connection was not reused


async def test_connection_reset_fault_over_http2(fresh_sandbox):
    fresh_sandbox.admin.set_faults(pattern="/papi/v1/groups", reset_rate=1.0, times=1)
    async with _client(fresh_sandbox) as client:
        with pytest.raises(httpx2.TransportError):
            await client.get("/papi/v1/groups")
        after = await client.get("/papi/v1/groups")
    assert after.status_code == 200


async def test_latency_fault_delays_the_response(fresh_sandbox):
    fresh_sandbox.admin.set_faults(pattern="/papi/v1/contracts", latency_ms=300)
    async with _client(fresh_sandbox) as client:
        await client.get("/papi/v1/groups")  # connect first
        started = time.monotonic()
        resp = await client.get("/papi/v1/contracts")
        elapsed = time.monotonic() - started
    assert resp.status_code == 200
    assert elapsed >= 0.3  # a lower bound is what the fault guarantees
    assert fresh_sandbox.admin.counters()["faults"]["latency"] == 1


async def test_faults_given_at_start(sandbox_factory):
    sb = sandbox_factory(rate_limits=False, error_rate=1.0, fault_pattern="/papi/v1/groups")
    assert sb.admin.faults()[0]["pattern"] == "/papi/v1/groups"
    async with _client(sb) as client:
        groups = await client.get("/papi/v1/groups")
        contracts = await client.get("/papi/v1/contracts")
    assert (groups.status_code, contracts.status_code) == (503, 200)


def test_bad_fault_rules_are_refused_naming_the_field(fresh_sandbox):
    with pytest.raises(AdminError, match="error_rate"):
        fresh_sandbox.admin.set_faults(pattern="*", error_rate=2)
    with pytest.raises(AdminError, match="unknown fault field"):
        fresh_sandbox.admin.set_faults(pattern="*", latncy_ms=5)
    assert fresh_sandbox.admin.faults() == []


def test_reset_restores_seed_and_clears_everything(fresh_sandbox):
    admin = fresh_sandbox.admin
    admin.set_faults(pattern="/x", error_rate=1.0)
    admin.advance_clock(100)
    result = admin.reset()
    assert result["state"] and result["faults"] and result["clock"]
    assert admin.faults() == []
    assert admin.clock()["offset_s"] == 0
    assert admin.counters()["total"] == 0
    assert "cpc_1000001" in admin.state("act_1-5SBXA1", "cpcodes")


def test_admin_health_and_state(fresh_sandbox):
    health = fresh_sandbox.admin.health()
    assert health["status"] == "ok"
    assert health["accounts"] == ["act_1-5SBXA1", "act_1-7SBXB2"]
    assert "papi" in health["services"]
    props = fresh_sandbox.admin.state("act_1-5SBXA1", "properties")
    assert set(props) == {"prp_600001", "prp_600002", "prp_600003", "prp_600004"}


async def test_admin_refuses_non_loopback_clients(fresh_sandbox):
    """The admin API checks the client address; simulate a remote peer at the ASGI level."""
    import json

    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/_sandbox/counters",
        "raw_path": b"/_sandbox/counters",
        "root_path": "",
        "query_string": b"",
        "headers": [],
        "client": ("192.0.2.1", 40000),
        "http_version": "1.1",
        "scheme": "https",
    }
    await fresh_sandbox.app(scope, receive, send)
    status = sent[0]["status"]
    payload = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert status == 403
    assert "loopback" in payload["error"]


# ---------------------------------------------------------------------------------------------
# Rate limits


async def test_rate_limit_429_with_akamai_headers(sandbox_factory):
    sb = sandbox_factory(
        rate_limits=True, rate_limit_overrides={"papi": {"capacity": 2, "refill_per_s": 0.5}}
    )
    async with _client(sb) as client:
        first = await client.get("/papi/v1/contracts")
        second = await client.get("/papi/v1/contracts")
        limited = await client.get("/papi/v1/contracts")
        other_account = await client.get(
            "/papi/v1/contracts", params={"accountSwitchKey": "1-7SBXB2:1-8SBX"}
        )
    assert first.headers["x-ratelimit-limit"] == "2"
    assert [first.headers["x-ratelimit-remaining"], second.headers["x-ratelimit-remaining"]] == [
        "1",
        "0",
    ]
    assert limited.status_code == 429
    assert limited.headers["x-ratelimit-remaining"] == "0"
    retry_after = int(limited.headers["retry-after"])
    assert 1 <= retry_after <= 2
    next_at = datetime.fromisoformat(
        limited.headers["akamai-ratelimit-next"].replace("Z", "+00:00")
    )
    date = parsedate_to_datetime(limited.headers["date"])
    assert 0 < (next_at - date).total_seconds() <= 3
    problem = limited.json()
    assert problem["status"] == 429 and problem["limit"] == 2 and problem["remaining"] == 0
    if specs_available("papi/v1"):
        validate_response(
            api="papi/v1", method="GET", path="/papi/v1/contracts", status=429, body=problem
        )
    assert other_account.status_code == 200  # buckets are per account
    c = sb.admin.counters()
    assert c["rate_limited"] == {"papi": 1}
    assert c["routes"]["GET /papi/v1/contracts"]["status"] == {"200": 3, "429": 1}


async def test_rate_limits_configurable_at_runtime_and_off(fresh_sandbox):
    admin = fresh_sandbox.admin
    admin.set_rate_limits(enabled=True, limits={"papi": {"capacity": 1, "refill_per_minute": 1}})
    async with _client(fresh_sandbox) as client:
        ok = await client.get("/papi/v1/groups")
        limited = await client.get("/papi/v1/groups")
        admin.set_rate_limits(enabled=False)
        unlimited = [await client.get("/papi/v1/groups") for _ in range(3)]
    assert (ok.status_code, limited.status_code) == (200, 429)
    assert limited.headers["retry-after"] == "60"
    assert {r.status_code for r in unlimited} == {200}
    assert "x-ratelimit-limit" not in unlimited[0].headers


def test_default_limits_follow_akamai_documentation(fresh_sandbox):
    limits = fresh_sandbox.admin.rate_limits()["limits"]
    assert limits["papi"]["capacity"] == 1000
    assert limits["papi"]["limit_header"] == 100
    assert limits["papi"]["refill_per_s"] == pytest.approx(100 / 60)
    assert limits["ccu"] == {"capacity": 100, "refill_per_s": 50.0, "limit_header": 100}
    assert limits["ccu-url"]["capacity"] == 10000


# ---------------------------------------------------------------------------------------------
# Simulated clock


def test_clock_advances_only_on_request(fresh_sandbox):
    admin = fresh_sandbox.admin
    before = admin.clock()
    now = admin.advance_clock(90)
    assert now - before["now"] >= 90
    assert admin.clock()["offset_s"] == 90
    with pytest.raises(AdminError, match="advance_s"):
        admin.advance_clock(-5)

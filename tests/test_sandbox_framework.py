"""The framework other services build on: registering routes, multi-bucket rate limits,
transactions, long-running operations, TLS material reuse and clean start/stop."""

from __future__ import annotations

import ssl
import threading
from typing import Any

import httpx2
import pytest

from alecs.sandbox.framework import Request, Response, Router, family_of
from alecs.sandbox.ratelimit import BucketSpec, RateLimiter
from alecs.sandbox.state import operation_remaining, operation_state
from alecs.transport.auth import EdgeGridAuth


def _client(sb: Any) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        http2=True,
        base_url=sb.url,
        auth=EdgeGridAuth(sb.credentials()),
        verify=ssl.create_default_context(cafile=str(sb.ca_path)),
    )


def _install_demo_service(sb: Any) -> None:
    """A miniature purge API, written the way service modules are."""

    def purge(req: Request) -> Response:
        body = req.json()
        urls = body.get("objects") if isinstance(body, dict) else None
        if not isinstance(urls, list) or not urls:
            req.fail(400, "'objects' must be a non-empty list of URLs")
        req.rate_limit({"ccu": 1, "ccu-url": len(urls)})
        with req.transaction() as tx:
            purge_id = f"prg-{tx.next_id('operation')}"
            tx.put(
                "demo_purges",
                purge_id,
                {"purgeId": purge_id, "network": req.params["network"], **req.schedule("ccu")},
            )
        return Response({"purgeId": purge_id, "estimatedSeconds": 5}, 201)

    def status(req: Request) -> dict[str, Any]:
        doc = req.state.get("demo_purges", req.params["purgeId"])
        if doc is None:
            req.fail(404, f"no purge {req.params['purgeId']}")
        return {
            "purgeId": doc["purgeId"],
            "status": operation_state(doc, req.now()),
            "retryAfter": operation_remaining(doc, req.now()),
        }

    sb.app.add_route("POST", "/ccu/v3/demo/{network}", purge, rate_limited=False)
    sb.app.add_route("GET", "/ccu/v3/demo-status/{purgeId}", status)


async def test_a_service_route_with_object_buckets_writes_and_operations(sandbox_factory):
    sb = sandbox_factory(
        rate_limits=True,
        activation_delay_s=5.0,
        operation_delays={"ccu": 30.0},
        rate_limit_overrides={
            "ccu": {"capacity": 100, "refill_per_minute": 1},
            "ccu-url": {"capacity": 3, "refill_per_minute": 1},
        },
    )
    _install_demo_service(sb)
    async with _client(sb) as client:
        ok = await client.post("/ccu/v3/demo/production", json={"objects": ["/a", "/b"]})
        too_many = await client.post("/ccu/v3/demo/production", json={"objects": ["/c", "/d"]})
        bad = await client.post("/ccu/v3/demo/production", json={"objects": []})
        purge_id = ok.json()["purgeId"]
        pending = (await client.get(f"/ccu/v3/demo-status/{purge_id}")).json()
        sb.admin.advance_clock(30)
        done = (await client.get(f"/ccu/v3/demo-status/{purge_id}")).json()
    assert ok.status_code == 201
    assert ok.headers["x-ratelimit-limit"] == "100"  # the first bucket's headers
    assert too_many.status_code == 429
    # denied by the URL bucket, in the body Fast Purge's spec gives its 429s ...
    assert too_many.json()["rateLimit"] == 3
    assert bad.status_code == 400
    assert pending["status"] == "PENDING" and 0 < pending["retryAfter"] <= 30
    assert done["status"] == "ACTIVE" and done["retryAfter"] == 0
    c = sb.admin.counters()
    assert c["routes"]["POST /ccu/v3/demo/{network}"]["status"] == {"201": 1, "429": 1, "400": 1}
    assert c["writes"] == {"POST /ccu/v3/demo/{network}": 1}
    assert c["rate_limited"] == {"ccu-url": 1}
    # ... and the denied request took no request token: 100 - 1 (first POST) - 2 GETs
    limiter = sb.app.rate_limiter
    assert limiter.take("act_1-5SBXA1", "ccu").remaining == 96


def test_take_all_is_all_or_nothing() -> None:
    now = [0.0]
    limiter = RateLimiter(
        {"a": BucketSpec(2, 1.0, 2), "b": BucketSpec(1, 1.0, 1)}, clock=lambda: now[0]
    )
    assert [d.allowed for d in limiter.take_all("acct", {"a": 1, "b": 1})] == [True, True]
    denied = limiter.take_all("acct", {"a": 1, "b": 1})
    assert [(d.family, d.allowed) for d in denied] == [("b", False)]
    assert limiter.take("acct", "a").remaining == 0  # "a" was not charged by the denial
    now[0] += 1.0
    assert limiter.take("acct", "b").allowed
    limiter.configure(enabled=False)
    assert limiter.take("acct", "b") is None


def test_router_templates_and_families() -> None:
    router = Router()
    router.add("GET", "/papi/v1/properties/{propertyId}/versions/{propertyVersion}", lambda r: {})
    router.add("GET", "/papi/v1/properties/{propertyId}", lambda r: {})
    route, params, _ = router.match("GET", "/papi/v1/properties/prp_1/versions/3")
    assert route is not None and params == {"propertyId": "prp_1", "propertyVersion": "3"}
    route, params, allowed = router.match("POST", "/papi/v1/properties/prp_1")
    assert route is None and allowed == ["GET"]
    assert router.match("GET", "/papi/v1/properties/prp_1/x")[0] is None
    with pytest.raises(ValueError, match="twice"):
        router.add("GET", "/papi/v1/properties/{propertyId}", lambda r: {})
    assert [family_of(p) for p in ("/papi/v1", "/ccu/v3", "/config-dns/v2", "/x")] == [
        "papi",
        "ccu",
        "dns",
        "default",
    ]


def test_tls_material_is_generated_once_and_reused(sandbox_factory, tmp_path):
    state_dir = tmp_path / "tls"
    first = sandbox_factory(state_dir=state_dir)
    ca, cert = first.ca_path.read_bytes(), (state_dir / "server.pem").read_bytes()
    first.stop()
    second = sandbox_factory(state_dir=state_dir)
    assert second.ca_path.read_bytes() == ca
    assert (state_dir / "server.pem").read_bytes() == cert
    assert oct((state_dir / "server-key.pem").stat().st_mode & 0o777) == "0o600"
    assert oct(second.edgerc_path.stat().st_mode & 0o777) == "0o600"


def _sandbox_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name == "alecs-sandbox")


def test_start_and_stop_leave_no_thread_behind(sandbox_factory):
    # Counted, not compared by name: the session's shared sandbox thread has the same name.
    before = _sandbox_threads()
    sb = sandbox_factory()
    assert sb.running and sb.admin.health()["status"] == "ok"
    assert _sandbox_threads() == before + 1
    assert sb.url == f"https://127.0.0.1:{sb.port}" and sb.host == f"127.0.0.1:{sb.port}"
    sb.stop()
    assert not sb.running
    assert _sandbox_threads() == before
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(f"{sb.url}/_sandbox/health", verify=False, timeout=2)


def test_credentials_name_an_unknown_section(fresh_sandbox):
    with pytest.raises(KeyError, match="sandbox-b"):
        fresh_sandbox.credentials("nope")
    creds = fresh_sandbox.credentials("sandbox-b")
    assert creds.ca_bundle == str(fresh_sandbox.ca_path)
    assert "client_secret='****'" in repr(creds)


async def test_accepted_connections_disable_nagle(fresh_sandbox):
    """Without TCP_NODELAY every small response waits for the peer's delayed ACK."""
    import socket

    async with _client(fresh_sandbox) as client:
        resp = await client.get("/papi/v1/contracts")
        (peer,) = fresh_sandbox.admin.counters()["connections"]  # this client's connection
        sock = fresh_sandbox.app.connections[peer].get_extra_info("socket")
        nodelay = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    assert resp.status_code == 200
    assert nodelay


def test_sandbox_data_files_are_package_data() -> None:
    """Every file under alecs/sandbox/data is covered by pyproject's package-data globs, so an
    installed (non-editable) alecs has its seed data and rule format schema."""
    import fnmatch
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    config = tomllib.loads((root / "pyproject.toml").read_text())
    globs = config["tool"]["setuptools"]["package-data"]["alecs.sandbox"]
    data = root / "alecs" / "sandbox" / "data"
    files = sorted(p.relative_to(data.parent).as_posix() for p in data.iterdir() if p.is_file())
    assert files, "no sandbox data files"
    uncovered = [f for f in files if not any(fnmatch.fnmatch(f, g) for g in globs)]
    assert not uncovered, f"not package data: {uncovered}"

"""EdgeGrid verification in the sandbox: Akamai's test vectors, two independent signing clients,
and every kind of tampering the signature must catch."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import akamai.edgegrid
import httpx2
import pytest
import requests
from akamai.edgegrid import EdgeGridAuth as RequestsEdgeGridAuth

from alecs.sandbox.verify import (
    ApiClient,
    AuthError,
    EdgeGridVerifier,
    compute_signature,
    parse_authorization,
    parse_timestamp,
)
from alecs.transport.auth import EdgeGridAuth


def trust(sandbox: Any) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(sandbox.ca_path))


VECTORS = Path(akamai.edgegrid.__file__).parent / "test"
TESTDATA = json.loads((VECTORS / "testdata.json").read_text())
TESTCASES = [
    c for c in json.loads((VECTORS / "testcases.json").read_text()) if "expectedAuthorization" in c
]


def _vector_client() -> ApiClient:
    return ApiClient(
        section="vectors",
        client_token=TESTDATA["client_token"],
        client_secret=TESTDATA["client_secret"],
        access_token=TESTDATA["access_token"],
        account_id="act_vectors",
        headers_to_sign=tuple(h.lower() for h in TESTDATA["headers_to_sign"]),
        max_body=TESTDATA["max_body"],
    )


def _vector_request(case: dict[str, Any]) -> dict[str, Any]:
    req = case["request"]
    headers: dict[str, str] = {}
    for item in req.get("headers", []):
        for name, value in item.items():
            headers[name.lower()] = value
    headers.setdefault("host", urlsplit(TESTDATA["base_url"]).netloc)
    headers["authorization"] = case["expectedAuthorization"]
    return {
        "method": req["method"],
        "host": headers["host"],
        "target": req["path"],
        "headers": headers,
        "body": req.get("data", "").encode(),
    }


@pytest.mark.parametrize("case", TESTCASES, ids=[c["testName"] for c in TESTCASES])
def test_verifier_accepts_akamai_vectors(case: dict[str, Any]) -> None:
    signed_at = parse_timestamp(TESTDATA["timestamp"])
    verifier = EdgeGridVerifier([_vector_client()], clock=lambda: signed_at + 1)
    request = _vector_request(case)
    fields, prefix = parse_authorization(case["expectedAuthorization"])
    expected = compute_signature(
        _vector_client(),
        method=request["method"],
        host=request["host"],
        target=request["target"],
        headers=request["headers"],
        body=request["body"],
        signed_prefix=prefix,
        timestamp=fields["timestamp"],
    )
    assert expected == fields["signature"]
    assert verifier.verify(**request).section == "vectors"


@pytest.mark.parametrize(
    "change",
    ["method", "path", "query", "body", "signed_header", "host"],
)
def test_verifier_rejects_changed_vector(change: str) -> None:
    case = next(c for c in TESTCASES if c["testName"] == "Headers out of order")
    if change == "body":
        case = next(c for c in TESTCASES if c["testName"] == "POST inside limit")
    signed_at = parse_timestamp(TESTDATA["timestamp"])
    verifier = EdgeGridVerifier([_vector_client()], clock=lambda: signed_at)
    request = _vector_request(case)
    if change == "method":
        request["method"] = "DELETE"
    elif change == "path":
        request["target"] = request["target"] + "x"
    elif change == "query":
        request["target"] = request["target"] + "?extra=1"
    elif change == "body":
        request["body"] = request["body"].replace(b"d", b"D", 1)
    elif change == "signed_header":
        request["headers"]["x-test1"] = "changed"
    elif change == "host":
        request["headers"]["host"] = "evil.example.com"
    with pytest.raises(AuthError) as err:
        verifier.verify(**request)
    assert err.value.detail == "The signature does not match"


def test_verifier_problem_is_shaped_like_akamai() -> None:
    verifier = EdgeGridVerifier([_vector_client()])
    with pytest.raises(AuthError) as err:
        verifier.verify(method="GET", host="h", target="/", headers={}, body=b"")
    doc = err.value.problem("/papi/v1/groups#abc")
    assert set(doc) == {"type", "title", "detail", "instance", "status"}
    assert doc["status"] == 401
    assert doc["type"].startswith("https://problems.luna.akamaiapis.net/")


# ---------------------------------------------------------------------------------------------
# Over the network


async def _client(sandbox: Any, creds: Any, **auth_kw: Any) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        http2=True,
        base_url=sandbox.url,
        auth=EdgeGridAuth(creds, **auth_kw),
        verify=trust(sandbox),
    )


async def test_alecs_transport_auth_is_accepted_over_http2(fresh_sandbox, sandbox_credentials):
    async with await _client(fresh_sandbox, sandbox_credentials) as client:
        resp = await client.get("/papi/v1/groups")
        post = await client.post(
            "/papi/v1/cpcodes",
            params={"contractId": "ctr_1-5SBXC1", "groupId": "grp_100002"},
            json={"productId": "prd_Fresca", "cpcodeName": "signed by alecs"},
        )
    assert resp.status_code == 200, resp.text
    assert resp.http_version == "HTTP/2"
    assert resp.json()["accountId"] == "act_1-5SBXA1"
    assert post.status_code == 201, post.text


def test_edgegrid_python_with_requests_is_accepted(fresh_sandbox, sandbox_credentials):
    creds = sandbox_credentials
    session = requests.Session()
    session.auth = RequestsEdgeGridAuth(
        client_token=creds.client_token,
        client_secret=creds.client_secret,
        access_token=creds.access_token,
    )
    ca = str(fresh_sandbox.ca_path)  # per request: REQUESTS_CA_BUNDLE beats session.verify
    with session:
        resp = session.get(f"{fresh_sandbox.url}/papi/v1/contracts", verify=ca)
        post = session.post(
            f"{fresh_sandbox.url}/papi/v1/cpcodes?contractId=ctr_1-5SBXC1&groupId=grp_100002",
            json={"productId": "prd_Fresca", "cpcodeName": "signed by edgegrid-python"},
            verify=ca,
        )
    assert resp.status_code == 200, resp.text
    assert [c["contractId"] for c in resp.json()["contracts"]["items"]] == [
        "ctr_1-5SBXC1",
        "ctr_1-5SBXC2",
    ]
    assert post.status_code == 201, post.text
    assert fresh_sandbox.admin.route_count("GET /papi/v1/contracts", status=200) == 1
    assert fresh_sandbox.admin.counters()["http_versions"] == {"1.1": 2}


async def _send_tampered(sandbox: Any, creds: Any, build, tamper) -> httpx2.Response:
    auth = EdgeGridAuth(creds)
    async with httpx2.AsyncClient(
        http2=True, base_url=sandbox.url, verify=trust(sandbox)
    ) as client:
        request = build(client)
        auth.sign(request)
        return await client.send(tamper(request))


def _post(client: httpx2.AsyncClient) -> httpx2.Request:
    return client.build_request(
        "POST",
        "/papi/v1/cpcodes?contractId=ctr_1-5SBXC1&groupId=grp_100002",
        content=b'{"productId":"prd_Fresca","cpcodeName":"aaa"}',
        headers={"content-type": "application/json"},
    )


def _get(client: httpx2.AsyncClient) -> httpx2.Request:
    return client.build_request("GET", "/papi/v1/products?contractId=ctr_1-5SBXC1")


def _with(request: httpx2.Request, **changes: Any) -> httpx2.Request:
    return httpx2.Request(
        changes.get("method", request.method),
        changes.get("url", request.url),
        headers=changes.get("headers", request.headers),
        content=changes.get("content", request.content),
    )


TAMPERS = {
    "path": (_get, lambda r: _with(r, url=r.url.copy_with(path="/papi/v1/contracts"))),
    "query": (
        _get,
        lambda r: _with(r, url=r.url.copy_with(query=b"contractId=ctr_1-5SBXC2")),
    ),
    "body": (
        _post,
        lambda r: _with(r, content=b'{"productId":"prd_Fresca","cpcodeName":"bbb"}'),
    ),
    "method": (_get, lambda r: _with(r, method="DELETE")),
}


@pytest.mark.parametrize("what", sorted(TAMPERS))
async def test_tampered_request_is_rejected(fresh_sandbox, sandbox_credentials, what):
    build, tamper = TAMPERS[what]
    resp = await _send_tampered(fresh_sandbox, sandbox_credentials, build, tamper)
    assert resp.status_code == 401, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    problem = resp.json()
    assert problem["detail"] == "The signature does not match"
    assert {"type", "title", "detail", "instance", "status"} <= set(problem)
    assert fresh_sandbox.admin.writes() == 0


async def test_untampered_control_request_is_accepted(fresh_sandbox, sandbox_credentials):
    resp = await _send_tampered(fresh_sandbox, sandbox_credentials, _post, lambda r: r)
    assert resp.status_code == 201, resp.text


async def test_tampered_signed_header_is_rejected(sandbox_factory):
    sb = sandbox_factory(rate_limits=False, headers_to_sign=("x-alecs-test",))
    creds = sb.credentials()
    assert creds.headers_to_sign == ("x-alecs-test",)

    def build(client: httpx2.AsyncClient) -> httpx2.Request:
        return client.build_request(
            "GET", "/papi/v1/contracts", headers={"X-Alecs-Test": "original"}
        )

    def tamper(request: httpx2.Request) -> httpx2.Request:
        headers = request.headers.copy()
        headers["X-Alecs-Test"] = "changed"
        return _with(request, headers=headers)

    good = await _send_tampered(sb, creds, build, lambda r: r)
    bad = await _send_tampered(sb, creds, build, tamper)
    assert good.status_code == 200, good.text
    assert bad.status_code == 401
    assert bad.json()["detail"] == "The signature does not match"


async def test_old_timestamp_is_rejected(fresh_sandbox, sandbox_credentials):
    async with await _client(
        fresh_sandbox, sandbox_credentials, timestamp=lambda: "20200101T00:00:00+0000"
    ) as client:
        resp = await client.get("/papi/v1/contracts")
    assert resp.status_code == 401
    assert "Invalid timestamp" in resp.json()["detail"]


async def test_replayed_nonce_is_rejected(fresh_sandbox, sandbox_credentials):
    async with await _client(
        fresh_sandbox, sandbox_credentials, nonce=lambda: "11111111-2222-3333-4444-555555555555"
    ) as client:
        first = await client.get("/papi/v1/contracts")
        second = await client.get("/papi/v1/contracts")
    assert first.status_code == 200
    assert second.status_code == 401
    assert "nonce" in second.json()["detail"]
    assert fresh_sandbox.admin.route_count("GET /papi/v1/contracts", status=401) == 1


async def test_unknown_client_and_wrong_secret_are_rejected(fresh_sandbox, sandbox_credentials):
    unknown = dataclasses.replace(sandbox_credentials, client_token="akab-unknown-token-0000")
    wrong_secret = dataclasses.replace(sandbox_credentials, client_secret="bm90IHRoZSBzZWNyZXQ=")
    results = {}
    for name, creds in (("unknown", unknown), ("secret", wrong_secret)):
        async with await _client(fresh_sandbox, creds) as client:
            results[name] = await client.get("/papi/v1/contracts")
    async with httpx2.AsyncClient(verify=trust(fresh_sandbox)) as plain:
        results["unsigned"] = await plain.get(f"{fresh_sandbox.url}/papi/v1/contracts")
    assert {k: r.status_code for k, r in results.items()} == {
        "unknown": 401,
        "secret": 401,
        "unsigned": 401,
    }
    assert results["unknown"].json()["detail"] == "Invalid authorization client token"
    assert results["secret"].json()["detail"] == "The signature does not match"
    # no secret ever comes back in an error
    for resp in results.values():
        assert sandbox_credentials.client_secret not in resp.text


async def test_body_beyond_max_body_is_not_covered_but_the_request_is_accepted(
    fresh_sandbox, sandbox_credentials
):
    """The content hash covers the first max_body bytes of a POST body, as in EdgeGrid."""
    body = {"productId": "prd_Fresca", "cpcodeName": "big body", "pad": "x" * 140_000}
    raw = json.dumps(body).encode()
    assert len(raw) > sandbox_credentials.max_body

    def build(client: httpx2.AsyncClient) -> httpx2.Request:
        return client.build_request(
            "POST",
            "/papi/v1/cpcodes?contractId=ctr_1-5SBXC1&groupId=grp_100002",
            content=raw,
            headers={"content-type": "application/json"},
        )

    def change_tail(request: httpx2.Request) -> httpx2.Request:
        return _with(request, content=raw[:-3] + b'y"}')

    def change_head(request: httpx2.Request) -> httpx2.Request:
        return _with(request, content=raw.replace(b"big body", b"BIG BODY"))

    accepted = await _send_tampered(fresh_sandbox, sandbox_credentials, build, change_tail)
    rejected = await _send_tampered(fresh_sandbox, sandbox_credentials, build, change_head)
    assert accepted.status_code == 201, accepted.text
    assert rejected.status_code == 401


async def test_concurrent_signed_requests_share_one_http2_connection(
    fresh_sandbox, sandbox_credentials
):
    async with await _client(fresh_sandbox, sandbox_credentials) as client:
        responses = await asyncio.gather(*(client.get("/papi/v1/groups") for _ in range(10)))
    assert {r.status_code for r in responses} == {200}
    counters = fresh_sandbox.admin.counters()
    assert counters["connections_total"] == 1
    assert counters["http_versions"] == {"2": 10}

"""Every CPS request the tools send, and every sandbox answer, against Akamai's official CPS v2
OpenAPI spec (../shared/akamai-apis/apis/cps/v2), vendor media types included.

The sandbox's CPS routes are recorded while the certificate tools run through a real MCP
client. Each request is checked (path, query, declared headers, body for its Content-Type),
each response against the schema of its Content-Type, and each call's Accept header against
the media type the spec serves there. Direct requests show the sandbox's 406 and 415 answers.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx2
import pytest
from dns_cps_support import CONTACT, CONTRACT_A, ORG, TECH, call, call_error, record_exchanges
from mcp import Client
from openapi_schema import require_specs, validate_request, validate_response

from alecs.server import build_server
from alecs.transport.auth import EdgeGridAuth

API = "cps/v2"
VND = "application/vnd.akamai.cps."
EXPECTED_ACCEPT = {
    ("GET", "/cps/v2/enrollments"): VND + "enrollments.v11+json",
    ("POST", "/cps/v2/enrollments"): VND + "enrollment-status.v1+json",
    ("GET", "/cps/v2/enrollments/{enrollmentId}"): VND + "enrollment.v11+json",
    ("DELETE", "/cps/v2/enrollments/{enrollmentId}"): VND + "enrollment-status.v1+json",
    ("GET", "/cps/v2/enrollments/{enrollmentId}/changes/{changeId}"): VND + "change.v2+json",
    (
        "GET",
        "/cps/v2/enrollments/{enrollmentId}/changes/{changeId}/input/info/{allowedInputTypeParam}",
    ): VND + "dv-challenges.v2+json",
}


@pytest.fixture
def server(fresh_sandbox: Any) -> Any:
    return build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )


async def test_requests_and_responses_match_the_official_spec(
    server: Any, fresh_sandbox: Any
) -> None:
    require_specs(API)
    dv = {
        "common_name": "shop.example.com",
        "sans": ["blog.example.com"],
        "admin_contact": CONTACT,
        "tech_contact": {**TECH, "title": "Engineer", "country": "US"},
        "org": ORG,
        "contract_id": CONTRACT_A,
    }
    with record_exchanges(fresh_sandbox, ("cps",)) as seen:
        async with Client(server) as client:
            await call(client, "certificate-enrollment-list", {"contract_id": CONTRACT_A})
            created = await call(client, "certificate-dv-enrollment-create", dv)
            eid = created["enrollment_id"]
            await call(client, "certificate-enrollment-get", {"enrollment_id": eid})
            fresh_sandbox.admin.advance_clock(fresh_sandbox.app.operation_delay("cps.change") * 1.2)
            await call(client, "certificate-enrollment-status", {"enrollment_id": eid})
            await call_error(client, "certificate-enrollment-get", {"enrollment_id": 999})
            await call(
                client,
                "certificate-enrollment-delete",
                {"enrollment_id": eid, "cancel_pending_changes": True, "confirm": True},
            )

    assert {(x.method, x.route) for x in seen} == set(EXPECTED_ACCEPT)
    for x in seen:
        assert x.headers["accept"] == EXPECTED_ACCEPT[(x.method, x.route)], x.route
        request_type = x.headers.get("content-type") if x.body is not None else None
        if x.method == "POST":
            assert request_type == VND + "enrollment.v11+json"
        validate_request(
            api=API,
            method=x.method,
            path=x.target,
            body=x.body,
            headers=x.headers,
            content_type=request_type,
        )
        if x.status >= 400:
            assert x.status == 404 and x.content_type == "application/problem+json"
            assert {"type", "title", "detail", "status"} <= set(x.response)
            continue
        assert x.content_type == x.headers["accept"]
        validate_response(
            api=API,
            method=x.method,
            path=x.target,
            status=x.status,
            body=x.response,
            content_type=x.content_type,
        )


def test_media_type_negotiation_and_dv_history(fresh_sandbox: Any) -> None:
    require_specs(API)
    trust = ssl.create_default_context(cafile=str(fresh_sandbox.ca_path))
    auth = EdgeGridAuth(fresh_sandbox.credentials("sandbox"))
    with httpx2.Client(base_url=fresh_sandbox.url, verify=trust, auth=auth) as http:
        old = http.get("/cps/v2/enrollments/10001", headers={"Accept": VND + "enrollment.v9+json"})
        unknown = http.get(
            "/cps/v2/enrollments/10001", headers={"Accept": VND + "enrollment.v12+json"}
        )
        plain = http.post(
            "/cps/v2/enrollments", params={"contractId": "1-5SBXC1"}, json={"ra": "lets-encrypt"}
        )
        no_contract = http.get("/cps/v2/enrollments", headers={"Accept": "*/*"})
        body = _example_dv_enrollment()
        created = http.post(
            "/cps/v2/enrollments",
            params={"contractId": "1-5SBXC1"},
            json=body,
            headers={
                "Content-Type": VND + "enrollment.v11+json",
                "Accept": VND + "enrollment-status.v1+json",
            },
        )
        fresh_sandbox.admin.advance_clock(fresh_sandbox.app.operation_delay("cps.change") * 1.2)
        location = created.json()["enrollment"]
        history = http.get(f"{location}/dv-history", headers={"Accept": VND + "dv-history.v1+json"})
    # every version the spec documents (v1 to v11) is served, under the version asked for
    assert old.status_code == 200 and old.headers["content-type"] == VND + "enrollment.v9+json"
    assert str(old.json()["id"]) == "10001"
    assert unknown.status_code == 406 and "from 1 to 11" in unknown.json()["detail"]
    assert plain.status_code == 415 and "enrollment.v11+json" in plain.json()["detail"]
    assert no_contract.status_code == 400 and "contractId" in no_contract.json()["detail"]
    assert created.status_code == 202 and created.headers["location"] == location
    validate_response(
        api=API,
        method="POST",
        path="/cps/v2/enrollments",
        status=202,
        body=created.json(),
        content_type=created.headers["content-type"],
    )
    assert history.status_code == 200
    domains = [r["domain"] for r in history.json()["results"]]
    assert sorted(domains) == sorted(body["csr"]["sans"])
    assert history.headers["content-type"] == VND + "dv-history.v1+json"
    validate_response(
        api=API,
        method="GET",
        path=f"{location}/dv-history",
        status=200,
        body=history.json(),
        content_type=history.headers["content-type"],
    )


def _example_dv_enrollment() -> dict[str, Any]:
    """The spec's enrollment.v11 example, made a Let's Encrypt DV request as CPS takes it."""
    import json

    root = require_specs(API)
    body = json.loads((root / "apis" / API / "examples" / "enrollment.v11.json").read_text())
    for key in ("id", "location", "pendingChanges", "assignedSlots", "productionSlots"):
        body.pop(key, None)
    for key in ("stagingSlots", "orgId", "thirdParty", "maxAllowedSanNames"):
        body.pop(key, None)
    body.pop("maxAllowedWildcardSanNames", None)
    body.update(ra="lets-encrypt", validationType="dv", certificateType="san")
    body["csr"]["preferredTrustChain"] = None
    validate_request(
        api=API,
        method="POST",
        path="/cps/v2/enrollments?contractId=1-5SBXC1",
        body=body,
        content_type=VND + "enrollment.v11+json",
    )
    return body

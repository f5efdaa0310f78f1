"""Every Edge DNS request the tools send, and every sandbox answer, against Akamai's official
config-dns v2 OpenAPI spec (../shared/akamai-apis/apis/config-dns/v2).

The sandbox's DNS routes are recorded while a workflow runs through a real MCP client (list
zones, create a zone, list/get/upsert/delete record sets, plus failures). Requests are checked
for path, query and body; 2xx responses against the operation's schema; problem documents
against the spec's `problem` schema (the spec lists no error responses per operation).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from dns_cps_support import call, call_error, record_exchanges
from mcp import Client
from openapi_schema import normalize_schema, require_specs, validate_request, validate_response

from alecs.server import build_server

API = "config-dns/v2"


@pytest.fixture
def server(fresh_sandbox: Any) -> Any:
    return build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )


async def _workflow(client: Client) -> None:
    await call(client, "dns-zone-list", {"types": ["PRIMARY", "ALIAS"], "limit": 10})
    await call(client, "dns-zone-get", {"zone": "example.com"})
    await call(client, "dns-zone-create", {"zone": "schema.example", "group_id": "grp_100002"})
    await call(
        client,
        "dns-zone-create",
        {
            "zone": "secondary.example",
            "type": "SECONDARY",
            "masters": ["192.0.2.53"],
            "contract_id": "ctr_1-5SBXC1",
            "group_id": "100001",
        },
    )
    await call(client, "dns-record-list", {"zone": "example.com", "types": ["A"], "search": "192"})
    up = {"zone": "schema.example", "name": "www", "type": "A", "rdata": ["192.0.2.7"]}
    await call(client, "dns-record-upsert", up)
    await call(client, "dns-record-upsert", {**up, "rdata": ["192.0.2.8"]})
    await call(
        client,
        "dns-record-upsert",
        {"zone": "schema.example", "name": "@", "type": "TXT", "rdata": ["v=spf1 -all"]},
    )
    await call(client, "dns-record-get", {"zone": "schema.example", "name": "www", "type": "A"})
    await call(
        client,
        "dns-record-delete",
        {"zone": "schema.example", "name": "www", "type": "A", "confirm": True},
    )
    await call_error(client, "dns-record-get", {"zone": "schema.example", "name": "x", "type": "A"})
    await call_error(
        client,
        "dns-record-upsert",
        {"zone": "example.com", "name": "api", "type": "TXT", "rdata": ["x"]},
    )


def _problem_schema() -> dict[str, Any]:
    root = require_specs(API)
    path = root / "apis" / API / "schemas" / "problem.yaml"
    return normalize_schema(yaml.safe_load(path.read_text()))


async def test_requests_and_responses_match_the_official_spec(
    server: Any, fresh_sandbox: Any
) -> None:
    import jsonschema

    require_specs(API)
    with record_exchanges(fresh_sandbox, ("dns",)) as seen:
        async with Client(server) as client:
            await _workflow(client)

    routes = {(x.method, x.route) for x in seen}
    assert {
        ("GET", "/config-dns/v2/zones"),
        ("POST", "/config-dns/v2/zones"),
        ("GET", "/config-dns/v2/zones/{zone}"),
        ("GET", "/config-dns/v2/zones/{zone}/recordsets"),
        ("POST", "/config-dns/v2/changelists"),
        ("POST", "/config-dns/v2/changelists/{zone}/submit"),
        ("GET", "/config-dns/v2/zones/{zone}/names/{name}/types/{type}"),
        ("POST", "/config-dns/v2/zones/{zone}/names/{name}/types/{type}"),
        ("PUT", "/config-dns/v2/zones/{zone}/names/{name}/types/{type}"),
        ("DELETE", "/config-dns/v2/zones/{zone}/names/{name}/types/{type}"),
    } <= routes
    problem = jsonschema.Draft7Validator(_problem_schema())
    statuses = set()
    for x in seen:
        statuses.add(x.status)
        validate_request(api=API, method=x.method, path=x.target, body=x.body)
        if x.status >= 400:
            assert x.content_type == "application/problem+json"
            assert not list(problem.iter_errors(x.response)), x.response
            assert x.response["type"].startswith(
                "https://problems.luna.akamaiapis.net/authoritative-dns/"
            )
            continue
        validate_response(api=API, method=x.method, path=x.target, status=x.status, body=x.response)
    assert {200, 201, 204, 404, 409} <= statuses


async def test_seed_and_spec_examples_fit_the_sandbox(fresh_sandbox: Any) -> None:
    """The spec's own request examples are accepted by the sandbox as they are."""
    import json
    import ssl

    import httpx2

    from alecs.transport.auth import EdgeGridAuth

    root = require_specs(API)
    examples = root / "apis" / API / "examples"
    recordset = json.loads((examples / "recordset-get.json").read_text())
    bulk = json.loads((examples / "recordsets-post.json").read_text())
    zone = json.loads((examples / "zone-post-request.json").read_text())
    trust = ssl.create_default_context(cafile=str(fresh_sandbox.ca_path))
    auth = EdgeGridAuth(fresh_sandbox.credentials("sandbox"))
    with httpx2.Client(base_url=fresh_sandbox.url, verify=trust, auth=auth) as http:
        base = "/config-dns/v2"
        r = http.delete(f"{base}/zones/example.com/names/www.example.com/types/CNAME")
        assert r.status_code == 204
        r = http.post(f"{base}/zones/example.com/names/www.example.com/types/A", json=recordset)
        assert r.status_code == 201 and r.json() == recordset
        assert r.headers["location"].endswith("/names/www.example.com/types/A")
        bulk["recordsets"][0]["name"] = "new.example.com"
        assert http.post(f"{base}/zones/example.com/recordsets", json=bulk).status_code == 204
        again = http.post(f"{base}/zones/example.com/recordsets", json=bulk)
        assert again.status_code == 409 and "already exists" in again.json()["detail"]
        r = http.post(f"{base}/zones", params={"contractId": "1-5SBXC1", "gid": 100002}, json=zone)
        assert r.status_code == 201 and r.json()["masters"] == zone["masters"]
        validate_response(api=API, method="POST", path=f"{base}/zones", status=201, body=r.json())
        r = http.get(f"{base}/zones", params={"types": "nope"})
        assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"

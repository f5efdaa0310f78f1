"""Every PAPI request alecs sends, and every sandbox answer, against Akamai's official OpenAPI.

The whole workflow (and the calls around it: lookups, search, errors, edge hostnames, CP codes,
deactivation, deletion) runs through a real MCP client while the sandbox reports each exchange
(`alecs.sandbox.papi.listen`). Each request is checked against the official request schema
(path and query parameters, required headers, JSON body) and each response against the
response schema of its status. Skipped when ../shared/akamai-apis is absent.

Two places where PAPI's live behavior and its published schema disagree are allowed, and only
there: rule-tree responses carry `errors`/`warnings` members when validation finds problems
(shown in the official example rules-set-response.json, absent from the schema), and rules keep
PAPI's `comments` member (the schema spells it `comment`).
"""

from __future__ import annotations

import copy
import json
import threading
from typing import Any

import pytest
from mcp import Client
from openapi_schema import require_specs, validate_request, validate_response
from papi_support import CONTRACT, WEB_GROUP, call, call_error, run_workflow

from alecs.sandbox.papi import Exchange, listen
from alecs.server import build_server

API = "papi/v1"
RULES_ROUTE = "/papi/v1/properties/{propertyId}/versions/{propertyVersion}/rules"


class Recorder:
    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    def __call__(self, exchange: Exchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)


def _request_content_type(exchange: Exchange) -> str | None:
    ctype = (exchange.headers.get("content-type") or "").split(";")[0].strip()
    if not exchange.body:
        return None
    if ctype.startswith("application/vnd.akamai.papirules."):
        return "*/*"  # a rule format chosen by content type: the spec's */* entry
    return ctype or None


def _documented_gaps(exchange: Exchange, body: Any) -> Any:
    if exchange.route != RULES_ROUTE or exchange.status != 200 or not isinstance(body, dict):
        return body
    body = copy.deepcopy(body)
    body.pop("errors", None)
    body.pop("warnings", None)
    if isinstance(body.get("rules"), dict):
        body["rules"].pop("comments", None)
    return body


def check(exchange: Exchange) -> None:
    body = json.loads(exchange.body) if exchange.body else None
    validate_request(
        api=API,
        method=exchange.method,
        path=exchange.target,
        body=body,
        headers=exchange.headers,
        content_type=_request_content_type(exchange),
    )
    problem = exchange.content_type == "application/problem+json"
    validate_response(
        api=API,
        method=exchange.method,
        path=exchange.target,
        status=exchange.status,
        body=_documented_gaps(exchange, exchange.response),
        content_type="application/problem+json" if problem else None,
    )


async def test_every_request_and_response_matches_the_official_schemas(
    fresh_sandbox: Any,
) -> None:
    require_specs(API)
    server = build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )
    recorder = Recorder()
    emails = ["noc@example.com"]
    with listen(fresh_sandbox.app, recorder):
        async with Client(server, mode="legacy") as client:
            out = await run_workflow(client, name="schema.example.com")
            pid = out["created"]["property_id"]
            await call(client, "contract-list", {})
            await call(client, "group-list", {})
            await call(client, "product-list", {"contract_id": CONTRACT})
            await call(client, "property-list", {})
            await call(client, "property-get", {"property_id": pid})
            await call(client, "property-search", {"property_name": "schema.example.com"})
            await call(client, "property-search", {"hostname": "schema.example.com"})
            await call(client, "property-search", {"edge_hostname": "www.example.com.edgekey.net"})
            await call(client, "property-version-list", {"property_id": pid})
            await call(client, "property-rules-get", {"property_id": "prp_600001"})
            await call(client, "property-hostname-list", {"property_id": pid})
            # a version to edit: stale etag (412), unknown behavior (400), JSON Patch
            v3 = (await call(client, "property-version-create", {"property_id": pid}))["version"]
            tree = await call(
                client, "property-rules-get", {"property_id": pid, "version": v3, "full": True}
            )
            args = {"property_id": pid, "version": v3, "etag": tree["etag"]}
            patched = await call(
                client,
                "property-rules-update",
                {**args, "patch": [{"op": "add", "path": "/rules/comments", "value": "v3"}]},
            )
            await call_error(client, "property-rules-update", {**args, "rules": tree["rules"]})
            bad = copy.deepcopy(tree["rules"])
            bad["behaviors"].append({"name": "warpDrive", "options": {}})
            await call_error(
                client,
                "property-rules-update",
                {**args, "etag": patched["etag"], "rules": bad},
            )
            await call(
                client,
                "property-hostname-update",
                {"property_id": pid, "version": v3, "remove": ["schema.example.com"]},
            )
            # activations: pending, refused by PAPI while pending (422; alecs follows the
            # pending one), checked, deactivated
            pending = await call(
                client,
                "property-activate",
                {"property_id": "prp_600004", "notify_emails": emails, "wait": False},
            )
            again = await call(
                client,
                "property-activate",
                {"property_id": "prp_600004", "notify_emails": emails, "wait": False},
            )
            assert again["attached"] and again["activation_id"] == pending["activation_id"]
            await call(
                client,
                "property-activation-get",
                {"property_id": "prp_600004", "activation_id": pending["activation_id"]},
            )
            await call(client, "property-deactivate", {"property_id": pid, "notify_emails": emails})
            await call(client, "property-delete", {"property_id": pid, "confirm": True})
            await call_error(client, "property-get", {"property_id": pid})
            # edge hostnames and CP codes
            await call(client, "edge-hostname-list", {"contract_id": CONTRACT})
            await call(
                client,
                "edge-hostname-create",
                {
                    "domain_prefix": "schema.example.com",
                    "product_id": "prd_Fresca",
                    "cert_enrollment_id": 10001,
                    "contract_id": CONTRACT,
                    "group_id": WEB_GROUP,
                },
            )
            await call(client, "cpcode-list", {"contract_id": CONTRACT, "group_id": WEB_GROUP})
            await call(
                client,
                "cpcode-create",
                {"cpcode_name": "schema test", "product_id": "prd_Fresca", "group_id": WEB_GROUP},
            )
            await call(client, "property-list", {"account_switch_key": "1-7SBXB2:1-8SBX"})

    exchanges = recorder.exchanges
    failures = []
    for exchange in exchanges:
        try:
            check(exchange)
        except AssertionError as exc:
            failures.append(f"{exchange.method} {exchange.target} -> {exchange.status}: {exc}")
    assert not failures, "\n\n".join(failures)

    covered = {(e.method, e.route, e.status) for e in exchanges}
    expected = {
        ("GET", "/papi/v1/contracts", 200),
        ("GET", "/papi/v1/groups", 200),
        ("GET", "/papi/v1/products", 200),
        ("GET", "/papi/v1/properties", 200),
        ("POST", "/papi/v1/properties", 201),
        ("GET", "/papi/v1/properties/{propertyId}", 200),
        ("GET", "/papi/v1/properties/{propertyId}", 404),
        ("DELETE", "/papi/v1/properties/{propertyId}", 200),
        ("GET", "/papi/v1/properties/{propertyId}/versions", 200),
        ("POST", "/papi/v1/properties/{propertyId}/versions", 201),
        ("GET", "/papi/v1/properties/{propertyId}/versions/latest", 302),
        ("GET", "/papi/v1/properties/{propertyId}/versions/{propertyVersion}", 200),
        ("GET", RULES_ROUTE, 200),
        ("PUT", RULES_ROUTE, 200),
        ("PUT", RULES_ROUTE, 412),
        ("PUT", RULES_ROUTE, 400),
        ("PATCH", RULES_ROUTE, 200),
        ("GET", "/papi/v1/properties/{propertyId}/versions/{propertyVersion}/hostnames", 200),
        ("PATCH", "/papi/v1/properties/{propertyId}/versions/{propertyVersion}/hostnames", 200),
        ("POST", "/papi/v1/properties/{propertyId}/activations", 201),
        ("POST", "/papi/v1/properties/{propertyId}/activations", 422),
        ("GET", "/papi/v1/properties/{propertyId}/activations", 200),
        ("GET", "/papi/v1/properties/{propertyId}/activations/{activationId}", 200),
        ("POST", "/papi/v1/search/find-by-value", 200),
        ("GET", "/papi/v1/edgehostnames", 200),
        ("POST", "/papi/v1/edgehostnames", 201),
        ("GET", "/papi/v1/edgehostnames/{edgeHostnameId}", 200),
        ("GET", "/papi/v1/cpcodes", 200),
        ("POST", "/papi/v1/cpcodes", 201),
    }
    assert expected <= covered, f"not exercised: {sorted(expected - covered)}"


def test_schema_check_catches_a_wrong_answer() -> None:
    """The check above is not vacuous: a response with an unknown member fails it."""
    require_specs(API)
    exchange = Exchange(
        method="GET",
        route="/papi/v1/properties/{propertyId}",
        path="/papi/v1/properties/prp_1",
        query="",
        headers={"papi-use-prefixes": "true"},
        body=b"",
        status=200,
        response={"properties": {"items": []}, "surprise": True},
        content_type="application/json",
    )
    with pytest.raises(AssertionError, match="surprise"):
        check(exchange)
    missing_header = Exchange(**{**exchange.__dict__, "headers": {}, "response": None})
    with pytest.raises(AssertionError, match="PAPI-Use-Prefixes"):
        check(missing_header)

"""Rule formats and the behaviors and criteria a property version may use, through a real MCP
client against the sandbox (real TLS + HTTP/2): `property-rule-format-list` and
`property-behavior-list`. Plus the schema helpers on a PAPI-shaped schema with `$ref` and
`allOf` (as Akamai's full rule format schemas have), and the sandbox's answers on these routes
against the official PAPI spec.
"""

from __future__ import annotations

from typing import Any

import pytest
from dns_cps_support import call, call_error, record_exchanges
from mcp import Client
from openapi_schema import require_specs, validate_request, validate_response

from alecs.akamai.papi import feature_schema, option_specs, sorted_rule_formats
from alecs.server import build_server

MODES = ["legacy", "auto"]
SCHEMA_ROUTE = "GET /papi/v1/schemas/products/{productId}/{ruleFormat}"


@pytest.fixture
def server(sandbox: Any) -> Any:
    return build_server(
        toolsets="all", edgerc=sandbox.edgerc_path, section="sandbox", warm_up=False
    )


@pytest.mark.parametrize("mode", MODES)
async def test_rule_formats_newest_first_with_the_one_a_version_uses(
    sandbox: Any, server: Any, mode: str
):
    async with Client(server, mode=mode) as client:
        listed = await call(client, "property-rule-format-list", {})
        old = await call(client, "property-rule-format-list", {"property_id": "prp_600003"})
        current = await call(
            client, "property-rule-format-list", {"property_id": "600001", "version": 2}
        )
        before = sandbox.admin.counters()["total"]
        orphan = await call_error(client, "property-rule-format-list", {"version": 2})
        sent_for_orphan = sandbox.admin.counters()["total"] - before
        nulls = await call(
            client, "property-rule-format-list", {"property_id": None, "version": None}
        )
        numeric = await call(client, "property-rule-format-list", {"property_id": 600003})
        word = await call(
            client, "property-rule-format-list", {"propertyId": "prp_600003", "version": "latest"}
        )
        too_long = await call_error(client, "property-rule-format-list", {"property_id": "x" * 201})
    formats = listed["rule_formats"]
    assert formats == sorted(formats, reverse=True) and "latest" not in formats
    assert formats[0] == "v2024-10-21" == listed["newest"]
    assert old["property_id"] == "prp_600003" and old["version"] == 1
    assert old["version_rule_format"] == "v2023-05-30"
    assert old["newer"] == formats[: formats.index("v2023-05-30")] and len(old["newer"]) == 3
    assert current["version"] == 2 and current["version_rule_format"] == "v2024-10-21"
    assert current["newer"] == []
    assert "`version`" in orphan and "property_id" in orphan
    assert sent_for_orphan == 0, "nothing sent for a version without a property"
    assert nulls["rule_formats"] == formats and nulls["property_id"] is None
    assert numeric["version_rule_format"] == "v2023-05-30"
    assert word["version"] == 1 and word["version_rule_format"] == "v2023-05-30"
    assert "`property_id`" in too_long and "200" in too_long


def test_rule_formats_sort_dated_newest_first_and_drop_latest():
    got = sorted_rule_formats(["latest", "v2015-08-17", "v2023-01-05-beta", "v2023-01-05"])
    assert got == ["v2023-01-05", "v2023-01-05-beta", "v2015-08-17"]


@pytest.mark.parametrize("mode", MODES)
async def test_behavior_list_gives_names_only_by_default(server: Any, mode: str):
    async with Client(server, mode=mode) as client:
        result = await client.call_tool(
            "property-behavior-list", {"property_id": "prp_600001", "name": None}
        )
    assert not result.is_error, result.content[0].text
    out = result.structured_content
    assert out["version"] == 3, "the latest version by default"
    assert out["product_id"] == "prd_Fresca" and out["rule_format"] == "v2024-10-21"
    assert {"caching", "origin", "cpCode"} <= set(out["behaviors"])
    assert out["behaviors"] == sorted(out["behaviors"])
    assert {"path", "hostname"} <= set(out["criteria"])
    assert out["options"] is None and out["name"] is None
    assert len(result.content[0].text) < 2500, "names only: compact"


@pytest.mark.parametrize("mode", MODES)
async def test_one_behavior_gives_its_options_and_an_example(server: Any, mode: str):
    async with Client(server, mode=mode) as client:
        caching = await call(
            client, "property-behavior-list", {"property_id": "prp_600001", "name": "Caching"}
        )
        path = await call(
            client, "property-behavior-list", {"property_id": "prp_600001", "name": "path"}
        )
    assert caching["name"] == "caching" and caching["kind"] == "behavior"
    assert caching["behaviors"] is None, "only the named one"
    options = {o["name"]: o for o in caching["options"]}
    assert options["behavior"]["required"] is True and options["behavior"]["type"] == "string"
    assert "MAX_AGE" in options["behavior"]["enum"]
    assert options["ttl"]["pattern"] == "^[0-9]+[smhd]$" and options["ttl"]["required"] is False
    assert options["mustRevalidate"]["type"] == "boolean"
    assert caching["example"] == {"name": "caching", "options": {"behavior": "MAX_AGE"}}
    assert path["kind"] == "criterion"
    assert {o["name"]: o["type"] for o in path["options"]}["values"] == "array of string"


async def test_the_example_is_a_valid_patch_for_property_rules_update(fresh_sandbox: Any):
    server = build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )
    async with Client(server) as client:
        version = (await call(client, "property-version-create", {"property_id": "prp_600001"}))[
            "version"
        ]
        caching = await call(
            client,
            "property-behavior-list",
            {"property_id": "prp_600001", "version": version, "name": "caching"},
        )
        tree = await call(
            client, "property-rules-get", {"property_id": "prp_600001", "version": version}
        )
        value = caching["example"]
        value["options"]["ttl"] = "1d"
        checked = await call(
            client,
            "property-rules-update",
            {
                "property_id": "prp_600001",
                "version": version,
                "etag": tree["etag"],
                "patch": [{"op": "add", "path": "/rules/behaviors/-", "value": value}],
                "dry_run": True,
            },
        )
    assert checked["dry_run"] is True
    assert checked["errors"] == [], checked


@pytest.mark.parametrize("mode", MODES)
async def test_an_unknown_name_is_a_tool_error_listing_close_names(
    fresh_sandbox: Any, mode: str
) -> None:
    server = build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )
    async with Client(server, mode=mode) as client:
        fresh_sandbox.admin.clear_counters()
        result = await client.call_tool(
            "property-behavior-list", {"property_id": "prp_600001", "name": "cachng"}
        )
    assert result.is_error
    text = result.content[0].text
    assert "`name`" in text and "'cachng'" in text and "prp_600001 v3" in text
    assert "Allowed: caching" in text, "the closest name first"
    assert fresh_sandbox.admin.route_count(SCHEMA_ROUTE) == 0, "no schema fetched for a typo"


async def test_an_unknown_property_reaches_the_user_as_papis_404(server: Any) -> None:
    async with Client(server) as client:
        text = await call_error(client, "property-behavior-list", {"property_id": "prp_999999"})
    assert "404" in text


async def test_a_dated_rule_format_schema_is_fetched_once(fresh_sandbox: Any) -> None:
    from alecs.akamai import papi

    papi._SCHEMA_CACHE.clear()
    server = build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )
    async with Client(server) as client:
        for name in ("caching", "origin", "path"):
            await call(client, "property-behavior-list", {"property_id": "600001", "name": name})
    assert fresh_sandbox.admin.route_count(SCHEMA_ROUTE) == 1


# --------------------------------------------------------------------------- schema helpers

PAPI_LIKE = {
    "definitions": {
        "type": {"ttl": {"type": "string", "pattern": "^[0-9]+[smhd]$", "default": "1d"}},
        "common": {"properties": {"uuid": {"type": "string"}}},
        "catalog": {
            "behaviors": {
                "demo": {
                    "allOf": [{"$ref": "#/definitions/common"}],
                    "properties": {
                        "name": {"enum": ["demo"]},
                        "options": {
                            "type": "object",
                            "allOf": [
                                {
                                    "properties": {
                                        "mode": {"enum": ["ON", "OFF"]},
                                        "hosts": {"type": "array", "items": {"type": "string"}},
                                    },
                                    "required": ["mode"],
                                }
                            ],
                            "properties": {
                                "ttl": {
                                    "$ref": "#/definitions/type/ttl",
                                    "description": "How long. Longer text follows here.",
                                },
                                "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                            },
                        },
                    },
                }
            }
        },
    }
}


def test_option_specs_follow_refs_and_merge_all_of():
    link = "/papi/v1/schemas/products/prd_X/v2024-10-21#/definitions/catalog/behaviors/demo"
    feature = feature_schema(PAPI_LIKE, "behaviors", "demo", link)
    assert feature is not None and "uuid" in feature["properties"]
    options = {o.name: o for o in option_specs(PAPI_LIKE, feature)}
    assert set(options) == {"mode", "hosts", "ttl", "port"}
    assert options["mode"].required and options["mode"].type == "string"
    assert options["mode"].enum == ["ON", "OFF"]
    assert options["hosts"].type == "array of string" and not options["hosts"].required
    assert options["ttl"].pattern == "^[0-9]+[smhd]$" and options["ttl"].default == "1d"
    assert options["ttl"].description == "How long."
    assert (options["port"].minimum, options["port"].maximum) == (1, 65535)
    assert feature_schema(PAPI_LIKE, "behaviors", "absent") is None


# --------------------------------------------------------------------------- against the spec


async def test_sandbox_answers_on_these_routes_match_the_papi_spec(fresh_sandbox: Any) -> None:
    require_specs("papi/v1")
    server = build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )
    with record_exchanges(fresh_sandbox, ("papi",)) as seen:
        async with Client(server) as client:
            await call(client, "property-rule-format-list", {"property_id": "prp_600003"})
            await call(client, "property-behavior-list", {"property_id": "prp_600002"})
            await call(
                client, "property-behavior-list", {"property_id": "prp_600002", "name": "origin"}
            )
    routes = {x.route for x in seen}
    assert {
        "/papi/v1/rule-formats",
        "/papi/v1/properties/{propertyId}/versions/{propertyVersion}/available-behaviors",
        "/papi/v1/properties/{propertyId}/versions/{propertyVersion}/available-criteria",
        "/papi/v1/schemas/products/{productId}/{ruleFormat}",
    } <= routes
    for x in seen:
        validate_request(
            api="papi/v1", method=x.method, path=x.target, body=x.body, headers=x.headers
        )
        assert x.status < 400, (x.route, x.response)
        validate_response(
            api="papi/v1", method=x.method, path=x.target, status=x.status, body=x.response
        )


async def test_the_rule_writing_and_zone_file_tools_are_reads_offered_read_only(
    sandbox: Any,
) -> None:
    server = build_server(
        edgerc=sandbox.edgerc_path,
        section="sandbox",
        warm_up=False,
        read_only=True,
        toolsets="all",
    )
    async with Client(server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    for name in ("property-rule-format-list", "property-behavior-list", "dns-zone-file-get"):
        hints = tools[name].annotations
        assert hints is not None and hints.read_only_hint is True, name
        assert hints.destructive_hint is False and hints.idempotent_hint is True, name

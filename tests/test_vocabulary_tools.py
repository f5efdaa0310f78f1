"""One vocabulary across tools, through a real MCP client against the sandbox: version words
(latest, staging, production), contracts searched when omitted (asking only when ambiguous),
IDs with their prefixes, the diff's default base, read-only tools that say why.
Account A has two contracts (ctr_1-5SBXC1, ctr_1-5SBXC2); prd_Fresca is on both, prd_SPM on one.
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from papi_support import call, call_error

from alecs.server import build_server

MODES = ["legacy", "auto"]


@pytest.fixture
def server(fresh_sandbox: Any) -> Any:
    return build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )


@pytest.mark.parametrize("mode", MODES)
async def test_version_words(server: Any, mode: str) -> None:
    async with Client(server, mode=mode) as client:
        live = await call(
            client, "property-rules-get", {"property_id": "prp_600001", "version": "production"}
        )
        staged = await call(
            client, "property-hostname-list", {"property_id": "prp_600001", "version": "Staging"}
        )
        latest = await call(
            client, "property-rules-get", {"property_id": "prp_600001", "version": "latest"}
        )
        copied = await call(
            client,
            "property-version-create",
            {"property_id": "prp_600001", "base_version": "production"},
        )
        none = await call_error(
            client, "property-rules-get", {"property_id": "prp_600004", "version": "production"}
        )
        bad = await call_error(
            client, "property-rules-get", {"property_id": "prp_600001", "version": "newest"}
        )
    assert (live["version"], staged["version"], latest["version"]) == (2, 3, 3)
    assert copied["base_version"] == 2 and copied["version"] == 4
    assert "`version`" in none.content[0].text and "PRODUCTION" in none.content[0].text
    assert "`version`" in bad.content[0].text


async def test_diff_defaults_to_the_version_before(server: Any) -> None:
    async with Client(server) as client:
        diff = await call(client, "property-version-diff", {"property_id": "prp_600001"})
        live = await call(
            client,
            "property-version-diff",
            {"property_id": "prp_600001", "version_a": "production", "version_b": "staging"},
        )
        first = await call_error(client, "property-version-diff", {"property_id": "prp_600004"})
    assert (diff["version_a"], diff["version_b"]) == (2, 3)
    assert (live["version_a"], live["version_b"]) == (2, 3)
    assert "`version_a`" in first.content[0].text


@pytest.mark.parametrize("mode", MODES)
async def test_contracts_are_searched_when_omitted(server: Any, mode: str) -> None:
    async with Client(server, mode=mode) as client:
        products = await call(client, "product-list", {})
        one = await call(client, "product-list", {"contract_id": "1-5SBXC2"})
        edges = await call(client, "edge-hostname-list", {})
        created = await call(
            client,
            "property-create",
            {
                "property_name": "vocab.example.com",
                "product_id": "Fresca",
                "group_id": "grp_100002",
            },
        )
        ambiguous = await call_error(
            client,
            "property-create",
            {"property_name": "vocab2.example.com", "product_id": "prd_Fresca"},
        )
    offers = {p["product_id"]: p["contract_ids"] for p in products["products"]}
    assert products["contract_id"] is None
    assert offers["prd_Fresca"] == ["ctr_1-5SBXC1", "ctr_1-5SBXC2"]
    assert offers["prd_SPM"] == ["ctr_1-5SBXC1"]
    assert one["contract_id"] == "ctr_1-5SBXC2" and "prd_SPM" not in {
        p["product_id"] for p in one["products"]
    }
    assert edges["contract_id"] is None and edges["total"] >= 1
    assert created["contract_id"] == "ctr_1-5SBXC1" and created["group_id"] == "grp_100002"
    text = ambiguous.content[0].text
    assert "`contract_id`" in text and "ctr_1-5SBXC1" in text and "ctr_1-5SBXC2" in text


async def test_ids_carry_their_prefixes_in_dns_output(server: Any) -> None:
    async with Client(server) as client:
        zones = await call(client, "dns-zone-list", {})
        zone = await call(client, "dns-zone-get", {"zone": "example.com"})
    assert {z["contract_id"] for z in zones["zones"]} == {"ctr_1-5SBXC1"}
    assert zone["zone"]["contract_id"] == "ctr_1-5SBXC1"


async def test_read_only_hides_writes_and_says_so(fresh_sandbox: Any) -> None:
    server = build_server(
        toolsets="all",
        edgerc=fresh_sandbox.edgerc_path,
        section="sandbox",
        warm_up=False,
        read_only=True,
    )
    async with Client(server) as client:
        names = {t.name for t in (await client.list_tools()).tools}
        result = await client.call_tool("property-activation-cancel", {})
    assert "property-activation-cancel" not in names and "property-get" in names
    text = result.content[0].text
    assert result.is_error and "--read-only" in text
    assert text.startswith("property-activation-cancel failed: ")


async def test_type_filters_are_all_called_types(server: Any) -> None:
    async with Client(server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        lists = await call(client, "network-list-list", {"types": "geo"})
        wrong = await client.call_tool("network-list-list", {"type": "GEO"})
    for name in ("network-list-list", "dns-record-list", "dns-zone-list"):
        props = tools[name].input_schema["properties"]
        assert "types" in props and "type" not in props, name
    assert {x["type"] for x in lists["network_lists"]} == {"GEO"}
    assert wrong.is_error and "did you mean `types`?" in wrong.content[0].text


@pytest.mark.parametrize("mode", MODES)
async def test_tools_that_change_a_version_take_latest(
    server: Any, fresh_sandbox: Any, mode: str
) -> None:
    """property-rules-update and property-hostname-update take `latest` (the editable newest
    version); a frozen network's version is refused by the schema, naming `version`."""
    async with Client(server, mode=mode) as client:
        tree = await call(client, "property-rules-get", {"property_id": "prp_600004"})
        rules = await call(
            client,
            "property-rules-update",
            {
                "property_id": "prp_600004",
                "version": "latest",
                "etag": tree["etag"],
                "patch": [{"op": "replace", "path": "/rules/comments", "value": "latest"}],
                "dry_run": True,
            },
        )
        hosts = await call(
            client,
            "property-hostname-update",
            {
                "property_id": "prp_600004",
                "version": "Latest",
                "add": [
                    {"hostname": "new.example.com", "edge_hostname": "www.example.com.edgekey.net"}
                ],
                "dry_run": True,
            },
        )
        frozen = await call_error(
            client,
            "property-hostname-update",
            {"property_id": "prp_600004", "version": "production", "remove": ["x.example.com"]},
        )
    assert rules["version"] == tree["version"] and rules["dry_run"] is True
    assert hosts["dry_run"] is True and hosts["target"]["version"] == tree["version"]
    assert [c["target"] for c in hosts["changes"]] == ["new.example.com"]
    assert "`version`" in frozen.content[0].text
    assert fresh_sandbox.admin.counters()["writes_total"] == 0

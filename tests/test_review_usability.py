"""What people and assistants type, through a real MCP client against the sandbox.

IDs typed as numbers, lower-case networks, one value where a list is expected, JSON Pointers in
the rule outline, readable diffs, hostname changes that say exactly what changed, blank DNS
names refused before a write, digits that are not ASCII refused without a crash, CP codes out
of range, honest annotations. The sandbox's admin counters prove what was (not) sent.
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from papi_support import call, call_error

from alecs.server import build_server

LIVE = "prp_600001"  # seeded: www.example.com, v3 on staging, v2 on production
DRAFT = "prp_600004"  # seeded: never activated, valid rules and a hostname
HOSTNAMES = "/papi/v1/properties/{propertyId}/versions/{propertyVersion}/hostnames"
EDGE_HOSTNAMES = "POST /papi/v1/edgehostnames"


@pytest.fixture
def server(fresh_sandbox: Any) -> Any:
    return build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )


def _text(result: Any) -> str:
    return str(result.content[0].text)


async def test_numeric_ids_lower_case_networks_and_single_values(
    server: Any, fresh_sandbox: Any
) -> None:
    async with Client(server) as client:
        prop = await call(client, "property-get", {"property_id": 600001})
        listed = await call(client, "property-list", {"group_id": 100002})
        cpcodes = await call(
            client, "cpcode-list", {"contract_id": "ctr_1-5SBXC1", "group_id": 100002}
        )
        history = await call(
            client, "property-activation-list", {"property_id": 600001, "network": "staging"}
        )
        activation = await call(
            client,
            "property-activate",
            {
                "property_id": 600004,
                "network": "staging",
                "notify_emails": "noc@example.com",
                "wait": False,
            },
        )
        checked = await call(
            client,
            "property-activation-get",
            {"property_id": 600004, "activation_id": int(activation["activation_id"][4:])},
        )
    assert prop["property"]["property_id"] == LIVE
    assert {p["property_id"] for p in listed["properties"]} >= {LIVE}
    assert cpcodes["group_ids"] == ["grp_100002"]
    assert history["activations"] and {a["network"] for a in history["activations"]} == {"STAGING"}
    assert activation["network"] == "STAGING"
    assert activation["activation"]["notify_emails"] == ["noc@example.com"]
    assert checked["activation_id"] == activation["activation_id"]


async def test_outline_pointers_address_rules_for_json_patch(server: Any) -> None:
    async with Client(server) as client:
        version = (await call(client, "property-version-create", {"property_id": LIVE}))["version"]
        tree = await call(client, "property-rules-get", {"property_id": LIVE, "version": version})
        pointers = {o["path"]: o["pointer"] for o in tree["outline"]}
        css = pointers["default/Offload/CSS and JavaScript"]
        outline = next(o for o in tree["outline"] if o["pointer"] == css)
        ttl = f"{css}/behaviors/{outline['behaviors'].index('caching')}/options/ttl"
        await call(
            client,
            "property-rules-update",
            {
                "property_id": LIVE,
                "version": version,
                "etag": tree["etag"],
                "patch": [{"op": "replace", "path": ttl, "value": "1d"}],
            },
        )
        diff = await client.call_tool(
            "property-version-diff",
            {"property_id": LIVE, "version_a": version - 1, "version_b": version},
        )
        listing = await client.call_tool("property-rules-get", {"property_id": LIVE})
    assert pointers["default"] == "/rules"
    assert css == "/rules/children/1/children/0"
    assert diff.structured_content["changes"][0]["after"]["ttl"] == "1d"
    # the readable text says what changed inside the behavior, not only that it changed
    assert "caching changed (ttl: '7d' -> '1d')" in _text(diff)
    assert "default/Offload/CSS and JavaScript (/rules/children/1/children/0)" in _text(listing)


async def test_hostname_update_refuses_absent_removals_and_reports_repointing(
    server: Any, fresh_sandbox: Any
) -> None:
    async with Client(server) as client:
        version = (await call(client, "property-version-create", {"property_id": LIVE}))["version"]
        before = fresh_sandbox.admin.route_count(f"PATCH {HOSTNAMES}")
        refused = await call_error(
            client,
            "property-hostname-update",
            {
                "property_id": LIVE,
                "version": version,
                "add": [{"hostname": "shop.example.com", "edge_hostname": "ehn_500001"}],
                "remove": ["typo.example.com"],
            },
        )
        sent = fresh_sandbox.admin.route_count(f"PATCH {HOSTNAMES}") - before
        updated = await call(
            client,
            "property-hostname-update",
            {
                "property_id": LIVE,
                "version": version,
                "add": [
                    {"hostname": "shop.example.com", "edge_hostname": 500001},
                    {"hostname": "WWW.example.com", "edge_hostname": "ehn_500001"},
                ],
                "remove": "example.com",
            },
        )
    text = _text(refused)
    assert "Invalid value for `remove`" in text and "typo.example.com" in text
    assert "nothing was changed" in text and "www.example.com" in text  # the choices
    assert sent == 0
    assert updated["added"] == ["shop.example.com"]
    assert updated["replaced"] == ["www.example.com"]
    assert updated["removed"] == ["example.com"]
    assert {h["cname_from"] for h in updated["hostnames"]} == {
        "www.example.com",
        "shop.example.com",
    }


async def test_enhanced_tls_edge_hostname_needs_an_enrollment_before_sending(
    server: Any, fresh_sandbox: Any
) -> None:
    async with Client(server) as client:
        text = _text(
            await call_error(
                client,
                "edge-hostname-create",
                {"domain_prefix": "new.example.com", "product_id": "Fresca", "group_id": 100002},
            )
        )
    assert "Invalid value for `cert_enrollment_id`" in text
    assert "certificate-enrollment-list" in text
    assert fresh_sandbox.admin.route_count(EDGE_HOSTNAMES) == 0


@pytest.mark.parametrize("tool", ["dns-record-upsert", "dns-record-delete"])
async def test_blank_dns_record_name_never_touches_the_apex(
    server: Any, fresh_sandbox: Any, tool: str
) -> None:
    args: dict[str, Any] = {"zone": "example.com", "name": "  ", "type": "A", "confirm": True}
    if tool == "dns-record-upsert":
        args = {k: v for k, v in args.items() if k != "confirm"} | {"rdata": "192.0.2.99"}
    async with Client(server) as client:
        text = _text(await call_error(client, tool, args))
        apex = await call(
            client, "dns-record-get", {"zone": "example.com", "name": "@", "type": "A"}
        )
    assert "Invalid value for `name`" in text and "'@' for the zone apex" in text
    assert fresh_sandbox.admin.writes() == 0
    assert apex["record_set"]["rdata"] != ["192.0.2.99"]


async def test_dns_single_values_and_type_checks(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server) as client:
        created = await client.call_tool(
            "dns-record-upsert",
            {"zone": "example.com", "name": "long", "type": "TXT", "rdata": "x" * 600},
        )
        listed = await call(client, "dns-record-list", {"zone": "example.com", "types": "mx"})
        zones = await call(client, "dns-zone-list", {"types": ["primary"]})
        bad_type = _text(
            await call_error(client, "dns-record-list", {"zone": "example.com", "types": ["FOO"]})
        )
    assert not created.is_error
    assert created.structured_content["action"] == "created"
    assert "characters)" in _text(created) and len(_text(created)) < 400  # value shortened
    assert {r["type"] for r in listed["record_sets"]} == {"MX"}
    assert {z["type"] for z in zones["zones"]} == {"PRIMARY"}
    assert "Invalid value for `types[0]`" in bad_type and "CNAME" in bad_type


async def test_non_ascii_digits_and_huge_cp_codes_are_input_errors(
    server: Any, fresh_sandbox: Any
) -> None:
    async with Client(server) as client:
        superscript = _text(await call_error(client, "purge-invalidate", {"cpcodes": ["1²"]}))
        huge = _text(
            await call_error(client, "purge-invalidate", {"cpcodes": [99999999999999999999]})
        )
        srv = _text(
            await call_error(
                client,
                "dns-record-upsert",
                {
                    "zone": "example.com",
                    "name": "_sip._tcp",
                    "type": "SRV",
                    "rdata": ["10 60 5²060 sip.example.com"],
                },
            )
        )
        group = _text(
            await call_error(
                client, "dns-zone-create", {"zone": "new.example.net", "group_id": "grp_1²"}
            )
        )
        cidr = _text(
            await call_error(
                client,
                "network-list-update-elements",
                {"network_list_id": "1024_BLOCKLIST", "add": ["10.0.0.0/2²"]},
            )
        )
        single = await call(client, "purge-invalidate", {"cpcodes": 1000001, "network": "staging"})
    assert "Invalid value for `cpcodes`" in superscript
    assert "Invalid value for `cpcodes`" in huge
    assert "Invalid value for `rdata[0]`" in srv
    assert "Invalid value for `group_id`" in group
    assert "not valid for an IP list" in cidr
    assert single["objects"] == 1 and single["network"] == "STAGING"
    assert fresh_sandbox.admin.writes() == 1  # only the valid purge


async def test_network_list_single_element(server: Any) -> None:
    async with Client(server) as client:
        changed = await call(
            client,
            "network-list-update-elements",
            {"network_list_id": "Blocked IPs", "add": "203.0.113.99"},
        )
    assert changed["added"] == ["203.0.113.99"]


async def test_cps_contract_lookup_failure_shows_akamais_answer(server: Any) -> None:
    async with Client(server) as client:
        text = _text(
            await call_error(
                client, "certificate-enrollment-list", {"account_switch_key": "NOPE:1"}
            )
        )
    assert "403" in text and "not valid" in text
    assert "AkamaiApiError" not in text


async def test_annotations_mark_replacing_writes_destructive(server: Any) -> None:
    async with Client(server) as client:
        tools = {t.name: t.annotations for t in (await client.list_tools()).tools}
    for name in ("property-rules-update", "property-hostname-update", "dns-record-upsert"):
        hints = tools[name]
        assert hints is not None
        assert (hints.read_only_hint, hints.destructive_hint) == (False, True), name
    assert tools["dns-record-upsert"].idempotent_hint is True


async def test_explicit_nulls_and_limits_keep_their_wording(server: Any) -> None:
    async with Client(server) as client:
        listed = await call(client, "property-list", {"contract_id": None, "group_id": None})
        codes = await call(client, "cpcode-list", {"contract_id": "ctr_1-5SBXC1", "group_id": None})
        purged = await call(
            client,
            "purge-invalidate",
            {"urls": None, "tags": None, "cpcodes": [1000001], "network": "STAGING"},
        )
        records = await call(client, "dns-record-list", {"zone": "example.com", "types": None})
        empty_id = _text(await call_error(client, "property-get", {"property_id": ""}))
        no_emails = _text(
            await call_error(
                client, "property-activate", {"property_id": DRAFT, "notify_emails": []}
            )
        )
        too_many = _text(
            await call_error(client, "purge-invalidate", {"cpcodes": list(range(1, 302))})
        )
    assert listed["total"] >= 1 and codes["cpcodes"] and purged["objects"] == 1
    assert records["total"] >= 1
    assert "`property_id`: String should have at least 1 character" in empty_id
    assert "`notify_emails`: List should have at least 1 item" in no_emails
    assert "`cpcodes`: List should have at most 300 items" in too_many


async def test_edge_hostname_and_cpcode_lists_are_paged(server: Any) -> None:
    contract = {"contract_id": "ctr_1-5SBXC1"}
    async with Client(server) as client:
        codes = await call(client, "cpcode-list", {**contract, "limit": 2})
        rest = await call(client, "cpcode-list", {**contract, "limit": 2, "offset": 2})
        ehn = await client.call_tool(
            "edge-hostname-list", {**contract, "name_contains": "EXAMPLE.COM", "limit": 1}
        )
    assert len(codes["cpcodes"]) == 2 and codes["total"] >= 3 and codes["next_offset"] == 2
    ids = {c["cpcode_id"] for c in codes["cpcodes"]}
    assert ids.isdisjoint({c["cpcode_id"] for c in rest["cpcodes"]})
    out = ehn.structured_content
    assert len(out["edge_hostnames"]) == 1 and out["total"] >= 2  # seeded: several
    assert out["next_offset"] == 1 and "more: offset=1" in _text(ehn)


async def test_empty_name_search_points_to_partial_matching(server: Any) -> None:
    async with Client(server) as client:
        found = await client.call_tool("property-search", {"property_name": "www"})
    assert not found.is_error and found.structured_content["hits"] == []
    assert "property-list with name_contains" in _text(found)

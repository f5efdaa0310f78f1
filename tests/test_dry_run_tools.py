"""dry_run on every write tool, through a real MCP client against the sandbox.

For each write tool: the dry run commits nothing (the sandbox's admin counters show no applied
write and no state-changing request), and its plan matches what the real call then does.
Confirmations show the plan; a dry run never asks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from dns_cps_support import CONTACT, ORG, TECH
from mcp import Client
from mcp.types import ElicitResult

from alecs.server import build_server
from alecs.tools.dryrun import declares_dry_run
from alecs.tools.registry import REGISTRY

MODES = ["legacy", "auto"]
READ_POSTS = {"POST /papi/v1/search/find-by-value"}
EMAILS = ["ops@example.com"]

Check = Callable[[Any, dict[str, Any], dict[str, Any]], Awaitable[None] | None]


@pytest.fixture
def server(fresh_sandbox: Any, tmp_path: Any) -> Any:
    return build_server(
        edgerc=fresh_sandbox.edgerc_path,
        section="sandbox",
        warm_up=False,
        toolsets="all",
        audit_log=tmp_path / "audit.jsonl",
    )


def state_changing_requests(sandbox: Any) -> dict[str, int]:
    routes = sandbox.admin.counters()["routes"]
    return {
        key: entry["count"]
        for key, entry in routes.items()
        if not key.startswith(("GET ", "HEAD ")) and key not in READ_POSTS and entry["count"]
    }


async def dry(client: Client, sandbox: Any, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """A dry run that must succeed and commit nothing; returns the plan."""
    writes = sandbox.admin.counters()["writes_total"]
    before = state_changing_requests(sandbox)
    result = await client.call_tool(name, {**args, "dry_run": True})
    assert not result.is_error, f"{name} dry run: {result.content[0].text}"
    plan = result.structured_content
    assert plan is not None and plan["dry_run"] is True
    assert result.content[0].text.startswith("Dry run, nothing was changed.")
    assert sandbox.admin.counters()["writes_total"] == writes, f"{name}: the dry run wrote"
    assert state_changing_requests(sandbox) == before, f"{name}: the dry run sent a write"
    return plan


async def real(client: Client, name: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(name, args)
    assert not result.is_error, f"{name}: {result.content[0].text}"
    assert result.structured_content is not None
    assert "dry_run" not in result.structured_content or not result.structured_content["dry_run"]
    return result.structured_content


def by_action(plan: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for change in plan["changes"]:
        out.setdefault(change["action"], []).append(change["target"])
    return out


# --------------------------------------------------------------------------- every write tool


async def test_every_write_tool_accepts_dry_run(server: Any) -> None:
    async with Client(server) as client:
        tools = (await client.list_tools()).tools
    writes = [t for t in tools if not t.annotations.read_only_hint]
    assert len(writes) >= 20
    own = {s.name for s in REGISTRY.specs() if s.writes and declares_dry_run(s.fn)}
    assert "property-rules-update" in own  # PAPI's own dry run, its own output model
    for t in writes:
        assert "dry_run" in t.input_schema["properties"], t.name
        assert t.input_schema["properties"]["dry_run"]["type"] == "boolean"
        if t.name not in own:
            refs = [a.get("$ref", "") for a in t.output_schema.get("anyOf", [])]
            assert t.output_schema["type"] == "object", t.name
            assert any(r.endswith("/WritePlan") for r in refs), t.name
    for t in tools:
        if t.annotations.read_only_hint:
            assert "dry_run" not in t.input_schema["properties"], t.name


async def test_dns_record_upsert_and_delete(server: Any, fresh_sandbox: Any) -> None:
    args = {"zone": "example.com", "name": "shop", "type": "A", "rdata": ["192.0.2.40"]}
    async with Client(server) as client:
        plan = await dry(client, fresh_sandbox, "dns-record-upsert", args)
        done = await real(client, "dns-record-upsert", args)
        assert plan["changes"][0]["action"] == "create" and done["action"] == "created"
        assert plan["changes"][0]["after"] == done["record_set"]
        assert plan["details"]["soa_serial_before"] == done["soa_serial_before"]
        assert plan["details"]["soa_serial_after"] == done["soa_serial_after"]

        delete = {"zone": "example.com", "name": "shop", "type": "A", "confirm": True}
        plan = await dry(client, fresh_sandbox, "dns-record-delete", delete)
        done = await real(client, "dns-record-delete", delete)
        assert plan["changes"][0]["before"] == done["deleted"]
        assert plan["details"]["soa_serial_after"] == done["soa_serial_after"]

        clash = await dry(client, fresh_sandbox, "dns-record-upsert", {**args, "name": "www"})
        assert clash["errors"] and not clash["would_change"]  # www is a CNAME
        refused = await client.call_tool("dns-record-upsert", {**args, "name": "www"})
        assert refused.is_error and "409" in refused.content[0].text


async def test_dns_zone_create(server: Any, fresh_sandbox: Any) -> None:
    args = {"zone": "new.example", "contract_id": "ctr_1-5SBXC1", "group_id": "grp_100002"}
    async with Client(server) as client:
        plan = await dry(client, fresh_sandbox, "dns-zone-create", args)
        assert plan["target"]["contract_id"] == "ctr_1-5SBXC1"
        assert plan["details"]["already_exists"] is False
        done = await real(client, "dns-zone-create", args)
        assert done["zone"]["zone"] == plan["target"]["zone"] == "new.example"
        again = await dry(client, fresh_sandbox, "dns-zone-create", args)
    assert again["details"]["already_exists"] is True and again["errors"]


async def test_network_list_tools(server: Any, fresh_sandbox: Any) -> None:
    update = {
        "network_list_id": "1024_BLOCKLIST",
        "add": ["192.0.2.66", "192.0.2.200"],
        "remove": ["203.0.113.7"],
    }
    async with Client(server) as client:
        plan = await dry(client, fresh_sandbox, "network-list-update-elements", update)
        done = await real(client, "network-list-update-elements", update)
        assert plan["details"]["added"] == done["added"] == ["192.0.2.200"]
        assert plan["details"]["removed"] == done["removed"] == ["203.0.113.7"]
        assert plan["details"]["already_present"] == done["already_present"] == ["192.0.2.66"]
        assert plan["details"]["resulting_count"] == done["element_count"]

        create = {"name": "Partners", "type": "IP", "elements": ["192.0.2.1"]}
        plan = await dry(client, fresh_sandbox, "network-list-create", create)
        created = await real(client, "network-list-create", create)
        assert plan["target"]["name"] == created["name"]
        assert plan["details"]["resulting_count"] == 1

        delete = {"network_list_id": created["network_list_id"], "confirm": True}
        plan = await dry(client, fresh_sandbox, "network-list-delete", delete)
        assert plan["errors"] == [] and plan["would_change"]
        await real(client, "network-list-delete", delete)
        active = {"network_list_id": "2048_ALLOWGEO", "confirm": True}
        plan = await dry(client, fresh_sandbox, "network-list-delete", active)
        assert plan["errors"] and not plan["would_change"]
        refused = await client.call_tool("network-list-delete", active)
        assert refused.is_error  # Akamai's 409, as the plan said

        activate = {
            "network_list_id": "1024_BLOCKLIST",
            "network": "STAGING",
            "wait": False,
        }
        plan = await dry(client, fresh_sandbox, "network-list-activate", activate)
        done = await real(client, "network-list-activate", activate)
        assert plan["details"]["sync_point"] == done["sync_point"]


@pytest.mark.parametrize("tool", ["purge-invalidate", "purge-delete"])
async def test_purges(server: Any, fresh_sandbox: Any, tool: str) -> None:
    urls = [f"https://www.example.com/p/{i}/" + "x" * 200 for i in range(300)]
    args = {"urls": urls, "network": "STAGING"}
    async with Client(server) as client:
        plan = await dry(client, fresh_sandbox, tool, args)
        done = await real(client, tool, args)
    assert plan["details"]["requests"] == len(plan["requests"]) == len(done["purge_ids"]) == 2
    assert plan["details"]["objects"] == done["objects"] == 300
    assert plan["details"]["object_tokens"] == 300 and plan["details"]["request_tokens"] == 2


async def test_property_activate_and_deactivate(server: Any, fresh_sandbox: Any) -> None:
    args = {
        "property_id": "prp_600001",
        "version": 3,
        "network": "PRODUCTION",
        "notify_emails": EMAILS,
        "wait": False,
        "confirm": True,
    }
    async with Client(server) as client:
        plan = await dry(client, fresh_sandbox, "property-activate", args)
        assert plan["details"]["active_version"] == 2 and plan["details"]["version"] == 3
        assert plan["details"]["rule_diff_summary"]
        assert any(
            c["name"] == "httpStrictTransportSecurity" for c in plan["details"]["rule_changes"]
        )
        assert plan["errors"] == [] and isinstance(plan["details"]["rule_warnings"], list)
        done = await real(client, "property-activate", args)
        assert done["activation"]["property_version"] == plan["details"]["version"]
        assert done["activation"]["network"] == "PRODUCTION"
        again = await dry(client, fresh_sandbox, "property-activate", args)
        assert any("a real call follows it" in w for w in again["warnings"])
        assert again["details"]["pending_activation"] == done["activation"]["activation_id"]
        assert again["requests"] == [] and not again["would_change"]
        other = await dry(client, fresh_sandbox, "property-activate", {**args, "version": 2})
        assert any("PAPI accepts one at a time" in e for e in other["errors"])

        off = {"property_id": "prp_600001", "network": "STAGING", "notify_emails": EMAILS}
        plan = await dry(client, fresh_sandbox, "property-deactivate", {**off, "wait": False})
        done = await real(client, "property-deactivate", {**off, "wait": False})
        assert plan["changes"][0]["action"] == "deactivate"
        assert done["activation"]["property_version"] == plan["details"]["version"] == 3


async def test_property_activation_cancel(server: Any, fresh_sandbox: Any) -> None:
    start = {
        "property_id": "prp_600002",
        "network": "STAGING",
        "notify_emails": EMAILS,
        "wait": False,
    }
    async with Client(server) as client:
        started = await real(client, "property-activate", start)
        cancel = {
            "property_id": "prp_600002",
            "activation_id": started["activation_id"],
            "network": "STAGING",
            "confirm": True,
        }
        plan = await dry(client, fresh_sandbox, "property-activation-cancel", cancel)
        assert plan["changes"][0]["action"] == "cancel" and plan["errors"] == []
        assert plan["changes"][0]["after"] == "ABORTED"
        done = await real(client, "property-activation-cancel", cancel)
        assert done["status"] == plan["changes"][0]["after"]
        assert done["version"] == plan["details"]["version"]


async def test_property_create_version_hostnames_delete(server: Any, fresh_sandbox: Any) -> None:
    create = {
        "property_name": "new.example.com",
        "product_id": "prd_Fresca",
        "contract_id": "ctr_1-5SBXC1",
        "group_id": "grp_100002",
    }
    async with Client(server) as client:
        plan = await dry(client, fresh_sandbox, "property-create", create)
        made = await real(client, "property-create", create)
        for key in ("property_name", "contract_id", "group_id", "product_id"):
            assert plan["target"][key] == made[key], key
        again = await dry(client, fresh_sandbox, "property-create", create)
        assert again["details"]["already_exists"] and again["errors"]

        version = {"property_id": "prp_600001"}
        plan = await dry(client, fresh_sandbox, "property-version-create", version)
        v = await real(client, "property-version-create", version)
        assert plan["details"]["new_version"] == v["version"] == 4

        hosts = {
            "property_id": "prp_600001",
            "version": 4,
            "add": [
                {"hostname": "new.example.com", "edge_hostname": "ehn_500001"},
                {"hostname": "example.com", "edge_hostname": "api.example.com.edgekey.net"},
            ],
            "remove": ["www.example.com"],
        }
        plan = await dry(client, fresh_sandbox, "property-hostname-update", hosts)
        done = await real(client, "property-hostname-update", hosts)
        actions = by_action(plan)
        assert actions["add"] == done["added"] == ["new.example.com"]
        assert actions["repoint"] == done["replaced"] == ["example.com"]
        assert actions["remove"] == done["removed"] == ["www.example.com"]
        targets = {c["target"]: c["after"] for c in plan["changes"] if c["after"]}
        assert {h["cname_from"]: h["cname_to"] for h in done["hostnames"]} == targets

        delete = {"property_id": made["property_id"], "confirm": True}
        plan = await dry(client, fresh_sandbox, "property-delete", delete)
        assert plan["errors"] == [] and plan["would_change"]
        await real(client, "property-delete", delete)
        live = await dry(
            client, fresh_sandbox, "property-delete", {**delete, "property_id": "prp_600001"}
        )
        assert len(live["errors"]) == 2 and live["requests"] == []


async def test_property_rules_update_dry_run_is_papis_own(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server) as client:
        version = await real(client, "property-version-create", {"property_id": "prp_600001"})
        writes = fresh_sandbox.admin.counters()["writes_total"]
        tree = await real(
            client,
            "property-rules-get",
            {"property_id": "prp_600001", "version": version["version"]},
        )
        patch = [{"op": "replace", "path": "/rules/comments", "value": "checked, not saved"}]
        args = {
            "property_id": "prp_600001",
            "version": version["version"],
            "etag": tree["etag"],
            "patch": patch,
        }
        result = await client.call_tool("property-rules-update", {**args, "dry_run": True})
        assert not result.is_error and result.structured_content["dry_run"] is True
        assert fresh_sandbox.admin.counters()["writes_total"] == writes  # PAPI saved nothing
        saved = await real(client, "property-rules-update", args)
    assert saved["dry_run"] is False
    assert fresh_sandbox.admin.counters()["writes_total"] == writes + 1


async def test_edge_hostname_and_cpcode_create(server: Any, fresh_sandbox: Any) -> None:
    ehn = {
        "domain_prefix": "n.example.com",
        "domain_suffix": "edgesuite.net",
        "product_id": "prd_Fresca",
        "contract_id": "ctr_1-5SBXC1",
        "group_id": "grp_100002",
    }
    cp = {
        "cpcode_name": "new cp",
        "product_id": "prd_Fresca",
        "contract_id": "ctr_1-5SBXC1",
        "group_id": "grp_100002",
    }
    async with Client(server) as client:
        plan = await dry(client, fresh_sandbox, "edge-hostname-create", ehn)
        made = await real(client, "edge-hostname-create", ehn)
        assert plan["target"]["edge_hostname"] == made["edge_hostname_domain"]
        again = await dry(client, fresh_sandbox, "edge-hostname-create", ehn)
        assert again["details"]["existing_ids"] == [made["edge_hostname_id"]]

        plan = await dry(client, fresh_sandbox, "cpcode-create", cp)
        made = await real(client, "cpcode-create", cp)
        assert plan["target"]["cpcode_name"] == made["cpcode_name"]
        assert plan["target"]["contract_id"] == made["contract_id"]
        again = await dry(client, fresh_sandbox, "cpcode-create", cp)
        assert again["details"]["existing_ids"] == [made["cpcode_id"]]


async def test_certificate_tools(server: Any, fresh_sandbox: Any) -> None:
    create = {
        "common_name": "shop.example.com",
        "sans": ["img.example.com"],
        "admin_contact": CONTACT,
        "tech_contact": TECH,
        "org": ORG,
        "contract_id": "ctr_1-5SBXC1",
    }
    async with Client(server) as client:
        plan = await dry(client, fresh_sandbox, "certificate-dv-enrollment-create", create)
        made = await real(client, "certificate-dv-enrollment-create", create)
        assert plan["target"]["common_name"] == made["common_name"]
        assert sorted(plan["changes"][0]["after"]["sans"]) == sorted(made["sans"])

        delete = {"enrollment_id": made["enrollment_id"], "confirm": True}
        plan = await dry(client, fresh_sandbox, "certificate-enrollment-delete", delete)
        assert plan["errors"]  # the new enrollment's change is pending
        refused = await client.call_tool("certificate-enrollment-delete", delete)
        assert refused.is_error
        delete["cancel_pending_changes"] = True
        plan = await dry(client, fresh_sandbox, "certificate-enrollment-delete", delete)
        assert plan["errors"] == [] and plan["details"]["cancels_pending_changes"]
        await real(client, "certificate-enrollment-delete", delete)


# --------------------------------------------------------------------------- confirmations


@pytest.mark.parametrize("mode", MODES)
async def test_confirmation_shows_the_plan_and_dry_run_never_asks(
    server: Any, fresh_sandbox: Any, mode: str
) -> None:
    asked: list[str] = []

    async def decline(context: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action="decline")

    args = {"zone": "example.com", "name": "www", "type": "CNAME"}
    async with Client(server, mode=mode, elicitation_callback=decline) as client:
        plan = await dry(client, fresh_sandbox, "dns-record-delete", args)
        assert asked == []  # a dry run is never confirmed
        result = await client.call_tool("dns-record-delete", args)
    assert result.is_error and "declined" in result.content[0].text
    assert len(asked) == 1
    assert "Delete the CNAME record set www.example.com" in asked[0]
    assert plan["operation"] in asked[0]
    assert "www.example.com.edgekey.net" in asked[0]  # what would go
    assert fresh_sandbox.admin.counters()["writes_total"] == 0


async def test_confirm_argument_error_carries_the_plan(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server) as client:
        result = await client.call_tool(
            "property-activate",
            {"property_id": "prp_600001", "network": "PRODUCTION", "notify_emails": EMAILS},
        )
    text = result.content[0].text
    assert result.is_error and "Confirmation required" in text
    assert "Plan: activate prp_600001 (www.example.com) v3 on PRODUCTION" in text
    assert "v2 -> v3" in text
    assert fresh_sandbox.admin.counters()["writes_total"] == 0

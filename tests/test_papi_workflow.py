"""The Property Manager workflow through a real MCP client against the sandbox.

create property -> create version -> update rules -> add hostname -> activate on staging (with
progress notifications, ends ACTIVE) -> activation list -> diff two versions; on both protocol
generations (legacy 2025-11-25 and auto 2026-07-28).
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from papi_support import ACTIVATIONS, EDGE_HOSTNAME, call, run_workflow

from alecs.server import build_server

MODES = ["legacy", "auto"]


@pytest.fixture
def server(fresh_sandbox: Any) -> Any:
    return build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )


@pytest.mark.parametrize("mode", MODES)
async def test_full_workflow_ends_active_on_staging(
    server: Any, fresh_sandbox: Any, mode: str
) -> None:
    async with Client(server, mode=mode) as client:
        out = await run_workflow(client, name="shop.example.com")
        pid = out["created"]["property_id"]
        detail = await call(client, "property-get", {"property_id": "shop.example.com"})

    # create + version
    assert pid.startswith("prp_") and out["created"]["version"] == 1
    assert out["created"]["contract_id"] == "ctr_1-5SBXC1"  # looked up from the group
    assert out["version"] == {"property_id": pid, "version": 2, "base_version": 1}

    # the template tree is incomplete: PAPI's errors say what is missing
    assert len(out["rules_before"]["errors"]) == 2
    assert any("Origin Server" in e for e in out["rules_before"]["errors"])

    # update: a new etag, no errors left
    update = out["rules_update"]
    assert update["previous_etag"] == out["rules_before"]["etag"]
    assert update["etag"] and update["etag"] != update["previous_etag"]
    assert update["errors"] == [] and update["warnings"] == []

    # hostname
    hosts = out["hostnames"]
    assert hosts["added"] == ["shop.example.com"]
    assert [(h["cname_from"], h["cname_to"]) for h in hosts["hostnames"]] == [
        ("shop.example.com", EDGE_HOSTNAME)
    ]

    # activation: waited with progress until ACTIVE
    activation = out["activation"]
    assert activation["status"] == "ACTIVE" and activation["finished"] is True
    assert activation["network"] == "STAGING" and activation["version"] == 2
    assert activation["activation_id"].startswith("atv_")
    progress = out["progress"]
    assert progress[0][0] == 0 and "submitted" in progress[0][2]
    assert progress[-1][0] == 100 and "ACTIVE" in progress[-1][2]
    assert all(p[1] == 100 for p in progress)
    assert [p[0] for p in progress] == sorted(p[0] for p in progress)
    assert fresh_sandbox.admin.route_count(ACTIVATIONS, status=201) == 1

    # activation list and the property now show v2 on staging
    listed = out["activations"]["activations"]
    assert listed[0]["activation_id"] == activation["activation_id"]
    assert (listed[0]["status"], listed[0]["property_version"]) == ("ACTIVE", 2)
    assert detail["property"]["staging_version"] == 2
    assert detail["staging"]["staging_status"] == "ACTIVE"
    assert detail["property"]["production_version"] is None

    # diff v1 -> v2: what the update changed, by rule path
    diff = out["diff"]
    changes = {(c["path"], c["kind"], c["name"], c["change"]) for c in diff["changes"]}
    assert ("default", "behavior", "origin", "changed") in changes
    assert ("default", "behavior", "cpCode", "changed") in changes
    assert ("default/Images", "rule", "Images", "added") in changes
    assert ("default/Images", "behavior", "caching", "added") in changes
    assert ("default/Images", "criterion", "fileExtension", "added") in changes
    assert diff["identical"] is False and diff["counts"]["added"] == 3
    origin = next(c for c in diff["changes"] if c["name"] == "origin")
    assert origin["before"]["hostname"] == ""
    assert origin["after"]["hostname"] == "origin-shop.example.com"


async def test_versions_rules_outline_and_hostnames(server: Any) -> None:
    async with Client(server, mode="legacy") as client:
        versions = await call(client, "property-version-list", {"property_id": "prp_600001"})
        outline = await call(client, "property-rules-get", {"property_id": "600001"})
        one_rule = await call(
            client,
            "property-rules-get",
            {"property_id": "prp_600001", "version": 3, "rule_path": "default/Offload"},
        )
        hosts = await call(client, "property-hostname-list", {"property_id": "www.example.com"})
        search = await call(client, "property-search", {"hostname": "https://example.com/"})
        unchanged = await call(
            client, "property-version-diff", {"property_id": "prp_600001", "version_a": 3}
        )
    assert [v["property_version"] for v in versions["versions"]] == [3, 2, 1]
    assert versions["versions"][0]["staging_status"] == "ACTIVE"
    assert versions["versions"][1]["production_status"] == "ACTIVE"
    assert outline["version"] == 3 and outline["rules"] is None  # summary by default
    paths = [o["path"] for o in outline["outline"]]
    assert "default/Offload/CSS and JavaScript" in paths
    assert one_rule["rules"]["name"] == "Offload"
    assert {h["cname_from"] for h in hosts["hostnames"]} == {"www.example.com", "example.com"}
    assert {h["property_id"] for h in search["hits"]} == {"prp_600001"}
    assert unchanged["identical"] is True and unchanged["changes"] == []

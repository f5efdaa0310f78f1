"""The Property Manager client against the sandbox, and the pieces below the tools.

Scaled time (activations PENDING until the sandbox clock passes their delay, Retry-After),
version pagination, etag rules (quoted If-Match, createFromVersionEtag), activation checks
(hostnames, warnings), PAPI-Use-Prefixes, JSON Patch semantics and the rule tree diff.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from alecs.akamai.papi import PapiClient, diff_rule_trees
from alecs.sandbox.papi_rules import PatchError, apply_json_patch
from alecs.transport import Transport
from alecs.transport.errors import AkamaiApiError

VERSIONS = "GET /papi/v1/properties/{propertyId}/versions"


async def test_activations_follow_the_sandbox_clock(sandbox_factory: Any) -> None:
    sb = sandbox_factory(
        rate_limits=False, operation_delays={"papi.activation": 600, "papi.edgehostname": 600}
    )
    async with Transport([sb.credentials("sandbox")]) as transport:
        papi = PapiClient(transport, "sandbox")
        v4 = await papi.create_version("prp_600001", 3)
        aid = await papi.activate("prp_600001", v4, "STAGING", notify_emails=["a@example.com"])
        pending = await papi.get_activation("prp_600001", aid)
        version = await papi.get_version("prp_600001", v4)
        before = await papi.get_property("prp_600001")
        ehn = await papi.create_edge_hostname(
            "ctr_1-5SBXC1",
            "grp_100002",
            product_id="prd_Fresca",
            domain_prefix="clock.example.com",
            domain_suffix="edgesuite.net",
            ip_version_behavior="IPV4",
        )
        new_ehn = await papi.get_edge_hostname(ehn, "ctr_1-5SBXC1", "grp_100002")

        sb.admin.advance_clock(601)
        done = await papi.get_activation("prp_600001", aid)
        after = await papi.get_property("prp_600001")
        versions = {v.property_version: v for v in await papi.list_versions("prp_600001")}
        on_staging = await papi.latest_version("prp_600001", "STAGING")
        ready_ehn = await papi.get_edge_hostname(ehn, "ctr_1-5SBXC1", "grp_100002")

    assert pending.status == "PENDING" and 590 <= (pending.retry_after_s or 0) <= 600
    assert version.staging_status == "PENDING"
    assert before.staging_version == 3  # still the old one while pending
    assert new_ehn.status == "PENDING"
    assert done.status == "ACTIVE" and done.retry_after_s is None
    assert done.fallback_info and done.fallback_info["fallbackVersion"] == 3
    assert after.staging_version == v4 and after.production_version == 2
    assert versions[v4].staging_status == "ACTIVE"
    assert versions[3].staging_status == "INACTIVE"
    assert on_staging == v4
    assert ready_ehn.status is None


async def test_version_lists_follow_pages(fresh_sandbox: Any, sandbox_credentials: Any) -> None:
    async with Transport([sandbox_credentials]) as transport:
        papi = PapiClient(transport, "sandbox")
        versions = await papi.list_versions("prp_600001", page_size=1)
        limited = await papi.list_versions("prp_600001", limit=2, page_size=1)
    assert [v.property_version for v in versions] == [3, 2, 1]
    assert [v.property_version for v in limited] == [3, 2]
    assert fresh_sandbox.admin.route_count(VERSIONS) == 4 + 2  # 3 full pages + 1 empty; 2 pages


async def test_etag_rules(fresh_sandbox: Any, sandbox_credentials: Any) -> None:
    path = "/papi/v1/properties/prp_600004/versions/1/rules"
    async with Transport([sandbox_credentials]) as transport:
        papi = PapiClient(transport, "sandbox")
        tree = await papi.get_rules("prp_600004", 1)
        with pytest.raises(AkamaiApiError) as unquoted:
            await transport.request(
                "sandbox",
                "PUT",
                path,
                json={"rules": tree.rules},
                headers={"If-Match": tree.etag, "PAPI-Use-Prefixes": "true"},
            )
        version = await papi.get_version("prp_600004", 1)
        with pytest.raises(AkamaiApiError) as stale_base:
            await papi.create_version("prp_600004", 1, base_etag="0000000000000000")
        v2 = await papi.create_version("prp_600004", 1, base_etag=version.etag)
        same = await papi.update_rules("prp_600004", v2, tree.rules, etag=(
            await papi.get_rules("prp_600004", v2)).etag)  # fmt: skip
        again = await papi.update_rules("prp_600004", v2, tree.rules, etag=same.etag)
        changed_version = await papi.get_version("prp_600004", v2)
    assert unquoted.value.status == 412
    assert "must be double-quoted" in (unquoted.value.detail or "")
    assert stale_base.value.status == 412
    assert v2 == 2
    assert again.etag != same.etag  # every write changes the etag, even with the same tree
    assert changed_version.etag != version.etag


async def test_activation_needs_hostnames_and_acknowledged_warnings(
    fresh_sandbox: Any, sandbox_credentials: Any
) -> None:
    async with Transport([sandbox_credentials]) as transport:
        papi = PapiClient(transport, "sandbox")
        pid = await papi.create_property("bare.example.com", "prd_Fresca", "ctr_1-5SBXC1",
                                         "grp_100002")  # fmt: skip
        with pytest.raises(AkamaiApiError) as blocked:
            await papi.activate(pid, 1, "STAGING", notify_emails=["a@example.com"])
        tree = await papi.get_rules(pid, 1)
        rules = copy.deepcopy(tree.rules)
        rules["behaviors"] = [
            {"name": "origin", "options": {"hostname": "origin.example.com"}},
            {"name": "cpCode", "options": {"value": {"id": 1000001}}},
        ]
        updated = await papi.update_rules(pid, 1, rules, etag=tree.etag)
        await papi.patch_hostnames(pid, 1, add=[{"cnameFrom": "bare.example.com",
                                                 "edgeHostnameId": "ehn_500001"}])  # fmt: skip
        with pytest.raises(AkamaiApiError) as unacknowledged:
            await papi.activate(
                pid, 1, "STAGING", notify_emails=["a@example.com"], acknowledge_all_warnings=False
            )
        message_id = updated.warnings[0].message_id
        aid = await papi.activate(
            pid,
            1,
            "STAGING",
            notify_emails=["a@example.com"],
            acknowledge_all_warnings=False,
            acknowledge_warnings=[message_id or ""],
        )
    assert blocked.value.status == 400
    details = " ".join(e["detail"] for e in blocked.value.errors)
    assert "Origin Server" in details and "no hostnames" in details
    assert updated.errors == [] and updated.warnings[0].title == "No caching behavior"
    assert unacknowledged.value.status == 400
    assert message_id and message_id in unacknowledged.value.errors[0]["detail"]
    assert aid.startswith("atv_")


async def test_papi_use_prefixes_false(fresh_sandbox: Any, sandbox_credentials: Any) -> None:
    async with Transport([sandbox_credentials]) as transport:
        response = await transport.request(
            "sandbox",
            "GET",
            "/papi/v1/properties/600001",
            headers={"PAPI-Use-Prefixes": "false"},
        )
    item = response.json()["properties"]["items"][0]
    assert item["propertyId"] == "600001" and item["contractId"] == "1-5SBXC1"


def test_json_patch_follows_rfc_6902() -> None:
    doc = {"rules": {"name": "default", "behaviors": [{"name": "a"}], "options": {}}}
    out = apply_json_patch(
        doc,
        [
            {"op": "add", "path": "/rules/behaviors/-", "value": {"name": "b"}},
            {"op": "add", "path": "/rules/behaviors/0", "value": {"name": "first"}},
            {"op": "replace", "path": "/rules/options", "value": {"is_secure": True}},
            {"op": "copy", "from": "/rules/behaviors/1", "path": "/rules/behaviors/-"},
            {"op": "move", "from": "/rules/behaviors/0", "path": "/rules/first"},
            {"op": "remove", "path": "/rules/behaviors/1"},
            {"op": "test", "path": "/rules/options/is_secure", "value": True},
        ],
    )
    assert out["rules"]["behaviors"] == [{"name": "a"}, {"name": "a"}]
    assert out["rules"]["first"] == {"name": "first"}
    assert doc["rules"]["behaviors"] == [{"name": "a"}]  # the input is not modified
    for bad, needle in (
        ([{"op": "remove", "path": "/rules/nope"}], "does not exist"),
        ([{"op": "test", "path": "/rules/name", "value": "x"}], "test failed"),
        ([{"op": "add", "path": "/rules/behaviors/9", "value": 1}], "out of range"),
        ([{"op": "replace", "path": "/rules/name"}], "needs a 'value'"),
        ({"op": "add"}, "array of operations"),
    ):
        with pytest.raises(PatchError, match=needle):
            apply_json_patch(doc, bad)


def test_rule_tree_diff_by_rule_path() -> None:
    before = {
        "name": "default",
        "options": {"is_secure": False},
        "behaviors": [{"name": "origin", "options": {"hostname": "a"}},
                      {"name": "gzip", "options": {}}],
        "children": [
            {"name": "Images", "criteria": [{"name": "fileExtension", "options": {"v": 1}}],
             "behaviors": [{"name": "caching", "options": {"ttl": "1d"}}], "children": []},
            {"name": "Images", "behaviors": [], "children": []},
            {"name": "Old", "behaviors": [], "children": []},
        ],
    }  # fmt: skip
    after = copy.deepcopy(before)
    after["options"] = {"is_secure": True}
    after["behaviors"][0]["options"]["hostname"] = "b"
    del after["behaviors"][1]
    after["behaviors"].append({"name": "http2", "options": {}})
    after["children"][0]["behaviors"][0]["options"]["ttl"] = "7d"
    after["children"][1]["behaviors"] = [{"name": "caching", "options": {"ttl": "0s"}}]
    after["children"][2] = {"name": "New", "behaviors": [{"name": "cpCode", "options": {}}]}
    changes = {(c.path, c.kind, c.name, c.change) for c in diff_rule_trees(before, after)}
    assert changes == {
        ("default", "setting", "options", "changed"),
        ("default", "behavior", "origin", "changed"),
        ("default", "behavior", "gzip", "removed"),
        ("default", "behavior", "http2", "added"),
        ("default/Images", "behavior", "caching", "changed"),
        ("default/Images[2]", "behavior", "caching", "added"),
        ("default/Old", "rule", "Old", "removed"),
        ("default/New", "rule", "New", "added"),
        ("default/New", "behavior", "cpCode", "added"),
    }
    assert diff_rule_trees(before, copy.deepcopy(before)) == []

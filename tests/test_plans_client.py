"""Dry-run plans of the service clients against the sandbox: they read, never write, and say
what the real call then does (admin counters prove that nothing was written)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from alecs.akamai.edgedns import EdgeDnsClient, RecordSet
from alecs.akamai.netlists import NetlistsClient
from alecs.akamai.papi import PapiClient
from alecs.akamai.plan import DryRunViolation, WritePlan, reads_only
from alecs.akamai.purge import PurgeClient, normalize_urls
from alecs.transport import Transport


@pytest.fixture
async def transport(fresh_sandbox: Any) -> AsyncIterator[Transport]:
    async with Transport(fresh_sandbox.credentials("sandbox")) as t:
        yield t


def _writes(sandbox: Any) -> int:
    return int(sandbox.admin.counters()["writes_total"])


async def test_dns_upsert_plan_matches_the_real_call(transport: Any, fresh_sandbox: Any) -> None:
    dns = EdgeDnsClient(transport, "sandbox")
    with reads_only():
        refused = await dns.plan_upsert_record_set(
            "example.com", RecordSet.build("example.com", "www", "A", 60, ["192.0.2.99"])
        )
    assert refused.errors == [
        "www.example.com has a CNAME record; no other record type may share its name"
    ]
    assert not refused.would_change
    record = RecordSet.build("example.com", "shop", "A", 60, ["192.0.2.99"])
    with reads_only():
        plan = await dns.plan_upsert_record_set("example.com", record)
    assert _writes(fresh_sandbox) == 0
    assert plan.would_change and plan.changes[0].action == "create" and not plan.errors
    assert plan.changes[0].after == record.body()
    result = await dns.upsert_record_set("example.com", record)
    assert result.action == plan.details["action"]
    assert result.soa_serial_before == plan.details["soa_serial_before"]
    assert result.soa_serial_after == plan.details["soa_serial_after"]
    assert (result.previous.body() if result.previous else None) == plan.changes[0].before
    with reads_only():
        again = await dns.plan_upsert_record_set("example.com", record)
    assert not again.would_change and again.changes[0].action == "unchanged"
    assert again.requests == []
    secondary = RecordSet.build("example.org", "www", "A", 60, ["192.0.2.5"])
    with reads_only():
        refused = await dns.plan_upsert_record_set("example.org", secondary)
    assert "SECONDARY zone" in refused.errors[0] and not refused.would_change


async def test_dns_delete_plan(transport: Any, fresh_sandbox: Any) -> None:
    dns = EdgeDnsClient(transport, "sandbox")
    with reads_only():
        missing = await dns.plan_delete_record_set("example.com", "nope", "A")
    assert missing.errors and not missing.would_change
    record = RecordSet.build("example.com", "gone", "TXT", 60, ["bye"])
    await dns.upsert_record_set("example.com", record)
    writes = _writes(fresh_sandbox)
    with reads_only():
        plan = await dns.plan_delete_record_set("example.com", "gone", "TXT")
    assert _writes(fresh_sandbox) == writes
    result = await dns.delete_record_set("example.com", "gone", "TXT")
    assert plan.changes[0].before == result.deleted.body()
    assert plan.details["soa_serial_after"] == result.soa_serial_after


async def test_netlist_plan_counts(transport: Any, fresh_sandbox: Any) -> None:
    lists = NetlistsClient(transport, "sandbox")
    add = ["192.0.2.66", "192.0.2.200"]
    remove = ["203.0.113.7", "10.9.9.9"]
    with reads_only():
        plan = await lists.plan_update_elements("1024_BLOCKLIST", add=add, remove=remove)
    assert _writes(fresh_sandbox) == 0
    assert plan.details["added"] == ["192.0.2.200"]
    assert plan.details["removed"] == ["203.0.113.7"]
    assert plan.details["already_present"] == ["192.0.2.66"]
    assert plan.details["not_present"] == ["10.9.9.9"]
    change = await lists.update_elements("1024_BLOCKLIST", add=add, remove=remove)
    assert change.added == plan.details["added"] and change.removed == plan.details["removed"]
    assert len(change.after.elements or []) == plan.details["resulting_count"]


async def test_purge_plan_splits_like_the_real_purge(transport: Any, fresh_sandbox: Any) -> None:
    purge = PurgeClient(transport, "sandbox")
    urls = normalize_urls([f"/p/{i}/" + "x" * 200 for i in range(400)], hostname="www.example.com")
    with reads_only():
        plan = await purge.plan_purge("invalidate", "url", urls, network="staging")
    assert plan.details["requests"] == len(plan.requests) == 2
    assert plan.details["object_tokens"] == 400 and plan.details["request_tokens"] == 2
    assert all(r.body_bytes is not None and r.body_bytes <= 50_000 for r in plan.requests)
    counters = fresh_sandbox.admin.counters()
    assert counters["routes"]["POST /ccu/v3/invalidate/url/{network}"]["count"] == 0
    result = await purge.purge("invalidate", "url", urls, network="staging")
    assert len(result.requests) == plan.details["requests"]


async def test_hostname_plan_add_remove_repoint(transport: Any, fresh_sandbox: Any) -> None:
    papi = PapiClient(transport, "sandbox")
    version = await papi.create_version("prp_600001", 3)
    writes = _writes(fresh_sandbox)
    add = [
        {
            "cnameType": "EDGE_HOSTNAME",
            "cnameFrom": "new.example.com",
            "edgeHostnameId": "ehn_500001",
        },
        {"cnameType": "EDGE_HOSTNAME", "cnameFrom": "example.com", "edgeHostnameId": "ehn_500002"},
    ]
    with reads_only():
        plan = await papi.plan_patch_hostnames(
            "prp_600001", version, add=add, remove=["www.example.com"]
        )
    assert _writes(fresh_sandbox) == writes
    actions = {c.target: (c.action, c.before, c.after) for c in plan.changes}
    assert actions["new.example.com"] == ("add", None, "www.example.com.edgekey.net")
    assert actions["example.com"] == (
        "repoint",
        "www.example.com.edgekey.net",
        "api.example.com.edgekey.net",
    )
    assert actions["www.example.com"] == ("remove", "www.example.com.edgekey.net", None)
    assert plan.details["hostnames_after"] == 2 and not plan.errors
    hosts = await papi.patch_hostnames("prp_600001", version, add=add, remove=["www.example.com"])
    assert {h.cname_from: h.cname_to for h in hosts.hostnames} == {
        "new.example.com": "www.example.com.edgekey.net",
        "example.com": "api.example.com.edgekey.net",
    }
    with reads_only():
        frozen = await papi.plan_patch_hostnames("prp_600001", 3, remove=["www.example.com"])
    assert any("activated versions can't change" in e for e in frozen.errors)


async def test_activation_plan_diff_and_validation(transport: Any, fresh_sandbox: Any) -> None:
    papi = PapiClient(transport, "sandbox")
    with reads_only():
        plan = await papi.plan_activate("prp_600001", 3, "PRODUCTION")
    assert _writes(fresh_sandbox) == 0
    assert plan.details["version"] == 3 and plan.details["active_version"] == 2
    assert plan.details["rule_changes_total"] >= 1
    assert any(c["name"] == "httpStrictTransportSecurity" for c in plan.details["rule_changes"])
    assert plan.changes[0].before == "v2" and plan.changes[0].after == "v3"
    assert isinstance(plan.details["rule_errors"], list)
    with reads_only():
        off = await papi.plan_activate("prp_600001", None, "STAGING", deactivate=True)
    assert off.changes[0].action == "deactivate" and off.changes[0].before == "v3"


async def test_guard_refuses_writes_before_sending(transport: Any, fresh_sandbox: Any) -> None:
    papi = PapiClient(transport, "sandbox")
    total = fresh_sandbox.admin.counters()["total"]
    with reads_only(), pytest.raises(DryRunViolation, match="must not send POST"):
        await papi.create_version("prp_600001", 3)
    with reads_only():
        hits = await papi.search(property_name="www.example.com")  # a POST that only reads
    assert hits
    with reads_only(), pytest.raises(DryRunViolation, match="PUT /config-dns/v2/zones/x"):
        await transport.request("sandbox", "PUT", "/config-dns/v2/zones/x?y=1", json={})
    counters = fresh_sandbox.admin.counters()
    assert counters["total"] == total + 1 and counters["writes_total"] == 0


def test_plan_preview_text() -> None:
    plan = WritePlan(
        operation="delete the A record set www.example.com",
        changes=[{"action": "delete", "target": "www.example.com A", "before": ["192.0.2.1"]}],
        details={"soa_serial_after": 8},
        errors=["x"],
        would_change=True,
    )
    text = plan.preview()
    assert "delete www.example.com A (was 192.0.2.1)" in text
    assert "soa serial after: 8" in text and "error: x" in text
    assert plan.summary().startswith("Dry run, nothing was changed.")

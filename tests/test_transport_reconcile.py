"""After a write whose response is lost, the service client finds out before answering.

The sandbox applies the write, then resets the connection (fault `phase: "after"`): the
transport raises `AmbiguousWriteError` (never retrying the write), and the client reconciles: a
guarded PUT re-reads and reports the write applied (not a 412 from a retry), a create looks its
object up by name and returns it, so nothing is duplicated. The sandbox's admin counters prove
how many writes were applied.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from dns_cps_support import CONTACT, CONTRACT_A, ORG, TECH
from mcp import Client

from alecs.akamai.edgedns import EdgeDnsClient, RecordSet
from alecs.akamai.netlists import NetlistsClient
from alecs.akamai.papi import PapiClient
from alecs.server import build_server
from alecs.transport import Transport, TransportSettings
from alecs.transport.errors import AmbiguousWriteError

CONTRACT = "ctr_1-5SBXC1"
GROUP = "grp_100002"
DRAFT = "prp_600004"  # seeded: version 1 never activated
RULES_PUT = "PUT /papi/v1/properties/{propertyId}/versions/{propertyVersion}/rules"
SETTINGS = TransportSettings(rate_limiting=False)


def lose_response(sandbox: Any, route: str, times: int = 1) -> None:
    """Apply the next `times` requests to `route`, then reset the connection (no answer)."""
    sandbox.admin.set_faults({"pattern": route, "reset_rate": 1, "phase": "after", "times": times})


@pytest.fixture
async def papi(fresh_sandbox: Any) -> AsyncIterator[PapiClient]:
    async with Transport([fresh_sandbox.credentials("sandbox")], SETTINGS) as transport:
        yield PapiClient(transport, "sandbox")


async def test_a_guarded_put_whose_response_is_lost_is_reported_applied(
    papi: PapiClient, fresh_sandbox: Any
) -> None:
    tree = await papi.get_rules(DRAFT, 1)
    rules = dict(tree.rules)
    rules["comments"] = "changed while the network failed"
    lose_response(fresh_sandbox, RULES_PUT)
    updated = await papi.update_rules(DRAFT, 1, rules, etag=tree.etag)
    assert updated.etag != tree.etag
    assert updated.rules["comments"] == "changed while the network failed"
    assert fresh_sandbox.admin.writes(RULES_PUT) == 1, "sent once, applied once"
    assert fresh_sandbox.admin.route_count(RULES_PUT, status=412) == 0, "no retry, no 412"


async def test_a_guarded_put_lost_before_it_was_applied_is_reported_not_applied(
    papi: PapiClient, fresh_sandbox: Any
) -> None:
    tree = await papi.get_rules(DRAFT, 1)
    fresh_sandbox.admin.set_faults(
        {"pattern": RULES_PUT, "reset_rate": 1, "phase": "before", "times": 1}
    )
    with pytest.raises(AmbiguousWriteError) as info:
        await papi.update_rules(DRAFT, 1, dict(tree.rules), etag=tree.etag)
    assert info.value.applied is False
    assert "was NOT applied" in str(info.value) and "sending it again is safe" in str(info.value)
    assert info.value.to_dict()["write_applied"] == "not_applied"
    assert fresh_sandbox.admin.writes(RULES_PUT) == 0


async def test_lost_creates_are_found_by_name_not_duplicated(
    papi: PapiClient, fresh_sandbox: Any
) -> None:
    lose_response(fresh_sandbox, "POST /papi/v1/properties")
    pid = await papi.create_property("lost.example.com", "prd_Fresca", CONTRACT, GROUP)
    assert (await papi.get_property(pid)).property_name == "lost.example.com"

    lose_response(fresh_sandbox, "POST /papi/v1/cpcodes")
    cpcode = await papi.create_cpcode("lost-cpcode", "prd_Fresca", CONTRACT, GROUP)
    named = [c for c in await papi.list_cpcodes(CONTRACT, GROUP) if c.cpcode_name == "lost-cpcode"]
    assert [c.cpcode_id for c in named] == [cpcode]

    lose_response(fresh_sandbox, "POST /papi/v1/edgehostnames")
    ehn = await papi.create_edge_hostname(
        CONTRACT,
        GROUP,
        product_id="prd_Fresca",
        domain_prefix="lost.example.com",
        domain_suffix="edgesuite.net",
        ip_version_behavior="IPV4",
    )
    hostnames = [
        e.edge_hostname_id
        for e in await papi.list_edge_hostnames(CONTRACT, GROUP)
        if e.edge_hostname_domain == "lost.example.com.edgesuite.net"
    ]
    assert hostnames == [ehn]

    lose_response(fresh_sandbox, "POST /papi/v1/properties/{propertyId}/versions")
    version = await papi.create_version(pid, 1)
    assert version == 2
    assert [v.property_version for v in await papi.list_versions(pid)] == [2, 1]

    counters = fresh_sandbox.admin.counters()
    assert counters["faults"].get("reset", 0) == 4, "every create lost its response"


async def test_lost_network_list_zone_and_record_set_creates_are_found(
    fresh_sandbox: Any,
) -> None:
    creds = fresh_sandbox.credentials("sandbox")
    async with Transport([creds], SETTINGS) as transport:
        nl = NetlistsClient(transport, "sandbox")
        lose_response(fresh_sandbox, "POST /network-list/v2/network-lists")
        created = await nl.create("Lost list", "IP", ["192.0.2.1"])
        same = [n for n in await nl.list_lists(search="Lost list") if n.name == "Lost list"]
        assert [n.unique_id for n in same] == [created.unique_id]

        dns = EdgeDnsClient(transport, "sandbox")
        lose_response(fresh_sandbox, "POST /config-dns/v2/zones")
        zone = await dns.create_zone(
            "lost.example", "PRIMARY", contract_id="1-5SBXC1", group_id=100002
        )
        assert zone.zone == "lost.example"
        assert (await dns.get_zone("lost.example")).zone == "lost.example"

        record = RecordSet(name="www.lost.example", type="A", ttl=300, rdata=["192.0.2.10"])
        lose_response(fresh_sandbox, "POST /config-dns/v2/zones/{zone}/names/{name}/types/{type}")
        saved = await dns.create_record_set("lost.example", record)
        assert saved.rdata == ["192.0.2.10"]
        assert (await dns.get_record_set("lost.example", "www", "A")).rdata == ["192.0.2.10"]
    assert fresh_sandbox.admin.counters()["faults"].get("reset", 0) == 3


async def test_a_lost_enrollment_create_is_found_through_the_tool(fresh_sandbox: Any) -> None:
    server = build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )
    lose_response(fresh_sandbox, "POST /cps/v2/enrollments")
    args = {
        "contract_id": CONTRACT_A,
        "common_name": "lost.example.com",
        "admin_contact": CONTACT,
        "tech_contact": TECH,
        "org": ORG,
    }
    async with Client(server, mode="legacy") as client:
        result = await client.call_tool("certificate-dv-enrollment-create", args)
        listed = await client.call_tool("certificate-enrollment-list", {"contract_id": CONTRACT_A})
    assert not result.is_error, result.content[0].text
    enrollments = listed.structured_content["enrollments"]
    assert [e["common_name"] for e in enrollments].count("lost.example.com") == 1
    assert fresh_sandbox.admin.route_count("POST /cps/v2/enrollments") == 1


async def test_a_create_whose_check_fails_says_unknown_and_how_to_check(
    papi: PapiClient, fresh_sandbox: Any
) -> None:
    fresh_sandbox.admin.set_faults(
        {"pattern": "POST /papi/v1/cpcodes", "reset_rate": 1, "phase": "after", "times": 1},
        {"pattern": "GET /papi/v1/cpcodes", "error_rate": 1, "error_status": 403},
    )
    with pytest.raises(AmbiguousWriteError) as info:
        await papi.create_cpcode("unknown-cpcode", "prd_Fresca", CONTRACT, GROUP)
    text = str(info.value)
    assert info.value.applied is None and "UNKNOWN" in text
    assert f"To check: cpcode-list for contract {CONTRACT} and group {GROUP}" in text


async def test_a_lost_create_through_mcp_answers_with_the_created_list(
    fresh_sandbox: Any,
) -> None:
    server = build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )
    lose_response(fresh_sandbox, "POST /network-list/v2/network-lists")
    args = {"name": "Retried list", "type": "GEO", "elements": ["FR"]}
    async with Client(server, mode="auto") as client:
        first = await client.call_tool("network-list-create", args)
        listed = await client.call_tool("network-list-list", {"search": "Retried list"})
    # The first answer is the created list (the user has no reason to send it again).
    assert not first.is_error, first.content[0].text
    assert first.structured_content is not None and listed.structured_content is not None
    text = str(listed.structured_content)
    assert text.count("'Retried list'") == 1, text
    assert fresh_sandbox.admin.writes("POST /network-list/v2/network-lists") == 1


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_a_tool_whose_write_outcome_stays_unknown_says_so_and_how_to_check(
    fresh_sandbox: Any, mode: str
) -> None:
    server = build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )
    fresh_sandbox.admin.set_faults(
        {"pattern": "POST /papi/v1/cpcodes", "reset_rate": 1, "phase": "after", "times": 1},
        {"pattern": "GET /papi/v1/cpcodes", "error_rate": 1, "error_status": 403},
    )
    args = {
        "cpcode_name": f"unknown-{mode}",
        "product_id": "prd_Fresca",
        "contract_id": CONTRACT,
        "group_id": GROUP,
    }
    async with Client(server, mode=mode) as client:
        result = await client.call_tool("cpcode-create", args)
    assert result.is_error
    text = result.content[0].text
    assert text.startswith("cpcode-create failed: Network error during a write: ")  # one shape
    assert "whether it was applied is UNKNOWN" in text and "To check: cpcode-list" in text
    assert result.meta is not None
    details = result.meta["alecs/error"]
    assert details["write_applied"] == "unknown" and details["how_to_check"].startswith(
        "cpcode-list"
    )


async def test_a_lost_activation_and_a_lost_delete_are_found(
    papi: PapiClient, fresh_sandbox: Any
) -> None:
    lose_response(fresh_sandbox, "POST /papi/v1/properties/{propertyId}/activations")
    aid = await papi.activate(DRAFT, 1, "STAGING", notify_emails=["noc@example.com"])
    activation = await papi.get_activation(DRAFT, aid)
    assert (activation.property_version, activation.network) == (1, "STAGING")
    activations = await papi.list_activations(DRAFT)
    assert [a.activation_id for a in activations if a.network == "STAGING"] == [aid]

    pid = await papi.create_property("doomed.example.com", "prd_Fresca", CONTRACT, GROUP)
    lose_response(fresh_sandbox, "DELETE /papi/v1/properties/{propertyId}")
    assert await papi.delete_property(pid) == "Deleted."
    assert fresh_sandbox.admin.writes("DELETE /papi/v1/properties/{propertyId}") == 1
    assert fresh_sandbox.admin.counters()["faults"].get("reset", 0) == 2


async def test_a_lost_record_delete_is_reported_done(fresh_sandbox: Any) -> None:
    async with Transport([fresh_sandbox.credentials("sandbox")], SETTINGS) as transport:
        dns = EdgeDnsClient(transport, "sandbox")
        await dns.create_zone("gone.example", "PRIMARY", contract_id="1-5SBXC1", group_id=100002)
        record = RecordSet(name="www.gone.example", type="A", ttl=300, rdata=["192.0.2.7"])
        await dns.create_record_set("gone.example", record)
        lose_response(fresh_sandbox, "DELETE /config-dns/v2/zones/{zone}/names/{name}/types/{type}")
        deleted = await dns.delete_record_set("gone.example", "www", "A")
        assert deleted.deleted.rdata == ["192.0.2.7"]
        assert await dns.find_record_set("gone.example", "www", "A") is None
    assert fresh_sandbox.admin.counters()["faults"].get("reset", 0) == 1


async def test_a_lost_network_list_update_guarded_by_its_sync_point_is_reported_applied(
    fresh_sandbox: Any,
) -> None:
    async with Transport([fresh_sandbox.credentials("sandbox")], SETTINGS) as transport:
        nl = NetlistsClient(transport, "sandbox")
        created = await nl.create("Guarded list", "IP", ["192.0.2.1"])
        current = await nl.get(created.unique_id)
        lose_response(fresh_sandbox, "PUT /network-list/v2/network-lists/{networkListId}")
        updated = await nl.replace(current, ["192.0.2.1", "192.0.2.2"])
    assert updated.sync_point > current.sync_point
    assert sorted(updated.elements or []) == ["192.0.2.1", "192.0.2.2"]
    assert fresh_sandbox.admin.counters()["faults"].get("reset", 0) == 1


async def test_creates_found_applied_after_lost_responses_never_open_the_breaker(
    fresh_sandbox: Any,
) -> None:
    """The breaker counts a lost-response write by what the check found: applied means the host
    worked, so 15 creates in a row whose answers are all lost (more than the breaker's minimum
    of 10 calls) are all made, none refused by an open circuit, none duplicated."""
    lose_response(fresh_sandbox, "POST /papi/v1/cpcodes", times=15)
    async with Transport([fresh_sandbox.credentials("sandbox")], SETTINGS) as transport:
        papi = PapiClient(transport, "sandbox")
        made = [
            await papi.create_cpcode(f"lost-{n}", "prd_Fresca", CONTRACT, GROUP) for n in range(15)
        ]
        breaker = transport.health().host("sandbox").breaker
    assert breaker.state == "closed"
    assert len(set(made)) == 15
    assert fresh_sandbox.admin.writes("POST /papi/v1/cpcodes") == 15, "one write per create"
    counters = fresh_sandbox.admin.counters()
    assert counters["faults"].get("reset", 0) == 15


async def test_an_unchecked_lost_write_counts_as_a_failure_once_settled_unknown() -> None:
    """A lost write whose check cannot tell counts against the host, exactly once."""
    verdicts: list[bool] = []
    lost = AmbiguousWriteError("reset", "h", "connection reset", method="POST", path="/x")
    lost.defer_verdict(verdicts.append)
    lost.settle(None)
    lost.settle(True)
    assert verdicts == [True], "failed once; a second settle changes nothing"
    applied = AmbiguousWriteError("reset", "h", "connection reset", method="POST", path="/x")
    applied.defer_verdict(verdicts.append)
    applied.settle(True)
    assert verdicts == [True, False]

"""Edge DNS tools through a real MCP client against the sandbox (real TLS + HTTP/2).

Zones and record sets are read back from the sandbox; the admin counters prove when nothing
was sent (invalid record data, a declined deletion).
"""

from __future__ import annotations

from typing import Any

import pytest
from dns_cps_support import ACCOUNT_B, SWITCH_TO_B, call, call_error
from mcp import Client
from mcp.types import ElicitResult

from alecs.server import build_server

MODES = ["legacy", "auto"]
RS_ROUTE = "/config-dns/v2/zones/{zone}/names/{name}/types/{type}"


@pytest.fixture
def server(fresh_sandbox: Any) -> Any:
    return build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )


def _only_reads(sandbox: Any) -> None:
    """Nothing was written: only the confirmation preview's reads reached the sandbox."""
    counters = sandbox.admin.counters()
    assert counters["writes_total"] == 0
    sent = [k for k, v in counters["routes"].items() if v["count"]]
    assert all(k.startswith("GET ") for k in sent), sent


def _serial(client_result: dict[str, Any]) -> int:
    return int(client_result["soa_serial"])


@pytest.mark.parametrize("mode", MODES)
async def test_zone_list_and_get(server: Any, fresh_sandbox: Any, mode: str) -> None:
    async with Client(server, mode=mode) as client:
        listed = await call(client, "dns-zone-list", {})
        primary = await call(client, "dns-zone-list", {"types": ["PRIMARY"], "search": "example"})
        zone = await call(client, "dns-zone-get", {"zone": "Example.COM."})
    assert [z["zone"] for z in listed["zones"]] == ["example.com", "example.org"]
    assert listed["total"] == 2 and listed["next_offset"] is None and listed["offset"] == 0
    secondary = listed["zones"][1]
    assert secondary["type"] == "SECONDARY" and secondary["masters"] == [
        "192.0.2.53",
        "198.51.100.53",
    ]
    assert [z["zone"] for z in primary["zones"]] == ["example.com"]
    assert zone["zone"]["type"] == "PRIMARY" and zone["zone"]["contract_id"] == "ctr_1-5SBXC1"
    assert zone["soa_serial"] == 2024092201
    assert zone["nameservers"] == ["a1-1.akam.net.", "a7-64.akam.net.", "a22-65.akam.net."]
    assert zone["record_set_count"] == 12


async def test_zone_list_pages(server: Any) -> None:
    async with Client(server) as client:
        first = await call(client, "dns-zone-list", {"limit": 1})
        second = await call(client, "dns-zone-list", {"limit": 1, "offset": first["next_offset"]})
    assert first["total"] == 2 and first["next_offset"] == 1
    assert [z["zone"] for z in first["zones"] + second["zones"]] == ["example.com", "example.org"]
    assert second["next_offset"] is None and second["offset"] == 1


@pytest.mark.parametrize("mode", MODES)
async def test_upsert_reads_back_and_bumps_the_soa_serial(
    server: Any, fresh_sandbox: Any, mode: str
) -> None:
    args = {"zone": "example.com", "name": "shop", "type": "a", "rdata": ["192.0.2.40"]}
    async with Client(server, mode=mode) as client:
        before = await call(client, "dns-zone-get", {"zone": "example.com"})
        created = await call(client, "dns-record-upsert", args)
        got = await call(
            client,
            "dns-record-get",
            {"zone": "example.com", "name": "shop.example.com.", "type": "A"},
        )
        replaced = await call(
            client, "dns-record-upsert", {**args, "ttl": 60, "rdata": ["192.0.2.41", "192.0.2.42"]}
        )
        same = await call(
            client, "dns-record-upsert", {**args, "ttl": 60, "rdata": ["192.0.2.42", "192.0.2.41"]}
        )
        after = await call(client, "dns-zone-get", {"zone": "example.com"})

    serial = _serial(before)
    assert created["action"] == "created" and created["previous"] is None
    assert created["record_set"] == {
        "name": "shop.example.com",
        "type": "A",
        "ttl": 300,
        "rdata": ["192.0.2.40"],
    }
    assert (created["soa_serial_before"], created["soa_serial_after"]) == (serial, serial + 1)
    assert got["record_set"] == created["record_set"] and got["relative_name"] == "shop"

    assert replaced["action"] == "replaced"
    assert replaced["previous"]["rdata"] == ["192.0.2.40"]
    assert replaced["record_set"]["ttl"] == 60
    assert (replaced["soa_serial_before"], replaced["soa_serial_after"]) == (serial + 1, serial + 2)

    # identical data (in another order) changes nothing and sends no write
    assert same["action"] == "unchanged"
    assert same["soa_serial_before"] == same["soa_serial_after"] == serial + 2
    assert _serial(after) == serial + 2
    assert after["record_set_count"] == before["record_set_count"] + 1
    assert fresh_sandbox.admin.writes(f"POST {RS_ROUTE}") == 1
    assert fresh_sandbox.admin.writes(f"PUT {RS_ROUTE}") == 1


@pytest.mark.parametrize(
    ("name", "rtype", "rdata", "field", "words"),
    [
        ("www2", "A", ["192.0.2.1", "192.0.2.300"], "rdata[1]", "not an IPv4 address"),
        ("v6", "AAAA", ["192.0.2.1"], "rdata[0]", "not an IPv6 address"),
        ("@", "CNAME", ["www.example.net"], "name", "can't be at the zone apex"),
        ("alias", "CNAME", ["a.example.net", "b.example.net"], "rdata", "exactly one target"),
        ("alias", "CNAME", ["localhost"], "rdata[0]", "fully qualified"),
        ("@", "MX", ["mx1.example.com"], "rdata[0]", "'preference host'"),
        ("@", "MX", ["70000 mx1.example.com"], "rdata[0]", "0-65535"),
        ("txt", "TXT", ['"unbalanced'], "rdata[0]", "unbalanced quotes"),
        ("txt", "TXT", ['"' + "x" * 256 + '"'], "rdata[0]", "at most 255"),
        ("www.example.org.", "A", ["192.0.2.1"], "name", "not in zone example.com"),
        ("bad name", "A", ["192.0.2.1"], "name", "not a valid DNS name"),
        ("www3", "A", ["192.0.2.1", "192.0.2.1"], "rdata[1]", "duplicates rdata[0]"),
        ("@", "SOA", ["a. b. 1 2 3 4 5"], "type", "manages SOA"),
        ("x", "BOGUS", ["1"], "type", "not a record type"),
    ],
)
async def test_invalid_record_data_is_refused_before_sending(
    server: Any,
    fresh_sandbox: Any,
    name: str,
    rtype: str,
    rdata: list[str],
    field: str,
    words: str,
) -> None:
    args = {"zone": "example.com", "name": name, "type": rtype, "rdata": rdata}
    async with Client(server) as client:
        text = await call_error(client, "dns-record-upsert", args)
    assert f"Invalid value for `{field}`" in text and words in text
    assert "Traceback" not in text
    assert fresh_sandbox.admin.counters()["total"] == 0  # not one API request


async def test_record_names_in_every_form_mean_the_same_record(server: Any) -> None:
    async with Client(server) as client:
        results = [
            await call(client, "dns-record-get", {"zone": "example.com", "name": n, "type": "MX"})
            for n in ("@", "", "example.com", "EXAMPLE.com.")
        ]
        www = [
            await call(
                client, "dns-record-get", {"zone": "example.com", "name": n, "type": "cname"}
            )
            for n in ("www", "www.example.com", "www.example.com.")
        ]
    assert all(r["record_set"]["name"] == "example.com" for r in results)
    assert results[0]["record_set"]["rdata"] == ["10 mx1.example.com.", "20 mx2.example.com."]
    assert all(r["relative_name"] == "www" for r in www)
    assert www[0]["record_set"]["rdata"] == ["www.example.com.edgekey.net."]


async def test_rdata_is_normalized_per_type(server: Any) -> None:
    long_text = "v=DKIM1; k=rsa; p=" + "A" * 400
    async with Client(server) as client:
        txt = await call(
            client,
            "dns-record-upsert",
            {"zone": "example.com", "name": "sel._domainkey", "type": "TXT", "rdata": [long_text]},
        )
        mx = await call(
            client,
            "dns-record-upsert",
            {"zone": "example.com", "name": "mail", "type": "MX", "rdata": ["5 MX.Example.net"]},
        )
        cname = await call(
            client,
            "dns-record-upsert",
            {"zone": "example.com", "name": "cdn", "type": "CNAME", "rdata": ["cdn.example.net"]},
        )
        v6 = await call(
            client,
            "dns-record-upsert",
            {"zone": "example.com", "name": "v6", "type": "AAAA", "rdata": ["2001:DB8:0:0::1"]},
        )
        back = await call(
            client,
            "dns-record-get",
            {"zone": "example.com", "name": "sel._domainkey", "type": "TXT"},
        )
    value = txt["record_set"]["rdata"][0]
    strings = value.split('" "')
    assert value.startswith('"') and value.endswith('"') and len(strings) == 2
    assert len(strings[0]) == 255 + 1  # the opening quote
    assert back["record_set"]["rdata"] == [value]
    assert mx["record_set"]["rdata"] == ["5 mx.example.net."]
    assert cname["record_set"]["rdata"] == ["cdn.example.net."]
    assert v6["record_set"]["rdata"] == ["2001:db8::1"]


async def test_cname_conflicts_and_secondary_zones_come_back_as_akamai_errors(
    server: Any, fresh_sandbox: Any
) -> None:
    async with Client(server) as client:
        cname_clash = await call_error(
            client,
            "dns-record-upsert",
            {"zone": "example.com", "name": "www", "type": "A", "rdata": ["192.0.2.9"]},
        )
        secondary = await call_error(
            client,
            "dns-record-upsert",
            {"zone": "example.org", "name": "www", "type": "A", "rdata": ["192.0.2.9"]},
        )
        missing = await call_error(
            client, "dns-record-get", {"zone": "example.com", "name": "nope", "type": "A"}
        )
        no_zone = await call_error(client, "dns-zone-get", {"zone": "nope.example"})
    assert "status 409" in cname_clash and "has a CNAME record" in cname_clash
    assert "status 400" in secondary and "SECONDARY zone" in secondary
    assert "status 404" in missing and "nope.example.com" in missing
    assert "status 404" in no_zone and "Unable to find zone 'nope.example'" in no_zone
    assert "authoritative-dns/notFound" in no_zone
    assert fresh_sandbox.admin.counters()["writes_total"] == 0


def _answer(action: str, content: dict[str, Any] | None = None) -> Any:
    asked: list[str] = []

    async def callback(context: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action=action, content=content)

    callback.asked = asked  # type: ignore[attr-defined]
    return callback


@pytest.mark.parametrize("mode", MODES)
async def test_declined_delete_sends_nothing(server: Any, fresh_sandbox: Any, mode: str) -> None:
    callback = _answer("decline")
    args = {"zone": "example.com", "name": "origin-www", "type": "A", "confirm": True}
    async with Client(server, mode=mode, elicitation_callback=callback) as client:
        text = await call_error(client, "dns-record-delete", args)
    assert "declined" in text and "Nothing was changed" in text
    (question,) = callback.asked
    assert question.startswith(
        "Delete the A record set origin-www.example.com from the Edge DNS zone example.com? "
        "Resolvers stop getting it within minutes.\n\n"
        "Plan: delete the A record set origin-www.example.com from zone example.com"
    )
    assert '"rdata":["192.0.2.20","192.0.2.21"]' in question  # the preview: what would go
    _only_reads(fresh_sandbox)


@pytest.mark.parametrize("mode", MODES)
async def test_confirmed_delete_removes_the_record_set(
    server: Any, fresh_sandbox: Any, mode: str
) -> None:
    callback = _answer("accept", {"confirm": True})
    args = {"zone": "example.com", "name": "origin-www", "type": "A"}
    async with Client(server, mode=mode, elicitation_callback=callback) as client:
        deleted = await call(client, "dns-record-delete", args)
        gone = await call_error(client, "dns-record-get", args)
    assert deleted["deleted"]["rdata"] == ["192.0.2.20", "192.0.2.21"]
    assert deleted["soa_serial_after"] == deleted["soa_serial_before"] + 1
    assert "status 404" in gone
    assert fresh_sandbox.admin.route_count(f"DELETE {RS_ROUTE}", status=204) == 1


async def test_delete_without_elicitation_needs_confirm_and_apex_ns_is_kept(
    server: Any, fresh_sandbox: Any
) -> None:
    async with Client(server) as client:
        refused = await call_error(
            client, "dns-record-delete", {"zone": "example.com", "name": "api", "type": "CNAME"}
        )
        apex = await call_error(
            client,
            "dns-record-delete",
            {"zone": "example.com", "name": "@", "type": "NS", "confirm": True},
        )
    assert "Confirmation required" in refused and "confirm: true" in refused
    assert "Invalid value for `type`" in apex and "apex NS" in apex
    assert "Plan: delete the CNAME record set api.example.com" in refused  # the preview
    _only_reads(fresh_sandbox)


async def test_primary_zone_create_gets_default_records(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server) as client:
        created = await call(
            client,
            "dns-zone-create",
            {"zone": "New-Shop.example", "group_id": "grp_100002", "comment": "shop"},
        )
        record = await call(
            client,
            "dns-record-upsert",
            {"zone": "new-shop.example", "name": "@", "type": "A", "rdata": ["192.0.2.80"]},
        )
        again = await call_error(
            client, "dns-zone-create", {"zone": "new-shop.example", "group_id": "100002"}
        )
        secondary = await call_error(
            client,
            "dns-zone-create",
            {"zone": "sec.example", "type": "SECONDARY", "group_id": "100002"},
        )
    zone = created["zone"]
    assert zone["zone"] == "new-shop.example" and zone["type"] == "PRIMARY"
    assert (
        zone["contract_id"] == "ctr_1-5SBXC1"
    )  # looked up from the group (prefixed, as PAPI writes it)
    assert zone["activation_state"] == "ACTIVE" and zone["comment"] == "shop"
    assert created["record_set_count"] == 2 and len(created["nameservers"]) == 3
    assert record["soa_serial_after"] == created["soa_serial"] + 1
    assert "status 409" in again and "already exists" in again
    assert "Invalid value for `masters`" in secondary


async def test_customer_and_account_switch_key_select_the_account(
    server: Any, fresh_sandbox: Any
) -> None:
    args = {"zone": "example.net", "name": "blog", "type": "A", "rdata": ["203.0.113.5"]}
    async with Client(server) as client:
        own = await call(client, "dns-zone-list", {})
        switched = await call(client, "dns-zone-list", {"account_switch_key": SWITCH_TO_B})
        as_b = await call(client, "dns-zone-list", {"customer": "sandbox-b"})
        hidden = await call_error(client, "dns-zone-get", {"zone": "example.net"})
        await call(client, "dns-record-upsert", {**args, "account_switch_key": SWITCH_TO_B})
        bad = await call_error(client, "dns-zone-list", {"customer": "nope"})
    assert [z["zone"] for z in own["zones"]] == ["example.com", "example.org"]
    assert [z["zone"] for z in switched["zones"]] == ["example.net"]
    assert [z["zone"] for z in as_b["zones"]] == ["example.net"]
    assert "status 404" in hidden
    stored = fresh_sandbox.admin.state(ACCOUNT_B, "dns_records")
    assert stored["example.net/blog.example.net/A"]["rdata"] == ["203.0.113.5"]
    assert "Invalid value for `customer`" in bad


async def test_record_list_filters_and_pages(server: Any) -> None:
    async with Client(server) as client:
        page1 = await call(client, "dns-record-list", {"zone": "example.com", "limit": 5})
        page2 = await call(
            client, "dns-record-list", {"zone": "example.com", "limit": 5, "offset": 5}
        )
        # An offset that is not a multiple of the limit spans two Edge DNS pages.
        middle = await call(
            client, "dns-record-list", {"zone": "example.com", "limit": 5, "offset": 3}
        )
        everything = await call(client, "dns-record-list", {"zone": "example.com", "limit": 500})
        last = await call(
            client, "dns-record-list", {"zone": "example.com", "limit": 5, "offset": 10}
        )
        cnames = await call(client, "dns-record-list", {"zone": "example.com", "types": ["cname"]})
        search = await call(client, "dns-record-list", {"zone": "example.com", "search": "edgekey"})
    assert page1["total"] == 12 and page1["next_offset"] == 5 and len(page1["record_sets"]) == 5
    assert page2["next_offset"] == 10
    key = [(r["name"], r["type"]) for r in everything["record_sets"]]
    assert len(key) == 12 and everything["next_offset"] is None
    assert [(r["name"], r["type"]) for r in middle["record_sets"]] == key[3:8]
    assert middle["offset"] == 3 and middle["next_offset"] == 8
    assert len(last["record_sets"]) == 2 and last["next_offset"] is None
    assert page1["record_sets"][0]["type"] == "SOA"
    names = {(r["name"], r["type"]) for r in page1["record_sets"] + page2["record_sets"]}
    assert len(names) == 10
    assert {r["name"] for r in cnames["record_sets"]} == {
        "www.example.com",
        "api.example.com",
        "downloads.example.com",
        "media.example.com",
    }
    assert {r["name"] for r in search["record_sets"]} == {"www.example.com", "api.example.com"}


async def test_text_case_matters_and_bad_types_are_refused(server: Any, fresh_sandbox: Any) -> None:
    args = {"zone": "example.com", "name": "verify", "type": "TXT", "rdata": ["Token-ABC"]}
    async with Client(server) as client:
        first = await call(client, "dns-record-upsert", args)
        again = await call(client, "dns-record-upsert", {**args, "rdata": ['"Token-ABC"']})
        lower = await call(client, "dns-record-upsert", {**args, "rdata": ["token-abc"]})
        before = fresh_sandbox.admin.counters()["total"]
        bad_get = await call_error(
            client, "dns-record-get", {"zone": "example.com", "name": "www", "type": "A/B"}
        )
        bad_delete = await call_error(
            client,
            "dns-record-delete",
            {"zone": "example.com", "name": "www", "type": "nope", "confirm": True},
        )
    assert first["record_set"]["rdata"] == ['"Token-ABC"']
    assert again["action"] == "unchanged"  # quoting is normalized
    assert lower["action"] == "replaced"  # but text keeps its case
    assert "Invalid value for `type`" in bad_get and "Invalid value for `type`" in bad_delete
    assert fresh_sandbox.admin.counters()["total"] == before

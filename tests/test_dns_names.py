"""Edge DNS names and rdata: names outside the zone are refused (naming the zone), host-name
targets must be names, rdata is sent in the form Edge DNS stores.

Through a real MCP client against the sandbox; the admin counters prove that a refused call
sent nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from dns_cps_support import call, call_error
from mcp import Client

from alecs.akamai.edgedns import RecordValidationError, canonical_rdata, record_fqdn
from alecs.server import build_server

MODES = ["legacy", "auto"]


@pytest.fixture
def server(fresh_sandbox: Any) -> Any:
    return build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )


@pytest.mark.parametrize("mode", MODES)
async def test_name_outside_the_zone_is_refused_naming_the_zone(
    server: Any, fresh_sandbox: Any, mode: str
) -> None:
    async with Client(server, mode=mode) as client:
        for name in ("shop.example.co", "shop.example.co.", "www.eu", "www.example.org."):
            text = await call_error(
                client,
                "dns-record-upsert",
                {"zone": "example.com", "name": name, "type": "A", "rdata": ["192.0.2.1"]},
            )
            assert "`name`" in text and "not in zone example.com" in text, text
    assert fresh_sandbox.admin.counters()["writes_total"] == 0


@pytest.mark.parametrize(
    ("name", "fqdn"),
    [
        ("shop", "shop.example.com"),
        ("shop.example.com", "shop.example.com"),
        ("Shop.Example.COM.", "shop.example.com"),
        ("@", "example.com"),
        ("_acme-challenge.shop", "_acme-challenge.shop.example.com"),
        ("sel._domainkey", "sel._domainkey.example.com"),
        ("_sip._tcp", "_sip._tcp.example.com"),
    ],
)
def test_names_inside_the_zone(name: str, fqdn: str) -> None:
    assert record_fqdn(name, "example.com") == fqdn


def test_service_labels_do_not_hide_a_foreign_name() -> None:
    with pytest.raises(RecordValidationError, match=r"not in zone example\.com"):
        record_fqdn("_acme-challenge.shop.example.co", "example.com")


async def test_accepted_names_are_written_as_fqdn(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server) as client:
        for name in ("shop", "shop2.example.com", "@"):
            await call(
                client,
                "dns-record-upsert",
                {"zone": "example.com", "name": name, "type": "TXT", "rdata": ["hello"]},
            )
        listed = await call(client, "dns-record-list", {"zone": "example.com", "types": ["TXT"]})
    names = {r["name"] for r in listed["record_sets"]}
    assert {"shop.example.com", "shop2.example.com", "example.com"} <= names
    assert not any("example.co.example.com" in n for n in names)


@pytest.mark.parametrize(
    ("rtype", "value"),
    [
        ("CNAME", "192.0.2.10"),
        ("CNAME", "2001:db8::1"),
        ("NS", "198.51.100.53"),
        ("MX", "10 192.0.2.25"),
        ("SRV", "10 60 5060 192.0.2.26"),
    ],
)
async def test_host_targets_must_be_names(
    server: Any, fresh_sandbox: Any, rtype: str, value: str
) -> None:
    async with Client(server) as client:
        text = await call_error(
            client,
            "dns-record-upsert",
            {"zone": "example.com", "name": "target", "type": rtype, "rdata": [value]},
        )
    assert "`rdata[0]`" in text and "is an IP address" in text and "host name" in text, text
    assert fresh_sandbox.admin.counters()["writes_total"] == 0


@pytest.mark.parametrize(
    ("rtype", "given", "stored"),
    [
        ("TXT", "v=spf1 -all", '"v=spf1 -all"'),
        ("TXT", '"a" "b"', '"a" "b"'),
        ("SPF", 'say "hi"', '"say \\"hi\\""'),
        ("CAA", "0 ISSUE letsencrypt.org", '0 issue "letsencrypt.org"'),
        ("CAA", '128  issuewild  "ca.example.net"', '128 issuewild "ca.example.net"'),
        ("AAAA", "2001:DB8:0:0:0:0:0:10", "2001:db8::10"),
        ("CNAME", "WWW.Example.NET", "www.example.net."),
        ("NS", "a1-1.akam.net", "a1-1.akam.net."),
        ("MX", "10   Mail.Example.com", "10 mail.example.com."),
        ("SRV", "10 60 5060 SIP.example.com.", "10 60 5060 sip.example.com."),
        ("AKAMAICDN", "www.example.com.edgekey.net.", "www.example.com.edgekey.net"),
        ("A", " 192.0.2.1 ", "192.0.2.1"),
    ],
)
def test_canonical_rdata_is_edge_dns_form(rtype: str, given: str, stored: str) -> None:
    assert canonical_rdata(rtype, given) == stored
    assert canonical_rdata(rtype, stored) == stored  # idempotent: a read-back compares equal


async def test_rdata_sent_canonical_and_rewrite_is_unchanged(
    server: Any, fresh_sandbox: Any
) -> None:
    args = {
        "zone": "example.com",
        "name": "caa-test",
        "type": "CAA",
        "rdata": ["0 ISSUE letsencrypt.org"],
    }
    async with Client(server) as client:
        first = await call(client, "dns-record-upsert", args)
        again = await call(
            client, "dns-record-upsert", {**args, "rdata": ['0 issue "letsencrypt.org"']}
        )
    assert first["record_set"]["rdata"] == ['0 issue "letsencrypt.org"']
    assert again["action"] == "unchanged"

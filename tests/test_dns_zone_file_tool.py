"""`dns-zone-file-get` through a real MCP client against the sandbox (real TLS + HTTP/2): the
zone as a master file with its record count, the first lines only on request, bad input
refused before anything is sent; the sandbox's answer against the config-dns spec; and the
record counter on master files written by hand (parentheses, comments, blank owners).
"""

from __future__ import annotations

from typing import Any

import pytest
from dns_cps_support import call, call_error, record_exchanges
from mcp import Client
from openapi_schema import require_specs, validate_request, validate_response

from alecs.server import build_server
from alecs.tools.dns_zonefile import record_types

MODES = ["legacy", "auto"]
ZONE_FILE_ROUTE = "/config-dns/v2/zones/{zone}/zone-file"


@pytest.fixture
def server(fresh_sandbox: Any) -> Any:
    return build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )


@pytest.mark.parametrize("mode", MODES)
async def test_zone_file_holds_every_record_and_counts_them(server: Any, mode: str) -> None:
    async with Client(server, mode=mode) as client:
        await call(
            client,
            "dns-record-upsert",
            {"zone": "example.com", "name": "txt", "type": "TXT", "rdata": ["hello; world"]},
        )
        out = await call(client, "dns-zone-file-get", {"zone": "Example.COM.", "max_lines": None})
        listed = await call(client, "dns-record-list", {"zone": "example.com", "limit": 500})
    assert out["zone"] == "example.com" and out["truncated"] is False
    expected: dict[str, int] = {}
    for rs in listed["record_sets"]:
        expected[rs["type"]] = expected.get(rs["type"], 0) + len(rs["rdata"])
    assert out["types"] == expected, "every record of every record set, by type"
    assert out["records"] == sum(expected.values())
    text = out["zone_file"]
    assert "\tIN\tSOA\t" in text and "txt.example.com.\t" in text and '"hello; world"' in text
    assert out["lines"] == out["lines_shown"] == len(text.splitlines())


async def test_max_lines_returns_the_first_lines_and_still_counts_everything(server: Any):
    async with Client(server) as client:
        full = await call(client, "dns-zone-file-get", {"zone": "example.com"})
        head = await call(client, "dns-zone-file-get", {"zone": "example.com", "max_lines": 3})
        result = await client.call_tool(
            "dns-zone-file-get", {"zone": "example.com", "max_lines": 3}
        )
    assert head["truncated"] is True and head["lines_shown"] == 3
    assert head["zone_file"].splitlines() == full["zone_file"].splitlines()[:3]
    assert head["records"] == full["records"] and head["lines"] == full["lines"]
    assert f"first 3 of {full['lines']} lines" in result.content[0].text


async def test_bad_input_is_refused_before_anything_is_sent(server: Any, fresh_sandbox: Any):
    fresh_sandbox.admin.clear_counters()
    async with Client(server) as client:
        bad_zone = await call_error(client, "dns-zone-file-get", {"zone": "not a zone!"})
        bad_lines = await call_error(
            client, "dns-zone-file-get", {"zone": "example.com", "max_lines": 0}
        )
    assert "`zone`" in bad_zone
    assert "max_lines" in bad_lines
    assert fresh_sandbox.admin.counters()["total"] == 0


async def test_an_unknown_zone_reaches_the_user_as_edge_dns_404(server: Any) -> None:
    async with Client(server) as client:
        text = await call_error(client, "dns-zone-file-get", {"zone": "nothere.example"})
    assert "404" in text


async def test_the_zone_file_exchange_matches_the_config_dns_spec(
    server: Any, fresh_sandbox: Any
) -> None:
    require_specs("config-dns/v2")
    with record_exchanges(fresh_sandbox, ("dns",)) as seen:
        async with Client(server) as client:
            await call(client, "dns-zone-file-get", {"zone": "example.com"})
    (exchange,) = [x for x in seen if x.route == ZONE_FILE_ROUTE]
    assert exchange.headers.get("accept") == "text/dns"
    assert exchange.status == 200 and exchange.content_type == "text/dns"
    validate_request(api="config-dns/v2", method="GET", path=exchange.target)
    body = exchange.response
    text = body.decode() if isinstance(body, bytes) else body
    validate_response(
        api="config-dns/v2",
        method="GET",
        path=exchange.target,
        status=200,
        body=text,
        content_type="text/dns",
    )


def test_record_types_reads_hand_written_master_files() -> None:
    text = """$ORIGIN example.net.
$TTL 3600
@   IN  SOA ns1.example.net. admin.example.net. (
            2024010101 ; serial
            7200 3600 1209600 300 )
    IN  NS  ns1.example.net.
    IN  NS  ns2.example.net.
www 300 IN A 192.0.2.1
        IN 300 AAAA 2001:db8::1
a   A   192.0.2.2   ; a host named like a type
mx  MX  10 mail.example.net.
txt TXT "v=spf1 -all; not a comment" "second"
; cdn.example.net. 300 IN AKAMAICDN origin   (Edge DNS writes these as comments)

"""
    assert record_types(text) == {"SOA": 1, "NS": 2, "A": 2, "AAAA": 1, "MX": 1, "TXT": 1}

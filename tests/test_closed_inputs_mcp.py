"""Closed inputs and one error shape, through a real MCP client against the sandbox.

Unknown keys are tool errors naming the closest parameters and nothing reaches Akamai (the
sandbox counters stay at zero); camelCase spellings are aliases; every input schema says
`additionalProperties: false`; every tool error starts with "<tool> failed:".
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from alecs.cli import main
from alecs.server import build_server

MODES = ["legacy", "auto"]
URL = "https://www.example.com/a.css"


@pytest.fixture
def server(fresh_sandbox: Any) -> Any:
    return build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )


@pytest.mark.parametrize("mode", MODES)
async def test_every_input_schema_is_closed(server: Any, mode: str) -> None:
    async with Client(server, mode=mode) as client:
        tools = (await client.list_tools()).tools
    assert len(tools) > 30
    assert all(t.input_schema.get("additionalProperties") is False for t in tools)


@pytest.mark.parametrize("mode", MODES)
async def test_misspelled_argument_is_refused_and_nothing_is_sent(
    server: Any, fresh_sandbox: Any, mode: str
) -> None:
    async with Client(server, mode=mode) as client:
        result = await client.call_tool("purge-invalidate", {"urls": [URL], "netwrok": "STAGING"})
        listing = await client.call_tool(
            "dns-record-list", {"zone": "example.com", "type": "CNAME"}
        )
    text = result.content[0].text
    assert result.is_error
    assert text.startswith("purge-invalidate failed: ")
    assert "`netwrok` is not an argument of purge-invalidate; did you mean `network`?" in text
    assert "Nothing was sent" in text
    assert result.meta["alecs/error"]["unknown"] == [
        {"field": "netwrok", "did_you_mean": ["network"]}
    ]
    assert listing.is_error and "did you mean `types`?" in listing.content[0].text
    assert fresh_sandbox.admin.counters()["total"] == 0  # not one request reached Akamai


@pytest.mark.parametrize("mode", MODES)
async def test_camel_case_aliases(server: Any, mode: str) -> None:
    async with Client(server, mode=mode) as client:
        got = await client.call_tool("property-get", {"propertyId": "prp_600001"})
        twice = await client.call_tool(
            "property-get", {"propertyId": "prp_600001", "property_id": "prp_600002"}
        )
    assert not got.is_error, got.content[0].text
    assert got.structured_content["property"]["property_id"] == "prp_600001"
    assert twice.is_error and "`propertyId` and `property_id`" in twice.content[0].text


async def test_every_error_source_has_one_shape(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server) as client:
        missing = await client.call_tool("property-get", {})
        akamai = await client.call_tool("property-get", {"property_id": "prp_999999"})
        bad = await client.call_tool(
            "dns-record-upsert",
            {"zone": "example.com", "name": "x", "type": "A", "rdata": ["nope"]},
        )
        confirm = await client.call_tool("purge-delete", {"urls": [URL], "network": "PRODUCTION"})
    for name, result in [
        ("property-get", missing),
        ("property-get", akamai),
        ("dns-record-upsert", bad),
        ("purge-delete", confirm),
    ]:
        text = result.content[0].text
        assert result.is_error and text.startswith(f"{name} failed: "), text
        assert "Error executing tool" not in text
    assert "`property_id`" in missing.content[0].text
    assert "404" in akamai.content[0].text and "Check the IDs" in akamai.content[0].text
    assert "Confirmation required" in confirm.content[0].text


def test_cli_misspelled_argument_exits_non_zero_and_sends_nothing(
    fresh_sandbox: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["call", "purge-invalidate", f"urls={URL}", "netwrok=STAGING"]
    creds = ["--edgerc", str(fresh_sandbox.edgerc_path), "--section", "sandbox"]
    code = main([*argv, *creds])
    _, err = capsys.readouterr()
    assert code == 1 and "did you mean `network`?" in err
    assert fresh_sandbox.admin.counters()["total"] == 0
    code = main(
        ["call", "property-get", "propertyId=prp_600001", *creds, "--toolsets", "papi", "--json"]
    )
    out, _ = capsys.readouterr()
    assert code == 0 and '"prp_600001"' in out

"""Network lists: CIDR blocks normalized with a note, very wide ranges confirmed like a
production change, activations answered within the bounded wait with the call that continues.

Through a real MCP client (both protocol generations) against the sandbox.
"""

from __future__ import annotations

from typing import Any

import pytest
from dns_cps_support import call, call_error
from mcp import Client

from alecs.server import build_server

MODES = ["legacy", "auto"]
PUT = "PUT /network-list/v2/network-lists/{networkListId}"


@pytest.fixture
def server(fresh_sandbox: Any) -> Any:
    return build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )


@pytest.mark.parametrize("mode", MODES)
async def test_cidr_host_bits_are_dropped_with_a_note(
    server: Any, fresh_sandbox: Any, mode: str
) -> None:
    async with Client(server, mode=mode) as client:
        changed = await call(
            client,
            "network-list-update-elements",
            {"network_list_id": "1024_BLOCKLIST", "add": ["10.0.0.5/8"]},
        )
        got = await call(client, "network-list-get", {"network_list_id": "1024_BLOCKLIST"})
    assert changed["added"] == ["10.0.0.0/8"]
    assert changed["notes"] and "10.0.0.5/8 was normalized to 10.0.0.0/8" in changed["notes"][0]
    assert "10.0.0.0/8" in got["network_list"]["elements"]
    assert "10.0.0.5/8" not in got["network_list"]["elements"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("wide", ["0.0.0.0/0", "::/0", "8.0.0.0/7", "2000::/15"])
async def test_very_wide_range_asks_first(
    server: Any, fresh_sandbox: Any, mode: str, wide: str
) -> None:
    args = {"network_list_id": "1024_BLOCKLIST", "add": ["203.0.113.9", wide]}
    async with Client(server, mode=mode) as client:
        refused = await call_error(client, "network-list-update-elements", args)
        assert fresh_sandbox.admin.route_count(PUT) == 0  # nothing written
        done = await call(client, "network-list-update-elements", {**args, "confirm": True})
    assert "Confirmation required" in refused and wide in refused
    assert "network-list-update-elements failed: " in refused
    assert wide in done["added"]


async def test_ordinary_ranges_need_no_confirmation(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server) as client:
        done = await call(
            client,
            "network-list-update-elements",
            {"network_list_id": "1024_BLOCKLIST", "add": ["10.0.0.0/8", "2001::/16"]},
        )
        geo = await call(
            client,
            "network-list-update-elements",
            {"network_list_id": "2048_ALLOWGEO", "add": ["FR"]},
        )
    assert done["added"] == ["10.0.0.0/8", "2001::/16"] and geo["changed"] is True


async def test_create_with_a_wide_range_asks_first(server: Any, fresh_sandbox: Any) -> None:
    args = {"name": "everyone", "type": "IP", "elements": ["0.0.0.0/0"]}
    async with Client(server) as client:
        refused = await call_error(client, "network-list-create", args)
    assert "Confirmation required" in refused and "every IPv4 address" in refused
    assert fresh_sandbox.admin.writes() == 0


@pytest.mark.parametrize("mode", MODES)
async def test_activation_answers_at_once_with_the_continuing_call(
    server: Any, fresh_sandbox: Any, mode: str
) -> None:
    async with Client(server, mode=mode) as client:
        created = await call(
            client, "network-list-create", {"name": "bounded", "type": "GEO", "elements": ["FR"]}
        )
        list_id = created["network_list_id"]
        started = await call(
            client, "network-list-activate", {"network_list_id": list_id, "timeout_s": 0}
        )
        fresh_sandbox.admin.advance_clock(3600)
        follow = started["next_call"]
        done = await call(client, follow["tool"], follow["arguments"])
    assert started["status"] == "PENDING_ACTIVATION" and started["finished"] is False
    assert started["progress"] < 100
    assert follow["tool"] == "network-list-activation-status"
    assert follow["arguments"] == {"network_list_id": list_id, "network": "STAGING", "wait": True}
    assert done["followed"]["status"] == "ACTIVE" and done["followed"]["progress"] == 100
    assert done["followed"]["activation_id"] == started["activation_id"]

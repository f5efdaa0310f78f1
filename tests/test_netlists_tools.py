"""The network list tools through a real MCP client against the sandbox: create -> add elements
-> activate on staging with progress -> status ACTIVE; stale syncPoint conflicts; element
errors naming the element; confirmation of production activations and deletions; timeouts
that return the state; and account selection."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from purge_support import ACCOUNT_A, ACCOUNT_B, KEY_B, answer, call, call_error

from alecs.server import build_server

MODES = ["legacy", "auto"]
LISTS = "/network-list/v2/network-lists"
PUT = f"PUT {LISTS}/{{networkListId}}"
ACTIVATE = f"POST {LISTS}/{{networkListId}}/environments/{{environment}}/activate"
DELETE = f"DELETE {LISTS}/{{networkListId}}"


@pytest.fixture
def server(fresh_sandbox: Any) -> Any:
    return build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )


@pytest.mark.parametrize("mode", MODES)
async def test_create_add_activate_on_staging_ends_active(
    server: Any, fresh_sandbox: Any, mode: str
) -> None:
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    callback = answer("decline")  # staging needs no confirmation: never asked
    async with Client(server, mode=mode, elicitation_callback=callback) as client:
        created = await call(
            client,
            "network-list-create",
            {"name": "Bad bots", "type": "ip", "elements": ["192.0.2.10", "192.0.2.10"]},
        )
        list_id = created["network_list_id"]
        changed = await call(
            client,
            "network-list-update-elements",
            {
                "network_list_id": list_id,
                "add": ["198.51.100.0/24", "2001:DB8::1", "192.0.2.10"],
                "remove": ["192.0.2.99"],
            },
        )
        activated = await call(
            client,
            "network-list-activate",
            {
                "network_list_id": "Bad bots",  # by name
                "comments": "block bad bots",
                "notify_emails": ["noc@example.com"],
            },
            progress_callback=on_progress,
        )
        status = await call(client, "network-list-activation-status", {"network_list_id": list_id})
        got = await call(client, "network-list-get", {"network_list_id": list_id})
    assert callback.asked == []
    assert created["type"] == "IP" and created["sync_point"] == 0
    assert created["element_count"] == 1 and list_id.endswith("_BADBOTS")
    assert changed["changed"] is True
    assert changed["added"] == ["198.51.100.0/24", "2001:db8::1"]
    assert changed["already_present"] == ["192.0.2.10"] and changed["not_present"] == ["192.0.2.99"]
    assert (changed["sync_point_before"], changed["sync_point"]) == (0, 1)
    assert activated["status"] == "ACTIVE" and activated["finished"] is True
    assert activated["network"] == "STAGING" and activated["sync_point"] == 1
    assert activated["activation_id"] and activated["polls"] >= 2
    assert "Test it on staging" in activated["next_step"]
    assert progress and progress[0][0] == 0 and progress[-1][0] == 100
    assert "PENDING_ACTIVATION" in (progress[0][2] or "") and "ACTIVE" in (progress[-1][2] or "")
    by_network = {s["environment"]: s for s in status["statuses"]}
    assert by_network["STAGING"]["activation_status"] == "ACTIVE"
    assert by_network["PRODUCTION"]["activation_status"] == "INACTIVE"
    nl = got["network_list"]
    assert nl["elements"] == ["192.0.2.10", "198.51.100.0/24", "2001:db8::1"]
    assert nl["staging_status"] == "ACTIVE" and nl["sync_point"] == 1
    assert fresh_sandbox.admin.route_count(ACTIVATE, status=200) == 1


async def test_a_stale_sync_point_is_a_clear_conflict(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server) as client:
        before = await call(client, "network-list-get", {"network_list_id": "1024_BLOCKLIST"})
        stale = before["network_list"]["sync_point"]
        # someone else changes the list in between
        await call(
            client,
            "network-list-update-elements",
            {"network_list_id": "1024_BLOCKLIST", "add": ["203.0.113.50"]},
        )
        text = await call_error(
            client,
            "network-list-update-elements",
            {"network_list_id": "1024_BLOCKLIST", "remove": ["192.0.2.66"], "sync_point": stale},
        )
        after = await call(client, "network-list-get", {"network_list_id": "1024_BLOCKLIST"})
    assert "Conflict" in text and f"since syncPoint {stale}" in text
    assert f"now at syncPoint {stale + 1}" in text and "Nothing was changed" in text
    assert "network-list-get" in text
    assert "192.0.2.66" in after["network_list"]["elements"]  # not removed
    assert fresh_sandbox.admin.counters()["routes"][PUT]["status"] == {"200": 1, "409": 1}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ({"network_list_id": "1024_BLOCKLIST", "add": ["192.0.2.1", "300.1.1.1"]},
         ["`add`", "item 2 '300.1.1.1'", "IP list"]),
        ({"network_list_id": "1024_BLOCKLIST", "remove": ["10.0.0.0/40"]},
         ["`remove`", "'10.0.0.0/40'"]),
        ({"network_list_id": "2048_ALLOWGEO", "add": ["FR", "USA"]},
         ["`add`", "'USA'", "two-letter country codes"]),
        ({"network_list_id": "2048_ALLOWGEO", "add": ["FR"], "remove": ["fr"]},
         ["`remove`", "both added and removed"]),
        ({"network_list_id": "2048_ALLOWGEO"}, ["`add`", "nothing to change"]),
        ({"network_list_id": "No such list", "add": ["FR"]},
         ["`network_list_id`", "no network list", "1024_BLOCKLIST"]),
        ({"network_list_id": "2048_ALLOWGEO", "add": ["FR"], "sync_point": -1}, ["`sync_point`"]),
    ],
)  # fmt: skip
async def test_bad_elements_are_named_and_nothing_is_written(
    server: Any, fresh_sandbox: Any, args: dict[str, Any], words: list[str]
) -> None:
    async with Client(server) as client:
        text = await call_error(client, "network-list-update-elements", args)
    for word in words:
        assert word in text, text
    assert fresh_sandbox.admin.route_count(PUT) == 0
    assert fresh_sandbox.admin.writes() == 0


async def test_create_checks_elements_and_contract_group(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server) as client:
        geo = await call_error(
            client, "network-list-create", {"name": "G", "type": "GEO", "elements": ["US", "12"]}
        )
        pair = await call_error(
            client,
            "network-list-create",
            {"name": "G", "type": "GEO", "contract_id": "ctr_1-5SBXC1"},
        )
        kind = await call_error(client, "network-list-create", {"name": "G", "type": "ASN"})
        placed = await call(
            client,
            "network-list-create",
            {
                "name": "Partners",
                "type": "GEO",
                "elements": ["de", "at"],
                "contract_id": "ctr_1-5SBXC1",
                "group_id": "grp_100001",
            },
        )
    assert "`elements`" in geo and "'12'" in geo
    assert "`group_id`" in pair and "`type`" in kind
    stored = fresh_sandbox.admin.state(ACCOUNT_A, "network_lists")[placed["network_list_id"]]
    assert (stored["contractId"], stored["groupId"], stored["list"]) == (
        "1-5SBXC1",
        100001,
        ["DE", "AT"],
    )
    assert fresh_sandbox.admin.route_count(f"POST {LISTS}") == 1


@pytest.mark.parametrize("mode", MODES)
async def test_production_activation_declined_sends_nothing(
    server: Any, fresh_sandbox: Any, mode: str
) -> None:
    callback = answer("decline")
    async with Client(server, mode=mode, elicitation_callback=callback) as client:
        text = await call_error(
            client,
            "network-list-activate",
            {"network_list_id": "1024_BLOCKLIST", "network": "PRODUCTION"},
        )
    assert "declined" in text and "Nothing was changed" in text
    (question,) = callback.asked
    assert "1024_BLOCKLIST" in question and "PRODUCTION" in question
    assert fresh_sandbox.admin.route_count(ACTIVATE) == 0
    assert fresh_sandbox.admin.writes() == 0


async def test_production_activation_with_confirm_and_a_timeout_returns_the_state(
    server: Any, fresh_sandbox: Any
) -> None:
    """Without elicitation `confirm: true` is needed; a timeout is not a failure."""
    args = {"network_list_id": "2048_ALLOWGEO", "network": "production", "timeout_s": 0}
    async with Client(server) as client:
        refused = await call_error(client, "network-list-activate", args)
        assert "Confirmation required" in refused
        assert fresh_sandbox.admin.route_count(ACTIVATE) == 0
        out = await call(client, "network-list-activate", {**args, "confirm": True})
    assert out["network"] == "PRODUCTION" and out["finished"] is False
    assert out["status"] == "PENDING_ACTIVATION" and out["activation_id"]
    assert "not a failure" in out["next_step"]
    assert "network-list-activation-status network_list_id=2048_ALLOWGEO" in out["next_step"]
    assert fresh_sandbox.admin.route_count(ACTIVATE, status=200) == 1


async def test_delete_asks_and_only_never_activated_lists_go(
    server: Any, fresh_sandbox: Any
) -> None:
    callback = answer("accept", {"confirm": True})
    async with Client(server, elicitation_callback=callback) as client:
        created = await call(client, "network-list-create", {"name": "Temp", "type": "GEO"})
        list_id = created["network_list_id"]
        deleted = await call(client, "network-list-delete", {"network_list_id": list_id})
        refused = await client.call_tool(
            "network-list-delete", {"network_list_id": "1024_BLOCKLIST"}
        )
        listed = await call(client, "network-list-list", {})
    assert deleted == {"network_list_id": list_id, "deleted": True}
    assert callback.asked[0].startswith(f"Delete network list {list_id}?")
    assert refused.is_error and "409" in refused.content[0].text
    assert "never activated" in refused.content[0].text
    ids = {x["network_list_id"] for x in listed["network_lists"]}
    assert ids == {"1024_BLOCKLIST", "2048_ALLOWGEO"}
    assert fresh_sandbox.admin.route_count(DELETE, status=200) == 1


async def test_declined_delete_sends_nothing(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server, elicitation_callback=answer("decline")) as client:
        text = await call_error(client, "network-list-delete", {"network_list_id": "2048_ALLOWGEO"})
    assert "Nothing was changed" in text
    assert fresh_sandbox.admin.route_count(DELETE) == 0


async def test_list_filters_and_elements(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server) as client:
        everything = await call(client, "network-list-list", {})
        geo = await call(client, "network-list-list", {"types": ["GEO"]})  # one filter name
        found = await call(client, "network-list-list", {"search": "198.51.100"})
        with_elements = await call(
            client, "network-list-list", {"include_elements": True, "max_elements": 2}
        )
        by_name = await call(client, "network-list-get", {"network_list_id": "Allowed countries"})
    assert [x["network_list_id"] for x in everything["network_lists"]] == [
        "1024_BLOCKLIST",
        "2048_ALLOWGEO",
    ]
    first = everything["network_lists"][0]
    assert first["elements"] is None and first["element_count"] == 3
    assert (first["staging_status"], first["production_status"]) == ("ACTIVE", "ACTIVE")
    assert [x["network_list_id"] for x in geo["network_lists"]] == ["2048_ALLOWGEO"]
    assert [x["network_list_id"] for x in found["network_lists"]] == ["1024_BLOCKLIST"]
    trimmed = with_elements["network_lists"][0]
    assert trimmed["elements"] == ["192.0.2.66", "198.51.100.0/24"]
    assert trimmed["elements_truncated"] is True
    assert by_name["network_list"]["network_list_id"] == "2048_ALLOWGEO"
    assert by_name["network_list"]["elements"] == ["US", "CA", "GB", "DE"]


async def test_customer_and_account_switch_key_select_the_account(
    server: Any, fresh_sandbox: Any
) -> None:
    async with Client(server) as client:
        own = await call(client, "network-list-list", {})
        switched = await call(client, "network-list-list", {"account_switch_key": KEY_B})
        other = await call(client, "network-list-list", {"customer": "sandbox-b"})
        created = await call(
            client,
            "network-list-create",
            {"name": "B only", "type": "IP", "account_switch_key": KEY_B},
        )
        missing = await client.call_tool("network-list-get", {"network_list_id": "3072_PARTNERS"})
    assert {x["network_list_id"] for x in own["network_lists"]} == {
        "1024_BLOCKLIST",
        "2048_ALLOWGEO",
    }
    assert [x["network_list_id"] for x in switched["network_lists"]] == ["3072_PARTNERS"]
    assert [x["network_list_id"] for x in other["network_lists"]] == ["3072_PARTNERS"]
    assert created["network_list_id"] in fresh_sandbox.admin.state(ACCOUNT_B, "network_lists")
    assert missing.is_error and "404" in missing.content[0].text  # account A cannot see it

"""purge-invalidate and purge-delete through a real MCP client against the sandbox: purge ids
and estimated seconds per kind, splitting large URL lists, confirmation of production deletes
(declining sends no POST), input errors naming the field, and account selection."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from purge_support import ACCOUNT_A, ACCOUNT_B, KEY_B, answer, call, call_error

from alecs.server import build_server

MODES = ["legacy", "auto"]
INVALIDATE_URL = "POST /ccu/v3/invalidate/url/{network}"
DELETE_URL = "POST /ccu/v3/delete/url/{network}"


@pytest.fixture
def server(fresh_sandbox: Any) -> Any:
    return build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )


def _ccu_posts(sandbox: Any) -> int:
    routes = sandbox.admin.counters()["routes"]
    return sum(v["count"] for k, v in routes.items() if k.startswith("POST /ccu/"))


async def test_tools_are_annotated_honestly(server: Any) -> None:
    async with Client(server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    invalidate = tools["purge-invalidate"].annotations
    delete = tools["purge-delete"].annotations
    assert invalidate is not None and delete is not None
    assert (invalidate.read_only_hint, invalidate.destructive_hint, invalidate.idempotent_hint) == (
        False,
        False,
        True,
    )
    assert (delete.read_only_hint, delete.destructive_hint, delete.idempotent_hint) == (
        False,
        True,
        True,
    )
    schema = tools["purge-delete"].input_schema["properties"]
    assert schema["network"]["default"] == "PRODUCTION" and "confirm" in schema


@pytest.mark.parametrize(
    ("args", "route", "kind"),
    [
        (
            {"urls": ["www.example.com/index.html", "https://api.example.com/v1/health"]},
            INVALIDATE_URL,
            "url",
        ),
        (
            {"cpcodes": ["cpc_1000001", 1000002]},
            "POST /ccu/v3/invalidate/cpcode/{network}",
            "cpcode",
        ),
        ({"tags": ["black-friday"]}, "POST /ccu/v3/invalidate/tag/{network}", "tag"),
    ],
)
async def test_invalidate_by_url_cpcode_or_tag(
    server: Any, fresh_sandbox: Any, args: dict[str, Any], route: str, kind: str
) -> None:
    async with Client(server) as client:
        out = await call(client, "purge-invalidate", args)
    assert out["action"] == "invalidate" and out["network"] == "PRODUCTION"
    assert out["kind"] == kind and out["estimated_seconds"] == 5
    (purge_id,) = out["purge_ids"]
    assert purge_id.startswith("ed") and out["requests"][0]["support_id"] == purge_id
    assert fresh_sandbox.admin.route_count(route, status=201) == 1
    stored = fresh_sandbox.admin.state(ACCOUNT_A, "purges")[purge_id]
    assert stored["network"] == "production"
    if kind == "url":
        assert (
            out["sample"]
            == stored["objects"]
            == [
                "https://www.example.com/index.html",
                "https://api.example.com/v1/health",
            ]
        )
    if kind == "cpcode":
        assert stored["objects"] == [1000001, 1000002]


async def test_a_list_over_50_kb_is_split_with_progress(server: Any, fresh_sandbox: Any) -> None:
    paths = [f"/assets/build-2024/chunk-{i:05d}.js" for i in range(2000)]  # ~80 KB as URLs
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    async with Client(server) as client:
        result = await client.call_tool(
            "purge-invalidate",
            {"urls": paths, "hostname": "www.example.com", "network": "staging"},
            progress_callback=on_progress,
        )
    assert not result.is_error, result.content[0].text
    out = result.structured_content
    n = len(out["requests"])
    assert f"Invalidated 2000 URL(s)/ARL(s) on STAGING in {n} requests" in result.content[0].text
    assert n >= 2 and out["objects"] == 2000 and len(out["purge_ids"]) == n
    assert sum(r["objects"] for r in out["requests"]) == 2000
    assert fresh_sandbox.admin.route_count(INVALIDATE_URL) == n  # each request arrived once
    assert fresh_sandbox.admin.writes(INVALIDATE_URL) == n
    purges = fresh_sandbox.admin.state(ACCOUNT_A, "purges")
    received = [u for p in purges.values() for u in p["objects"]]
    assert sorted(received) == sorted(f"https://www.example.com{p}" for p in paths)
    assert [p[0] for p in progress] == list(range(1, n + 1)) and progress[-1][1] == n


@pytest.mark.parametrize("mode", MODES)
async def test_production_delete_declined_sends_no_post(
    server: Any, fresh_sandbox: Any, mode: str
) -> None:
    callback = answer("decline")
    async with Client(server, mode=mode, elicitation_callback=callback) as client:
        text = await call_error(
            client, "purge-delete", {"urls": ["https://www.example.com/secret.pdf"]}
        )
    assert "declined" in text and "Nothing was changed" in text
    (question,) = callback.asked
    assert "PRODUCTION" in question and "https://www.example.com/secret.pdf" in question
    assert "purge-invalidate" in question
    assert fresh_sandbox.admin.route_count(DELETE_URL) == 0
    assert _ccu_posts(fresh_sandbox) == 0


@pytest.mark.parametrize("network", ["production", " Production "])
async def test_production_typed_in_lower_case_still_asks(
    server: Any, fresh_sandbox: Any, network: str
) -> None:
    callback = answer("decline")
    async with Client(server, elicitation_callback=callback) as client:
        await call_error(client, "purge-delete", {"tags": ["x"], "network": network})
    assert len(callback.asked) == 1
    assert _ccu_posts(fresh_sandbox) == 0


@pytest.mark.parametrize("mode", MODES)
async def test_production_delete_accepted_purges_once(
    server: Any, fresh_sandbox: Any, mode: str
) -> None:
    callback = answer("accept", {"confirm": True})
    async with Client(server, mode=mode, elicitation_callback=callback) as client:
        out = await call(client, "purge-delete", {"cpcodes": [1000001]})
    assert len(callback.asked) == 1 and "everything cached under them" in callback.asked[0]
    assert out["action"] == "delete" and len(out["purge_ids"]) == 1
    assert fresh_sandbox.admin.route_count("POST /ccu/v3/delete/cpcode/{network}", 201) == 1


async def test_delete_without_elicitation_needs_confirm_and_staging_needs_none(
    server: Any, fresh_sandbox: Any
) -> None:
    args = {"tags": ["legal-hold"]}
    async with Client(server) as client:
        text = await call_error(client, "purge-delete", args)
        assert "Confirmation required" in text and "confirm: true" in text
        assert _ccu_posts(fresh_sandbox) == 0
        staging = await call(client, "purge-delete", {**args, "network": "staging"})
        confirmed = await call(client, "purge-delete", {**args, "confirm": True})
    assert staging["network"] == "STAGING" and confirmed["network"] == "PRODUCTION"
    counts = fresh_sandbox.admin.counters()["routes"]["POST /ccu/v3/delete/tag/{network}"]
    assert counts == {"count": 2, "status": {"201": 2}}


async def test_invalidate_on_production_asks_nothing(server: Any, fresh_sandbox: Any) -> None:
    callback = answer("decline")
    async with Client(server, elicitation_callback=callback) as client:
        await call(client, "purge-invalidate", {"urls": ["https://www.example.com/"]})
    assert callback.asked == []
    assert fresh_sandbox.admin.route_count(INVALIDATE_URL, status=201) == 1


@pytest.mark.parametrize(
    ("tool", "args", "words"),
    [
        ("purge-invalidate", {}, ["`urls/cpcodes/tags`", "nothing to purge"]),
        ("purge-invalidate", {"urls": ["https://www.example.com/"], "tags": ["a"]}, ["urls/tags"]),
        (
            "purge-invalidate",
            {"urls": ["https://www.example.com/ok", "ftp://www.example.com/x"]},
            ["`urls`", "item 2", "ftp://"],
        ),
        ("purge-invalidate", {"urls": ["/relative/path"]}, ["`urls`", "hostname"]),
        ("purge-invalidate", {"cpcodes": ["abc"]}, ["`cpcodes`", "'abc'"]),
        ("purge-invalidate", {"tags": ["no spaces allowed"]}, ["`tags`", "item 1"]),
        ("purge-invalidate", {"urls": []}, ["`urls`"]),
        ("purge-invalidate", {"tags": ["a"], "network": "edge"}, ["`network`"]),
        ("purge-invalidate", {"tags": ["a"], "hostname": "www.example.com"}, ["`hostname`"]),
        # confirmation is not asked for input that cannot be purged: the field error comes back
        ("purge-delete", {"urls": ["https://www.example.com/"], "cpcodes": [1]}, ["urls/cpcodes"]),
    ],
)
async def test_invalid_input_is_a_tool_error_naming_the_field(
    server: Any, fresh_sandbox: Any, tool: str, args: dict[str, Any], words: list[str]
) -> None:
    callback = answer("accept", {"confirm": True})
    async with Client(server, elicitation_callback=callback) as client:
        text = await call_error(client, tool, args)
    for word in words:
        assert word in text, text
    assert callback.asked == []
    assert _ccu_posts(fresh_sandbox) == 0


async def test_akamai_refusal_is_shown_with_status_and_title(
    server: Any, fresh_sandbox: Any
) -> None:
    async with Client(server) as client:
        result = await client.call_tool(
            "purge-invalidate", {"urls": ["https://shop.example.net/cart"]}
        )
    assert result.is_error
    text = result.content[0].text
    assert "403" in text and "unauthorized arl" in text and "shop.example.net/cart" in text
    assert result.meta["alecs/error"]["status"] == 403


async def test_customer_and_account_switch_key_select_the_account(
    server: Any, fresh_sandbox: Any
) -> None:
    url = {"urls": ["https://shop.example.net/cart"], "network": "staging"}  # account B's site
    async with Client(server) as client:
        switched = await call(client, "purge-invalidate", {**url, "account_switch_key": KEY_B})
        other = await call(client, "purge-invalidate", {**url, "customer": "sandbox-b"})
        own = await call(client, "purge-invalidate", {"cpcodes": [1000001], "network": "staging"})
        unknown = await call_error(client, "purge-invalidate", {**url, "customer": "nope"})
    purges_b = fresh_sandbox.admin.state(ACCOUNT_B, "purges")
    purges_a = fresh_sandbox.admin.state(ACCOUNT_A, "purges")
    assert set(purges_b) == {switched["purge_ids"][0], other["purge_ids"][0]}
    assert set(purges_a) == {own["purge_ids"][0]}
    assert "`customer`" in unknown and "sandbox-b" in unknown
    accounts = fresh_sandbox.admin.counters()["accounts"]
    assert accounts[ACCOUNT_B] == 2 and accounts[ACCOUNT_A] == 1

"""Confirmation before changes: elicitation (both protocol generations) and `confirm: true`.

A test-only tool, declared exactly like a service module declares one, creates a CP code in the
sandbox (`POST /papi/v1/cpcodes`). The sandbox's admin counters prove whether the write reached
the server: declining sends nothing, accepting creates exactly one CP code.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from mcp import Client
from mcp.types import ElicitResult

from alecs.server import build_server
from alecs.tools._common import (
    AccountSwitchKey,
    ConfirmArg,
    Confirmed,
    Ctx,
    Customer,
    Registry,
    ToolOutput,
    app_state,
    confirmation,
    resolve_section,
)

MODES = ["legacy", "auto"]
ROUTE = "POST /papi/v1/cpcodes"


class CpcodeCreated(ToolOutput):
    cpcode_link: str
    confirmed_by: str

    def summary(self) -> str:
        return f"created {self.cpcode_link}"


def _question(cpcode_name: str, network: str) -> str | None:
    if network != "PRODUCTION":
        return None
    return f"Create CP code {cpcode_name!r} for production traffic?"


def add_confirmed_tool(server: Any) -> None:
    tools = Registry()

    @tools.tool(
        "test-cpcode-create", toolset="papi", kind="write", title="Create a CP code (confirmed)"
    )
    async def cpcode_create(
        ctx: Ctx,
        confirmed: Annotated[Confirmed, confirmation(_question)],
        cpcode_name: str,
        contract_id: str,
        group_id: str,
        product_id: str,
        network: Literal["STAGING", "PRODUCTION"] = "PRODUCTION",
        customer: Customer = None,
        account_switch_key: AccountSwitchKey = None,
        confirm: ConfirmArg = False,
    ) -> CpcodeCreated:
        """Create a CP code after confirmation (test only)."""
        state = app_state(ctx)
        response = await state.transport.request(
            resolve_section(ctx, customer),
            "POST",
            "/papi/v1/cpcodes",
            params={"contractId": contract_id, "groupId": group_id},
            json={"cpcodeName": cpcode_name, "productId": product_id},
            account_switch_key=account_switch_key,
        )
        return CpcodeCreated(cpcode_link=response.json()["cpcodeLink"], confirmed_by=confirmed.how)

    server.install_tools(tools.specs())


@pytest.fixture
def server(fresh_sandbox: Any) -> Any:
    srv = build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )
    add_confirmed_tool(srv)
    return srv


@pytest.fixture
def ids(sandbox: Any, sandbox_credentials: Any) -> dict[str, str]:
    """A contract, group and product of the demo account that go together."""
    import ssl

    import httpx2

    from alecs.transport.auth import EdgeGridAuth

    trust = ssl.create_default_context(cafile=str(sandbox.ca_path))
    with httpx2.Client(
        base_url=sandbox.url, verify=trust, auth=EdgeGridAuth(sandbox_credentials)
    ) as http:
        groups = http.get("/papi/v1/groups").json()["groups"]["items"]
        group = next(g for g in groups if g.get("contractIds"))
        contract = group["contractIds"][0]
        products = http.get("/papi/v1/products", params={"contractId": contract}).json()
    return {
        "contract_id": contract,
        "group_id": group["groupId"],
        "product_id": products["products"]["items"][0]["productId"],
    }


def _answer(action: str, content: dict[str, Any] | None = None) -> Any:
    asked: list[str] = []

    async def callback(context: Any, params: Any) -> ElicitResult:
        asked.append(params.message)
        return ElicitResult(action=action, content=content)

    callback.asked = asked  # type: ignore[attr-defined]
    return callback


def _args(ids: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"cpcode_name": "confirm test", **ids, **extra}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("action", "content", "outcome"),
    [
        ("decline", None, "the user declined"),
        ("cancel", None, "the user cancelled"),
        ("accept", {"confirm": False}, "the user did not confirm"),
    ],
)
async def test_declining_changes_nothing(
    server: Any,
    fresh_sandbox: Any,
    ids: dict[str, str],
    mode: str,
    action: str,
    content: Any,
    outcome: str,
) -> None:
    before = fresh_sandbox.admin.counters()
    callback = _answer(action, content)
    async with Client(server, mode=mode, elicitation_callback=callback) as client:
        # confirm: true does not bypass the question when the client can ask the user.
        result = await client.call_tool("test-cpcode-create", _args(ids, confirm=True))
    assert result.is_error
    text = result.content[0].text
    assert outcome in text and "Nothing was changed" in text
    assert callback.asked == ["Create CP code 'confirm test' for production traffic?"]
    after = fresh_sandbox.admin.counters()
    assert fresh_sandbox.admin.route_count(ROUTE) == 0
    assert after["writes_total"] == before["writes_total"] == 0


@pytest.mark.parametrize("mode", MODES)
async def test_accepting_proceeds_once(
    server: Any, fresh_sandbox: Any, ids: dict[str, str], mode: str
) -> None:
    callback = _answer("accept", {"confirm": True})
    async with Client(server, mode=mode, elicitation_callback=callback) as client:
        result = await client.call_tool("test-cpcode-create", _args(ids))
    assert not result.is_error, result.content
    assert result.structured_content["confirmed_by"] == "elicitation"
    assert result.structured_content["cpcode_link"].startswith("/papi/v1/cpcodes/cpc_")
    assert len(callback.asked) == 1
    assert fresh_sandbox.admin.route_count(ROUTE, status=201) == 1
    assert fresh_sandbox.admin.writes(ROUTE) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_without_elicitation_confirm_argument_is_required(
    server: Any, fresh_sandbox: Any, ids: dict[str, str], mode: str
) -> None:
    async with Client(server, mode=mode) as client:
        refused = await client.call_tool("test-cpcode-create", _args(ids))
        assert refused.is_error
        text = refused.content[0].text
        assert "Confirmation required" in text and "confirm: true" in text
        assert "Nothing was changed" in text
        assert fresh_sandbox.admin.route_count(ROUTE) == 0

        done = await client.call_tool("test-cpcode-create", _args(ids, confirm=True))
    assert not done.is_error, done.content
    assert done.structured_content["confirmed_by"] == "argument"
    assert fresh_sandbox.admin.writes(ROUTE) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_no_question_when_the_change_needs_no_confirmation(
    server: Any, fresh_sandbox: Any, ids: dict[str, str], mode: str
) -> None:
    callback = _answer("decline")
    async with Client(server, mode=mode, elicitation_callback=callback) as client:
        result = await client.call_tool("test-cpcode-create", _args(ids, network="STAGING"))
    assert not result.is_error, result.content
    assert result.structured_content["confirmed_by"] == "not-required"
    assert callback.asked == []
    assert fresh_sandbox.admin.writes(ROUTE) == 1


async def test_confirmed_tools_are_left_out_when_read_only(fresh_sandbox: Any) -> None:
    srv = build_server(
        toolsets="all",
        edgerc=fresh_sandbox.edgerc_path,
        section="sandbox",
        read_only=True,
        warm_up=False,
    )
    tools = Registry()

    @tools.tool("test-thing-delete", toolset="papi", kind="destructive", title="Delete a thing")
    async def thing_delete(
        ctx: Ctx,
        confirmed: Annotated[Confirmed, confirmation(lambda name: f"Delete {name}?")],
        name: str,
        confirm: ConfirmArg = False,
    ) -> CpcodeCreated:
        """Delete (test only)."""
        raise AssertionError("never registered, never called")

    assert srv.install_tools(tools.specs()) == []
    assert "test-thing-delete" not in {t.name for t in await srv.list_tools()}

"""`customer` (the .edgerc section) and `account_switch_key` select whose Property Manager data
the tools see and change.

The sandbox's edgerc has `[sandbox]` (account A, may switch accounts) and `[sandbox-b]`
(account B); switch key `1-7SBXB2:1-8SBX` selects account B.
"""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from papi_support import call, call_error

from alecs.sandbox.seed import ACCOUNT_A, ACCOUNT_B
from alecs.server import build_server

SWITCH_TO_B = "1-7SBXB2:1-8SBX"
MODES = ["legacy", "auto"]


@pytest.fixture
def server(fresh_sandbox: Any) -> Any:
    return build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )


def _names(result: dict[str, Any]) -> set[str]:
    return {p["property_name"] for p in result["properties"]}


@pytest.mark.parametrize("mode", MODES)
async def test_customer_and_switch_key_select_the_account(server: Any, mode: str) -> None:
    async with Client(server, mode=mode) as client:
        default = await call(client, "property-list", {})
        other_client = await call(client, "property-list", {"customer": "sandbox-b"})
        switched = await call(client, "property-list", {"account_switch_key": SWITCH_TO_B})
        contracts_b = await call(client, "contract-list", {"customer": "sandbox-b"})
        not_visible = await call_error(client, "property-get", {"property_id": "prp_610001"})
        visible = await call(
            client, "property-get", {"property_id": "prp_610001", "account_switch_key": SWITCH_TO_B}
        )
        unknown = await call_error(client, "property-list", {"customer": "acme"})
    assert _names(default) == {
        "www.example.com",
        "api.example.com",
        "downloads.example.com",
        "media.example.com",
    }
    assert _names(other_client) == _names(switched) == {"shop.example.net"}
    assert contracts_b["account_id"] == ACCOUNT_B
    assert [c["contract_id"] for c in contracts_b["contracts"]] == ["ctr_1-7SBXC9"]
    assert "status 404" in not_visible.content[0].text
    assert visible["property"]["account_id"] == ACCOUNT_B
    assert "Invalid value for `customer`" in unknown.content[0].text


async def test_writes_land_in_the_selected_account(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server, mode="legacy") as client:
        created = await call(
            client,
            "property-create",
            {
                "property_name": "b-only.example.net",
                "product_id": "prd_Fresca",
                "group_id": "grp_200002",
                "account_switch_key": SWITCH_TO_B,
            },
        )
        code = await call(
            client,
            "cpcode-create",
            {"cpcode_name": "b only", "product_id": "prd_Fresca", "customer": "sandbox-b",
             "group_id": "grp_200002"},
        )  # fmt: skip
    assert created["contract_id"] == "ctr_1-7SBXC9"  # looked up from B's group
    b_props = fresh_sandbox.admin.state(ACCOUNT_B, "properties")
    a_props = fresh_sandbox.admin.state(ACCOUNT_A, "properties")
    assert created["property_id"] in b_props and created["property_id"] not in a_props
    assert code["cpcode_id"] in fresh_sandbox.admin.state(ACCOUNT_B, "cpcodes")
    assert code["cpcode_id"] not in fresh_sandbox.admin.state(ACCOUNT_A, "cpcodes")

"""The sandbox's PAPI prerequisites: shapes validated against Akamai's official OpenAPI specs,
and account selection by API client and accountSwitchKey."""

from __future__ import annotations

import ssl
from typing import Any

import httpx2
import pytest
from openapi_schema import (
    SchemaMismatch,
    require_specs,
    specs_available,
    validate_request,
    validate_response,
)

from alecs.transport.auth import EdgeGridAuth

A, B = "act_1-5SBXA1", "act_1-7SBXB2"
KEY_A, KEY_B = "1-5SBXA1:1-8SBX", "1-7SBXB2:1-8SBX"
C1 = "ctr_1-5SBXC1"
WEB = "grp_100002"


def _client(sandbox: Any, creds: Any) -> httpx2.AsyncClient:
    return httpx2.AsyncClient(
        http2=True,
        base_url=sandbox.url,
        auth=EdgeGridAuth(creds),
        verify=ssl.create_default_context(cafile=str(sandbox.ca_path)),
        headers={"PAPI-Use-Prefixes": "true"},
    )


GETS = [
    "/papi/v1/contracts",
    "/papi/v1/groups",
    f"/papi/v1/products?contractId={C1}",
    f"/papi/v1/cpcodes?contractId={C1}&groupId={WEB}",
    f"/papi/v1/cpcodes/cpc_1000001?contractId={C1}&groupId={WEB}",
]


@pytest.mark.parametrize("path", GETS)
async def test_responses_validate_against_official_schema(fresh_sandbox, sandbox_credentials, path):
    require_specs("papi/v1")
    validate_request(api="papi/v1", method="GET", path=path, headers={"PAPI-Use-Prefixes": "true"})
    async with _client(fresh_sandbox, sandbox_credentials) as client:
        resp = await client.get(path)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/json"
    validate_response(api="papi/v1", method="GET", path=path, status=200, body=resp.json())


async def test_without_prefixes_responses_still_validate(fresh_sandbox, sandbox_credentials):
    require_specs("papi/v1")
    async with _client(fresh_sandbox, sandbox_credentials) as client:
        resp = await client.get("/papi/v1/groups", headers={"PAPI-Use-Prefixes": "false"})
    body = resp.json()
    validate_response(api="papi/v1", method="GET", path="/papi/v1/groups", status=200, body=body)
    assert body["accountId"] == "1-5SBXA1"
    web = next(g for g in body["groups"]["items"] if g["groupName"] == "Web")
    assert web == {
        "groupName": "Web",
        "groupId": "100002",
        "parentGroupId": "100001",
        "contractIds": ["1-5SBXC1"],
    }


async def test_seed_shapes_match_the_official_examples(fresh_sandbox, sandbox_credentials):
    async with _client(fresh_sandbox, sandbox_credentials) as client:
        contracts = (await client.get("/papi/v1/contracts")).json()
        groups = (await client.get("/papi/v1/groups")).json()
        products = (await client.get("/papi/v1/products", params={"contractId": C1})).json()
        cpcodes = (
            await client.get("/papi/v1/cpcodes", params={"contractId": C1, "groupId": WEB})
        ).json()
    assert set(contracts) == {"accountId", "contracts"}
    assert contracts["contracts"]["items"][0] == {
        "contractId": C1,
        "contractTypeName": "DIRECT_CUSTOMER",
    }
    assert set(groups) == {"accountId", "accountName", "groups"}
    tree = {g["groupId"]: g.get("parentGroupId") for g in groups["groups"]["items"]}
    assert tree == {
        "grp_100001": None,
        "grp_100002": "grp_100001",
        "grp_100003": "grp_100001",
        "grp_100004": "grp_100002",
    }
    assert set(products) == {"accountId", "contractId", "products"}
    assert {"productName": "Ion Standard", "productId": "prd_Fresca"} in products["products"][
        "items"
    ]
    assert set(cpcodes) == {"accountId", "contractId", "groupId", "cpcodes"}
    assert set(cpcodes["cpcodes"]["items"][0]) == {
        "cpcodeId",
        "cpcodeName",
        "createdDate",
        "productIds",
    }


async def test_cpcode_create_validates_and_is_listed(fresh_sandbox, sandbox_credentials):
    require_specs("papi/v1")
    path = f"/papi/v1/cpcodes?contractId={C1}&groupId={WEB}"
    body = {"productId": "prd_Fresca", "cpcodeName": "Sandbox new"}
    validate_request(
        api="papi/v1", method="POST", path=path, body=body, headers={"PAPI-Use-Prefixes": "true"}
    )
    async with _client(fresh_sandbox, sandbox_credentials) as client:
        created = await client.post(path, json=body)
        listed = await client.get(path)
    assert created.status_code == 201, created.text
    validate_response(api="papi/v1", method="POST", path=path, status=201, body=created.json())
    link = created.json()["cpcodeLink"]
    assert created.headers["location"] == link
    new_id = link.split("/")[-1].split("?")[0]
    assert new_id in [c["cpcodeId"] for c in listed.json()["cpcodes"]["items"]]
    assert fresh_sandbox.admin.writes("POST /papi/v1/cpcodes") == 1


@pytest.mark.parametrize(
    ("path", "status", "needle"),
    [
        ("/papi/v1/products", 400, "contractId"),
        (f"/papi/v1/cpcodes?contractId={C1}", 400, "groupId"),
        ("/papi/v1/products?contractId=ctr_1-7SBXC9", 403, "ctr_1-7SBXC9"),
        ("/papi/v1/cpcodes/cpc_999?contractId=ctr_1-5SBXC1&groupId=grp_100002", 404, "cpc_999"),
        ("/papi/v1/no-such-thing", 404, "not an operation of any Akamai API"),
    ],
)
async def test_errors_are_problem_json_naming_the_field(
    fresh_sandbox, sandbox_credentials, path, status, needle
):
    async with _client(fresh_sandbox, sandbox_credentials) as client:
        resp = await client.get(path)
    assert resp.status_code == status
    assert resp.headers["content-type"] == "application/problem+json"
    problem = resp.json()
    assert needle in problem["detail"]
    assert problem["status"] == status
    assert problem["instance"].startswith(path.split("?")[0])
    if path != "/papi/v1/no-such-thing" and specs_available("papi/v1"):
        validate_response(api="papi/v1", method="GET", path=path, status=status, body=problem)


async def test_wrong_method_is_405_with_allow(fresh_sandbox, sandbox_credentials):
    async with _client(fresh_sandbox, sandbox_credentials) as client:
        resp = await client.delete("/papi/v1/contracts")
    assert resp.status_code == 405
    assert resp.headers["allow"] == "GET"


async def test_create_rejects_bad_bodies_without_writing(fresh_sandbox, sandbox_credentials):
    path = f"/papi/v1/cpcodes?contractId={C1}&groupId={WEB}"
    async with _client(fresh_sandbox, sandbox_credentials) as client:
        missing = await client.post(path, json={"cpcodeName": "x"})
        bad_name = await client.post(path, json={"productId": "prd_Fresca", "cpcodeName": "a_b"})
        not_json = await client.post(
            path, content=b"{nope", headers={"content-type": "application/json"}
        )
        wrong_type = await client.post(
            path, content=b"<xml/>", headers={"content-type": "application/xml"}
        )
    assert [r.status_code for r in (missing, bad_name, not_json, wrong_type)] == [
        400,
        400,
        400,
        415,
    ]
    assert "productId" in missing.json()["detail"]
    assert "underscores" in bad_name.json()["detail"]
    assert fresh_sandbox.admin.writes() == 0


# ---------------------------------------------------------------------------------------------
# Accounts


async def _contracts(sandbox: Any, creds: Any, **params: str) -> httpx2.Response:
    async with _client(sandbox, creds) as client:
        return await client.get("/papi/v1/contracts", params=params)


async def test_account_switch_key_selects_the_account(
    fresh_sandbox, sandbox_credentials, sandbox_credentials_b
):
    own = await _contracts(fresh_sandbox, sandbox_credentials)
    switched = await _contracts(fresh_sandbox, sandbox_credentials, accountSwitchKey=KEY_B)
    self_key = await _contracts(fresh_sandbox, sandbox_credentials, accountSwitchKey=KEY_A)
    other_client = await _contracts(fresh_sandbox, sandbox_credentials_b)
    assert own.json()["accountId"] == A
    assert switched.json()["accountId"] == B
    assert switched.json()["contracts"]["items"] == [
        {"contractId": "ctr_1-7SBXC9", "contractTypeName": "DIRECT_CUSTOMER"}
    ]
    assert self_key.json()["accountId"] == A
    assert other_client.json()["accountId"] == B
    assert fresh_sandbox.admin.counters()["accounts"] == {A: 2, B: 2}


async def test_account_key_in_credentials_is_applied_by_the_auth(fresh_sandbox):
    creds = fresh_sandbox.credentials("sandbox", account_key=KEY_B)
    resp = await _contracts(fresh_sandbox, creds)
    assert resp.json()["accountId"] == B


async def test_unknown_or_forbidden_switch_key_is_403(
    fresh_sandbox, sandbox_credentials, sandbox_credentials_b
):
    unknown = await _contracts(fresh_sandbox, sandbox_credentials, accountSwitchKey="9-NOPE:1-X")
    not_allowed = await _contracts(fresh_sandbox, sandbox_credentials_b, accountSwitchKey=KEY_A)
    for resp in (unknown, not_allowed):
        assert resp.status_code == 403
        assert resp.headers["content-type"] == "application/problem+json"
        assert {"type", "title", "detail", "instance", "status"} <= set(resp.json())
    assert "switch" in not_allowed.json()["detail"]
    if specs_available("papi/v1"):
        validate_response(
            api="papi/v1",
            method="GET",
            path="/papi/v1/contracts",
            status=403,
            body=unknown.json(),
        )


async def test_accounts_have_separate_data(fresh_sandbox, sandbox_credentials):
    async with _client(fresh_sandbox, sandbox_credentials) as client:
        b_groups = await client.get("/papi/v1/groups", params={"accountSwitchKey": KEY_B})
        a_sees_b_group = await client.get(
            "/papi/v1/cpcodes", params={"contractId": C1, "groupId": "grp_200002"}
        )
    assert [g["groupName"] for g in b_groups.json()["groups"]["items"]] == [
        "Other Example Ltd",
        "Shop",
    ]
    assert a_sees_b_group.status_code == 403


def test_schema_helper_reports_mismatches() -> None:
    require_specs("papi/v1")
    with pytest.raises(SchemaMismatch, match="contractTypeName"):
        validate_response(
            api="papi/v1",
            method="GET",
            path="/papi/v1/contracts",
            status=200,
            body={"accountId": "act_1", "contracts": {"items": [{"contractId": "ctr_1"}]}},
        )
    with pytest.raises(SchemaMismatch, match="groupId"):
        validate_request(
            api="papi/v1",
            method="GET",
            path="/papi/v1/cpcodes?contractId=ctr_1",
            headers={"PAPI-Use-Prefixes": "true"},
        )
    with pytest.raises(SchemaMismatch, match="no operation"):
        validate_response(api="papi/v1", method="GET", path="/papi/v1/nope", status=200, body={})

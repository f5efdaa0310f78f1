"""Sandbox state: persistence across restarts, --reset, atomic writes, long-running operations,
and the seed data other services build on."""

from __future__ import annotations

import sqlite3
import ssl
from pathlib import Path
from typing import Any

import httpx2
import pytest

from alecs.sandbox import seed
from alecs.sandbox.state import (
    DB_FILE,
    SandboxClock,
    Store,
    operation_done,
    operation_remaining,
    operation_state,
    schedule,
)
from alecs.transport.auth import EdgeGridAuth

CPCODES = "/papi/v1/cpcodes?contractId=ctr_1-5SBXC1&groupId=grp_100002"


async def _call(sb: Any, method: str, path: str, **kw: Any) -> httpx2.Response:
    async with httpx2.AsyncClient(
        http2=True,
        base_url=sb.url,
        auth=EdgeGridAuth(sb.credentials()),
        verify=ssl.create_default_context(cafile=str(sb.ca_path)),
    ) as client:
        return await client.request(method, path, **kw)


async def _names(sb: Any) -> list[str]:
    resp = await _call(sb, "GET", CPCODES)
    return [c["cpcodeName"] for c in resp.json()["cpcodes"]["items"]]


async def test_persisted_state_survives_a_restart(sandbox_factory, tmp_path):
    state_dir = tmp_path / "persisted"
    first = sandbox_factory(state_dir=state_dir, persist=True, rate_limits=False)
    created = await _call(
        first, "POST", CPCODES, json={"productId": "prd_Fresca", "cpcodeName": "survivor"}
    )
    assert created.status_code == 201
    token = first.credentials().client_token
    first.stop()
    assert (state_dir / DB_FILE).is_file()

    second = sandbox_factory(state_dir=state_dir, persist=True, rate_limits=False)
    assert second.credentials().client_token == token  # the edgerc keeps working
    assert "survivor" in await _names(second)
    again = await _call(
        second, "POST", CPCODES, json={"productId": "prd_Fresca", "cpcodeName": "next"}
    )
    # ids continue after a restart instead of colliding with the persisted ones
    assert again.json()["cpcodeLink"] != created.json()["cpcodeLink"]
    second.stop()

    third = sandbox_factory(state_dir=state_dir, persist=True, reset=True, rate_limits=False)
    assert "survivor" not in await _names(third)
    assert "www.example.com" in await _names(third)


async def test_without_persist_a_restart_starts_from_seed(sandbox_factory, tmp_path):
    state_dir = tmp_path / "memory"
    first = sandbox_factory(state_dir=state_dir, rate_limits=False)
    await _call(first, "POST", CPCODES, json={"productId": "prd_Fresca", "cpcodeName": "gone"})
    first.stop()
    second = sandbox_factory(state_dir=state_dir, rate_limits=False)
    assert "gone" not in await _names(second)
    assert not (state_dir / DB_FILE).exists()


def test_a_failed_transaction_changes_nothing_in_memory_or_on_disk(tmp_path: Path) -> None:
    db = tmp_path / DB_FILE
    store = Store(db_path=db)
    account = seed.ACCOUNT_A
    with pytest.raises(RuntimeError):
        with store.transaction(account) as tx:
            tx.put("cpcodes", "cpc_1", {"cpcodeId": "cpc_1"})
            tx.delete("cpcodes", "cpc_1000001")
            raise RuntimeError("handler bug")
    assert store.account(account).get("cpcodes", "cpc_1") is None
    assert store.account(account).get("cpcodes", "cpc_1000001") is not None
    store.close()

    conn = sqlite3.connect(db)
    keys = {r[0] for r in conn.execute("SELECT key FROM documents WHERE collection='cpcodes'")}
    conn.close()
    assert "cpc_1" not in keys and "cpc_1000001" in keys


def test_transaction_sees_its_own_writes_and_commits_together(tmp_path: Path) -> None:
    store = Store(db_path=tmp_path / DB_FILE)
    with store.transaction(seed.ACCOUNT_B) as tx:
        first = tx.next_id("cpcode")
        second = tx.next_id("cpcode")
        tx.put("cpcodes", f"cpc_{first}", {"cpcodeId": f"cpc_{first}", "groupId": "g"})
        assert tx.get("cpcodes", f"cpc_{first}") == {"cpcodeId": f"cpc_{first}", "groupId": "g"}
        assert len(tx.list("cpcodes", groupId="g")) == 1
        tx.delete("cpcodes", "cpc_2000001")
        assert tx.get("cpcodes", "cpc_2000001") is None
    assert second == first + 1
    store.close()
    reopened = Store(db_path=tmp_path / DB_FILE)
    acct = reopened.account(seed.ACCOUNT_B)
    assert acct.get("cpcodes", "cpc_2000001") is None
    assert acct.get("cpcodes", f"cpc_{first}")["groupId"] == "g"
    assert acct.get("meta", "ids")["cpcode"] == second + 1
    reopened.close()


def test_documents_are_copies(tmp_path: Path) -> None:
    store = Store()
    doc = store.account(seed.ACCOUNT_A).get("properties", "prp_600001")
    doc["propertyName"] = "changed outside a transaction"
    assert store.account(seed.ACCOUNT_A).get("properties", "prp_600001")["propertyName"] == (
        "www.example.com"
    )


def test_long_running_operation_progresses_with_the_clock() -> None:
    clock = SandboxClock(base=lambda: 1000.0)
    op = schedule(clock.now(), 10.0, states=("PENDING", "ZONE_1", "ACTIVE"))
    assert operation_state(op, clock.now()) == "PENDING"
    assert operation_remaining(op, clock.now()) == 10.0
    clock.advance(5)
    assert operation_state(op, clock.now()) == "ZONE_1"
    assert not operation_done(op, clock.now())
    clock.advance(5)
    assert operation_state(op, clock.now()) == "ACTIVE"
    assert operation_done(op, clock.now())
    assert operation_remaining(op, clock.now()) == 0.0
    failed = schedule(0.0, 2.0, final="FAILED")
    assert [operation_state(failed, t) for t in (0.0, 1.9, 2.0)] == ["PENDING", "PENDING", "FAILED"]
    assert clock.iso() == "1970-01-01T00:16:50Z"


def test_operation_delay_settings(fresh_sandbox):
    app = fresh_sandbox.app
    assert app.operation_delay("papi.activation") == 1.0  # conftest's short delay


def test_seed_is_realistic_and_consistent() -> None:
    a = seed.seed_account(seed.ACCOUNT_A)
    b = seed.seed_account(seed.ACCOUNT_B)
    for data in (a, b):
        contracts = set(data["contracts"])
        for group in data["groups"].values():
            assert set(group["contractIds"]) <= contracts
            assert group.get("parentGroupId") in (None, *data["groups"])
        for prop_id, prop in data["properties"].items():
            assert prop["contractId"] in contracts and prop["groupId"] in data["groups"]
            for n in range(1, prop["latestVersion"] + 1):
                key = f"{prop_id}/{n}"
                assert key in data["property_versions"] and key in data["property_rules"]
                rules = data["property_rules"][key]["rules"]
                assert rules["name"] == "default"
                names = _behaviors(rules)
                assert {"origin", "cpCode"} <= names
                assert names <= seed.BEHAVIORS
                for item in data["property_hostnames"][key]["items"]:
                    assert item["edgeHostnameId"] in data["edgehostnames"]
        for cp in data["cpcodes"].values():
            assert cp["productIds"][0] in data["products"]
        for key, record in data["dns_records"].items():
            assert record["zone"] in data["dns_zones"]
            assert key == f"{record['zone']}/{record['name']}/{record['type']}"
    assert len(a["properties"]) == 4 and len(b["properties"]) == 1
    assert a["cps_enrollments"] and not b["cps_enrollments"]
    assert set(a["contracts"]).isdisjoint(b["contracts"])
    assert seed.seed_account(seed.ACCOUNT_A) == a  # deterministic


def _behaviors(rule: dict[str, Any]) -> set[str]:
    names = {b["name"] for b in rule.get("behaviors", [])}
    for child in rule.get("children", []):
        names |= _behaviors(child)
    return names

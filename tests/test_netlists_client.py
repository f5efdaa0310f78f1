"""The Network Lists client and the sandbox's `/network-list/v2` endpoints: every request the
client sends and every response the sandbox gives validated against Akamai's official OpenAPI
spec (errors included), element checks, syncPoint concurrency and activation states."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_schema import require_specs, validate_request, validate_response
from purge_support import ACCOUNT_A, raw_client, recording_transport

from alecs.akamai.netlists import (
    NetlistInputError,
    NetlistsClient,
    SyncPointConflict,
    describe_wide,
    normalize_elements,
    wide_ranges,
)
from alecs.transport.errors import AkamaiApiError

API = "network-lists/v2"


def _check_all(exchanges: list[Any]) -> set[tuple[str, int]]:
    """Validate every recorded exchange; return the (operation, status) pairs seen."""
    seen = set()
    for e in exchanges:
        target = e.path + (
            "?" + "&".join(f"{k}={v}" for k, v in e.query.items()) if e.query else ""
        )
        validate_request(api=API, method=e.method, path=target, body=e.body)
        validate_response(
            api=API,
            method=e.method,
            path=e.path,
            status=e.status,
            body=e.response,
            content_type=None if e.status < 400 else "application/problem+json",
        )
        seen.add((f"{e.method} {e.path.split('/network-list/v2')[1]}", e.status))
    return seen


def test_elements_are_checked_and_canonical() -> None:
    notes: list[str] = []
    assert normalize_elements(
        "IP",
        [" 192.0.2.1", "2001:DB8::1", "198.51.100.7/24", "192.0.2.1", "198.51.100.0/24"],
        field="add",
        notes=notes,
    ) == ["192.0.2.1", "2001:db8::1", "198.51.100.0/24"]  # a CIDR block keeps its network bits
    assert len(notes) == 1 and "198.51.100.7/24 was normalized to 198.51.100.0/24" in notes[0]
    assert normalize_elements("GEO", ["us", "DE", "Us"], field="elements") == ["US", "DE"]
    for list_type, bad in [
        ("IP", "300.1.1.1"),
        ("IP", "192.0.2.0/33"),
        ("IP", "example.com"),
        ("GEO", "USA"),
        ("GEO", "1A"),
    ]:
        with pytest.raises(NetlistInputError) as caught:
            normalize_elements(
                list_type, ["192.0.2.9" if list_type == "IP" else "FR", bad], field="add"
            )
        assert caught.value.field == "add"
        assert f"item 2 {bad!r}" in caught.value.problem and list_type in caught.value.problem


async def test_every_call_matches_the_official_spec(fresh_sandbox: Any) -> None:
    require_specs(API)
    async with recording_transport(fresh_sandbox) as t:
        nl = NetlistsClient(t, "sandbox")
        await nl.list_lists()
        await nl.list_lists(list_type="GEO", search="allowed", include_elements=True)
        created = await nl.create(
            "Office IPs",
            "IP",
            ["192.0.2.1"],
            description="Offices",
            contract_id="1-5SBXC1",
            group_id=100001,
        )
        got = await nl.get(created.unique_id)
        change = await nl.update_elements(
            created.unique_id, add=["198.51.100.0/24"], remove=["192.0.2.1"]
        )
        with pytest.raises(SyncPointConflict):
            await nl.update_elements(created.unique_id, add=["203.0.113.5"], sync_point=0)
        with pytest.raises(AkamaiApiError) as invalid:  # unchecked elements reach Akamai: 400
            await nl.replace(change.after, ["not-an-ip"])
        status = await nl.activate(
            created.unique_id,
            "STAGING",
            comments="offices",
            notification_recipients=["noc@example.com"],
        )
        await nl.activation_status(created.unique_id, "PRODUCTION")
        await nl.activation(status.activation_id or 0)
        with pytest.raises(AkamaiApiError) as active:
            await nl.delete(created.unique_id)
        spare = await nl.create("Spare", "GEO", ["FR"])
        await nl.delete(spare.unique_id)
        with pytest.raises(AkamaiApiError) as missing:
            await nl.get("999_NOSUCHLIST")
    seen = _check_all(t.exchanges)
    assert got.elements == ["192.0.2.1"] and got.sync_point == 0
    assert change.after.elements == ["198.51.100.0/24"] and change.after.sync_point == 1
    assert status.activation_status == "PENDING_ACTIVATION" and status.sync_point == 1
    assert active.value.status == 409 and missing.value.status == 404
    assert invalid.value.status == 400 and "not-an-ip" in (invalid.value.detail or "")
    statuses = {s for _, s in seen}
    assert {200, 201, 400, 404, 409} <= statuses


async def test_other_endpoints_and_errors_match_the_spec(fresh_sandbox: Any) -> None:
    """Append, single elements, details, history and validation errors (raw HTTP)."""
    require_specs(API)
    base = "/network-list/v2/network-lists/1024_BLOCKLIST"
    calls: list[tuple[str, str, Any]] = [
        ("POST", f"{base}/append", {"list": ["192.0.2.200", "203.0.113.0/28"]}),
        ("PUT", f"{base}/elements?element=192.0.2.201", None),
        ("DELETE", f"{base}/elements?element=192.0.2.201", None),
        ("PUT", f"{base}/details", {"name": "Blocked IPs (v2)", "description": "Updated"}),
        ("GET", f"{base}/sync-points/4/history", None),
        ("GET", f"{base}?includeElements=false&extended=true", None),
        ("GET", f"{base}/environments/STAGING/status", None),
        ("POST", f"{base}/append", {"list": ["300.1.1.1"]}),  # 400 with fieldErrors
        ("POST", "/network-list/v2/network-lists", {"name": "x", "type": "MAC", "list": []}),
        ("GET", "/network-list/v2/network-lists?listType=ASN", None),
        ("PUT", f"{base}/elements?element=US", None),  # a country code in an IP list
        ("GET", "/network-list/v2/activations/424242", None),
    ]
    responses = []
    async with raw_client(fresh_sandbox) as http:
        for method, target, body in calls:
            resp = await http.request(method, target, json=body)
            if resp.status_code < 400:  # the bad ones are bad on purpose
                validate_request(api=API, method=method, path=target, body=body)
            doc = resp.json() if resp.content else None
            ctype = resp.headers.get("content-type") if resp.status_code >= 400 else None
            validate_response(
                api=API, method=method, path=target, status=resp.status_code, body=doc,
                content_type=ctype,
            )  # fmt: skip
            responses.append((resp.status_code, doc))
    statuses = [s for s, _ in responses]
    assert statuses == [202, 200, 200, 204, 200, 200, 200, 400, 400, 400, 400, 404]
    appended = responses[0][1]
    assert appended["syncPoint"] == 5 and "203.0.113.0/28" in appended["list"]
    history = responses[4][1]
    assert history["syncPoint"] == 4 and history["list"] == [
        "192.0.2.66",
        "198.51.100.0/24",
        "203.0.113.7",
    ]
    extended = responses[5][1]
    assert extended["name"] == "Blocked IPs (v2)" and extended["syncPoint"] == 8
    assert extended["stagingActivationStatus"] == "MODIFIED"  # seeded ACTIVE at syncPoint 4
    assert "list" not in extended
    assert responses[6][1]["activationStatus"] == "MODIFIED"
    assert responses[7][1]["fieldErrors"] == {"list": "invalid IP element(s): '300.1.1.1'"}


async def test_activation_goes_pending_then_active_on_the_sandbox_clock(fresh_sandbox: Any) -> None:
    async with recording_transport(fresh_sandbox) as t:
        nl = NetlistsClient(t, "sandbox")
        created = await nl.create("Clocked", "GEO", ["FR"])
        first = await nl.activate(created.unique_id, "PRODUCTION")
        again = await nl.activate(created.unique_id, "PRODUCTION")  # same syncPoint: no new one
        pending = await nl.activation_status(created.unique_id, "PRODUCTION")
        fresh_sandbox.admin.advance_clock(60)
        active = await nl.activation_status(created.unique_id, "PRODUCTION")
        await nl.update_elements(created.unique_id, add=["DE"])
        modified = await nl.activation_status(created.unique_id, "PRODUCTION")
        failed = await nl.activate(created.unique_id, "STAGING", comments="[sandbox:fail]")
        fresh_sandbox.admin.advance_clock(60)
        failed_now = await nl.activation_status(created.unique_id, "STAGING")
        details = await nl.activation(first.activation_id or 0)
    assert first.activation_status == pending.activation_status == "PENDING_ACTIVATION"
    assert again.activation_id == first.activation_id
    assert pending.retry_after_s is not None and pending.retry_after_s >= 1
    assert first.fast is False  # a list's first activation on a network is the slow kind
    assert active.activation_status == "ACTIVE" and active.retry_after_s is None
    assert modified.activation_status == "MODIFIED" and modified.sync_point == 0
    assert failed.activation_id != first.activation_id
    assert failed_now.activation_status == "FAILED"
    assert details.environment == "PRODUCTION" and details.status == "ACTIVATED"
    activations = fresh_sandbox.admin.state(ACCOUNT_A, "network_list_activations")
    assert len(activations) == 2


async def test_update_elements_retries_once_after_a_concurrent_change(fresh_sandbox: Any) -> None:
    """Without a caller's syncPoint, a writer slipping in between read and write is not an
    error: the additions and removals are applied to the newer version."""
    async with recording_transport(fresh_sandbox) as t:
        nl = NetlistsClient(t, "sandbox")
        created = await nl.create("Raced", "IP", ["192.0.2.1"])
        original_get = nl.get
        raced = False

        async def get_then_race(list_id: str, **kw: Any) -> Any:
            nonlocal raced
            result = await original_get(list_id, **kw)
            if not raced:  # another API client changes the list right after our read
                raced = True
                async with raw_client(fresh_sandbox) as other:
                    resp = await other.post(
                        f"/network-list/v2/network-lists/{list_id}/append",
                        json={"list": ["203.0.113.1"]},
                    )
                    assert resp.status_code == 202
            return result

        nl.get = get_then_race  # type: ignore[method-assign]
        change = await nl.update_elements(created.unique_id, add=["198.51.100.1"])
    assert change.retried is True
    assert change.after.elements == ["192.0.2.1", "203.0.113.1", "198.51.100.1"]
    assert change.after.sync_point == 2
    puts = [e.status for e in t.exchanges if e.method == "PUT"]
    assert puts == [409, 200]


def test_very_wide_ranges_are_flagged() -> None:
    elements = normalize_elements(
        "IP",
        ["0.0.0.0/0", "::/0", "8.0.0.0/7", "10.0.0.0/8", "2000::/15", "2001:db8::/16", "1.2.3.4"],
        field="add",
    )
    assert wide_ranges("IP", elements) == ["0.0.0.0/0", "::/0", "8.0.0.0/7", "2000::/15"]
    assert wide_ranges("GEO", ["US"]) == []
    assert "every IPv4 address" in describe_wide(["0.0.0.0/0"])


async def test_update_elements_normalizes_cidrs_with_a_note(fresh_sandbox: Any) -> None:
    async with recording_transport(fresh_sandbox) as t:
        nl = NetlistsClient(t, "sandbox")
        created = await nl.create("cidr notes", "IP", ["192.0.2.1"])
        change = await nl.update_elements(created.unique_id, add=["10.0.0.5/8"])
        again = await nl.update_elements(created.unique_id, add=["10.0.0.0/8"])
    assert change.added == ["10.0.0.0/8"] and "10.0.0.0/8" in (change.after.elements or [])
    assert change.notes and "10.0.0.5/8 was normalized to 10.0.0.0/8" in change.notes[0]
    assert again.added == [] and again.already_present == ["10.0.0.0/8"] and again.notes == []

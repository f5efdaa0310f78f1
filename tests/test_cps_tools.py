"""CPS certificate tools through a real MCP client against the sandbox.

The Let's Encrypt DV flow end to end: create an enrollment, see the CSR being generated, get
the domain challenges with the dns-record-upsert calls that answer them, publish those TXT
records in Edge DNS, and follow the change (progress notifications) until it is deployed.
Simulated time moves through the sandbox admin API, so nothing waits for a wall clock except
the final deployment step (one short sandbox operation delay).
"""

from __future__ import annotations

from typing import Any

import pytest
from dns_cps_support import (
    ACCOUNT_B,
    CONTACT,
    CONTRACT_A,
    ORG,
    SWITCH_TO_B,
    TECH,
    call,
    call_error,
)
from mcp import Client
from mcp.types import ElicitResult

from alecs.server import build_server

MODES = ["legacy", "auto"]
CREATE_ROUTE = "POST /cps/v2/enrollments"
DELETE_ROUTE = "DELETE /cps/v2/enrollments/{enrollmentId}"


@pytest.fixture
def server(fresh_sandbox: Any) -> Any:
    return build_server(
        toolsets="all", edgerc=fresh_sandbox.edgerc_path, section="sandbox", warm_up=False
    )


def _delay(sandbox: Any) -> float:
    """The sandbox's operation delay for CPS changes (one step of the DV flow)."""
    return float(sandbox.app.operation_delay("cps.change"))


def _dv(common_name: str, **extra: Any) -> dict[str, Any]:
    return {
        "common_name": common_name,
        "admin_contact": CONTACT,
        "tech_contact": TECH,
        "org": ORG,
        **extra,
    }


@pytest.mark.parametrize("mode", MODES)
async def test_list_get_and_status_of_a_deployed_enrollment(server: Any, mode: str) -> None:
    async with Client(server, mode=mode) as client:
        everything = await call(client, "certificate-enrollment-list", {})
        second = await call(client, "certificate-enrollment-list", {"contract_id": "1-5SBXC2"})
        by_name = await call(client, "certificate-enrollment-list", {"common_name": "api.example"})
        detail = await call(client, "certificate-enrollment-get", {"enrollment_id": 10001})
        status = await call(client, "certificate-enrollment-status", {"enrollment_id": "10001"})
    assert everything["contract_ids"] == ["ctr_1-5SBXC1", "ctr_1-5SBXC2"]
    [seed] = everything["enrollments"]
    assert seed["enrollment_id"] == 10001 and seed["contract_id"] == "ctr_1-5SBXC1"
    assert seed["common_name"] == "www.example.com" and seed["deployed"] is True
    assert seed["sans"] == ["www.example.com", "example.com", "api.example.com"]
    assert (seed["validation_type"], seed["ra"]) == ("dv", "lets-encrypt")
    assert second["enrollments"] == [] and second["total"] == 0
    assert [e["enrollment_id"] for e in by_name["enrollments"]] == [10001]
    enrollment = detail["enrollment"]
    assert enrollment["network_configuration"]["secureNetwork"] == "enhanced-tls"
    assert enrollment["production_slots"] == [1] and detail["pending"] == []
    assert enrollment["admin_contact"]["email"] == "admin@example.com"
    assert status["change_id"] is None and status["finished"] is True
    assert "certificate is deployed" in status["next_step"]


@pytest.mark.parametrize("mode", MODES)
async def test_dv_enrollment_validated_through_edge_dns_and_deployed(
    server: Any, fresh_sandbox: Any, mode: str
) -> None:
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, total, message))

    args = _dv(
        "Shop.Example.com",
        sans=["https://blog.example.com/", "shop.example.com"],
        contract_id=CONTRACT_A,
    )
    async with Client(server, mode=mode) as client:
        created = await call(client, "certificate-dv-enrollment-create", args)
        eid = created["enrollment_id"]
        first = await call(client, "certificate-enrollment-status", {"enrollment_id": eid})

        fresh_sandbox.admin.advance_clock(_delay(fresh_sandbox) * 1.2)  # CSR generated
        challenges = await call(client, "certificate-enrollment-status", {"enrollment_id": eid})
        for answer in challenges["dns_answers"]:
            await call(client, "dns-record-upsert", answer["dns_record_upsert"])
        validated = await call(client, "certificate-enrollment-status", {"enrollment_id": eid})
        done = await call(
            client,
            "certificate-enrollment-status",
            {"enrollment_id": eid, "wait": True, "poll_interval_s": 1, "timeout_s": 60},
            progress_callback=on_progress,
        )
        after = await call(client, "certificate-enrollment-get", {"enrollment_id": eid})

    # created: names checked and normalized, the CSR is being generated
    assert created["common_name"] == "shop.example.com"
    assert created["sans"] == ["shop.example.com", "blog.example.com"]
    assert created["contract_id"] == "ctr_1-5SBXC1" and created["change_id"] is not None
    assert (created["status"], created["state"]) == ("generate-csr", "running")
    assert first["status"] == "generate-csr" and first["domains"] == []
    assert first["change_type"] == "new-certificate" and first["finished"] is False

    # domain validation: challenges per domain, answers for the Edge DNS zone
    assert challenges["status"] == "coodinate-domain-validation"
    assert challenges["waiting_for_input"] is True
    assert challenges["allowed_input"] == ["lets-encrypt-challenges"]
    assert [d["domain"] for d in challenges["domains"]] == ["shop.example.com", "blog.example.com"]
    for domain in challenges["domains"]:
        assert domain["status"] == "Pending"
        assert {c["type"] for c in domain["challenges"]} == {"http-01", "dns-01"}
    answers = {a["record_name"]: a for a in challenges["dns_answers"]}
    assert set(answers) == {"_acme-challenge.shop.example.com", "_acme-challenge.blog.example.com"}
    shop = answers["_acme-challenge.shop.example.com"]
    dns01 = next(c for c in challenges["domains"][0]["challenges"] if c["type"] == "dns-01")
    assert shop["zone"] == "example.com" and shop["values"] == [dns01["response_body"]]
    assert shop["dns_record_upsert"] == {
        "zone": "example.com",
        "name": "_acme-challenge.shop",
        "type": "TXT",
        "ttl": 60,
        "rdata": [dns01["response_body"]],
    }
    http = {h["domain"]: h for h in challenges["http_answers"]}
    assert http["shop.example.com"]["url"].startswith(
        "http://shop.example.com/.well-known/acme-challenge/"
    )
    assert http["shop.example.com"]["redirect_to"].startswith("http://dcv.akamai.com/")
    assert "dns-record-upsert" in challenges["next_step"]

    # the TXT records answered the dns-01 challenges
    assert all(d["status"] == "Valid" for d in validated["domains"]) or validated["finished"]
    for domain in validated["domains"]:
        dns_challenge = next(c for c in domain["challenges"] if c["type"] == "dns-01")
        assert dns_challenge["status"] == "Valid"
    assert validated["dns_answers"] == []

    # followed to the end with progress notifications
    assert done["status"] == "complete" and done["state"] == "completed"
    assert done["finished"] is True and "deployed" in done["next_step"]
    assert progress and progress[-1][0] == 100 and "complete" in (progress[-1][2] or "")
    assert [p[0] for p in progress] == sorted(p[0] for p in progress)
    assert after["enrollment"]["pending_changes"] == [] and after["enrollment"]["production_slots"]
    assert fresh_sandbox.admin.route_count(CREATE_ROUTE, status=202) == 1


async def test_challenge_outside_edge_dns_has_no_upsert(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server) as client:
        created = await call(
            client,
            "certificate-dv-enrollment-create",
            _dv("www.example.io", contract_id="1-5SBXC1"),
        )
        fresh_sandbox.admin.advance_clock(_delay(fresh_sandbox) * 1.2)
        result = await client.call_tool(
            "certificate-enrollment-status", {"enrollment_id": created["enrollment_id"]}
        )
    assert not result.is_error
    [answer] = result.structured_content["dns_answers"]
    assert answer["record_name"] == "_acme-challenge.www.example.io"
    assert answer["zone"] is None and answer["dns_record_upsert"] is None
    assert "TXT _acme-challenge.www.example.io" in result.content[0].text
    assert "(not in Edge DNS)" in result.content[0].text


@pytest.mark.parametrize(
    ("args", "field", "words"),
    [
        (_dv("*.example.com"), "common_name", "wildcard"),
        (
            _dv("www.example.com", sans=["ok.example.com", "bad_host.example.com"]),
            "sans[1]",
            "not a hostname",
        ),
        (_dv("http://", sans=[]), "common_name", "not a hostname"),
        (_dv("shop.example.com", contract_id="ctr_!!"), "contract_id", "not a contract id"),
        ({**_dv("shop.example.com"), "org": {**ORG, "country": "USA"}}, "org.country", "pattern"),
        (
            {**_dv("shop.example.com"), "admin_contact": {**CONTACT, "email": "x"}},
            "admin_contact.email",
            "pattern",
        ),
    ],
)
async def test_dv_create_refuses_bad_input_before_sending(
    server: Any, fresh_sandbox: Any, args: dict[str, Any], field: str, words: str
) -> None:
    async with Client(server) as client:
        text = await call_error(client, "certificate-dv-enrollment-create", args)
    assert field in text and words in text, text
    assert "Traceback" not in text
    assert fresh_sandbox.admin.counters()["total"] == 0


async def test_duplicate_common_name_is_reported_not_created(
    server: Any, fresh_sandbox: Any
) -> None:
    async with Client(server) as client:
        text = await call_error(
            client,
            "certificate-dv-enrollment-create",
            _dv("www.example.com", contract_id=CONTRACT_A),
        )
    assert "Invalid value for `common_name`" in text and "enrollment 10001" in text
    assert fresh_sandbox.admin.route_count(CREATE_ROUTE) == 0


def _answer(action: str, content: dict[str, Any] | None = None) -> Any:
    async def callback(context: Any, params: Any) -> ElicitResult:
        return ElicitResult(action=action, content=content)

    return callback


@pytest.mark.parametrize("mode", MODES)
async def test_declined_delete_sends_nothing(server: Any, fresh_sandbox: Any, mode: str) -> None:
    async with Client(server, mode=mode, elicitation_callback=_answer("decline")) as client:
        text = await call_error(
            client, "certificate-enrollment-delete", {"enrollment_id": 10001, "confirm": True}
        )
    assert "declined" in text and "Nothing was changed" in text
    counters = fresh_sandbox.admin.counters()  # only the confirmation preview's reads
    assert counters["writes_total"] == 0
    assert all(k.startswith("GET ") for k, v in counters["routes"].items() if v["count"])


async def test_delete_pending_and_deployed_enrollments(server: Any, fresh_sandbox: Any) -> None:
    async with Client(server) as client:
        created = await call(
            client,
            "certificate-dv-enrollment-create",
            _dv("new.example.com", contract_id=CONTRACT_A),
        )
        eid = created["enrollment_id"]
        pending = await call_error(
            client, "certificate-enrollment-delete", {"enrollment_id": eid, "confirm": True}
        )
        removed = await call(
            client,
            "certificate-enrollment-delete",
            {"enrollment_id": eid, "cancel_pending_changes": True, "confirm": True},
        )
        gone = await call_error(client, "certificate-enrollment-get", {"enrollment_id": eid})
        deployed = await call(
            client, "certificate-enrollment-delete", {"enrollment_id": 10001, "confirm": True}
        )
    assert "status 409" in pending and "allow-cancel-pending-changes" in pending
    assert removed["accepted"] is False and "Removed enrollment" in removed["message"]
    assert "status 404" in gone
    assert deployed["accepted"] is True and deployed["common_name"] == "www.example.com"
    assert fresh_sandbox.admin.route_count(DELETE_ROUTE, status=409) == 1
    assert fresh_sandbox.admin.writes(DELETE_ROUTE) == 2


async def test_customer_and_account_switch_key_select_the_account(
    server: Any, fresh_sandbox: Any
) -> None:
    async with Client(server) as client:
        switched = await call(
            client, "certificate-enrollment-list", {"account_switch_key": SWITCH_TO_B}
        )
        as_b = await call(client, "certificate-enrollment-list", {"customer": "sandbox-b"})
        forbidden = await call_error(
            client,
            "certificate-enrollment-list",
            {"customer": "sandbox-b", "contract_id": "1-5SBXC1"},
        )
        created = await call(
            client,
            "certificate-dv-enrollment-create",
            {**_dv("shop.example.net"), "account_switch_key": SWITCH_TO_B},
        )
        own = await call(client, "certificate-enrollment-list", {"contract_id": CONTRACT_A})
        theirs = await call(client, "certificate-enrollment-list", {"customer": "sandbox-b"})
    assert switched["contract_ids"] == ["ctr_1-7SBXC9"] and switched["enrollments"] == []
    assert as_b["contract_ids"] == ["ctr_1-7SBXC9"] and as_b["total"] == 0
    assert "status 403" in forbidden
    assert created["contract_id"] == "ctr_1-7SBXC9"
    assert [e["enrollment_id"] for e in own["enrollments"]] == [10001]
    assert [e["enrollment_id"] for e in theirs["enrollments"]] == [created["enrollment_id"]]
    stored = fresh_sandbox.admin.state(ACCOUNT_B, "cps_enrollments")
    assert stored[str(created["enrollment_id"])]["csr"]["cn"] == "shop.example.net"


async def test_status_gives_progress_from_cps_and_the_continuing_call(
    server: Any, fresh_sandbox: Any
) -> None:
    """Issue 11: certificate waits are bounded (default 45 s) and say how to go on."""
    args = _dv("bounded.example.com", contract_id=CONTRACT_A)
    async with Client(server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        created = await call(client, "certificate-dv-enrollment-create", args)
        eid = created["enrollment_id"]
        running = await call(
            client, "certificate-enrollment-status", {"enrollment_id": eid, "timeout_s": 0}
        )
    timeout = tools["certificate-enrollment-status"].input_schema["properties"]["timeout_s"]
    assert timeout["default"] <= 45
    assert running["status"] == "generate-csr" and running["finished"] is False
    assert 0 < running["progress"] < 100
    assert running["next_call"]["tool"] == "certificate-enrollment-status"
    assert running["next_call"]["arguments"] == {
        "enrollment_id": eid,
        "change_id": running["change_id"],
        "wait": True,
    }

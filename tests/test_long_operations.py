"""Long operations: attaching to a pending activation, cancelling one, bounded waits whose
progress comes from Akamai's state.

Against a sandbox whose property activations take 180 s of sandbox time; time moves through
the sandbox's admin clock and an injected clock for the wait, never by sleeping.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from purge_support import recording_transport

from alecs.akamai.papi import ActivationPendingError, PapiClient
from alecs.akamai.waiting import (
    DEFAULT_WAIT_S,
    NextCall,
    cli_call,
    papi_activation_progress,
    wait_for,
)
from alecs.transport.errors import AkamaiApiError

ACTIVATION_S = 180.0
EMAILS = ["ops@example.com"]


@pytest.fixture(scope="module")
def slow_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A sandbox where property activations stay PENDING for 180 s of sandbox time."""
    from alecs.sandbox.runner import SandboxSettings, SandboxThread

    settings = SandboxSettings(
        port=0,
        state_dir=tmp_path_factory.mktemp("slow-sandbox"),
        rate_limits=False,
        operation_delays={"papi.activation": ACTIVATION_S},
    )
    sb = SandboxThread(settings).start()
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def slow(slow_sandbox: Any) -> Any:
    slow_sandbox.admin.reset()
    return slow_sandbox


class FakeTime:
    """A clock and a sleep that moves it (and the sandbox clock) without waiting."""

    def __init__(self, sandbox: Any | None = None) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.sandbox = sandbox

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.sandbox is not None:
            self.sandbox.admin.advance_clock(seconds)


async def test_second_identical_activation_attaches_to_the_pending_one(slow: Any) -> None:
    async with recording_transport(slow) as t:
        papi = PapiClient(t, "sandbox")
        first = await papi.activate_or_attach("prp_600004", 1, "STAGING", notify_emails=EMAILS)
        again = await papi.activate_or_attach("600004", 1, "STAGING", notify_emails=EMAILS)
        pending = await papi.pending_activation("prp_600004", "STAGING")
    assert not first.attached and first.activation_id.startswith("atv_")
    assert again.attached and again.activation_id == first.activation_id
    assert pending is not None and pending.activation_id == first.activation_id
    assert slow.admin.writes("POST /papi/v1/properties/{propertyId}/activations") == 1


async def test_a_different_pending_activation_is_named(slow: Any) -> None:
    async with recording_transport(slow) as t:
        papi = PapiClient(t, "sandbox")
        first = await papi.activate_or_attach("prp_600001", 2, "STAGING", notify_emails=EMAILS)
        with pytest.raises(ActivationPendingError) as caught:
            await papi.activate_or_attach("prp_600001", 1, "STAGING", notify_emails=EMAILS)
    assert caught.value.pending.activation_id == first.activation_id
    assert first.activation_id in str(caught.value) and "v2" in str(caught.value)


async def test_bounded_wait_returns_within_the_budget_with_akamai_state(slow: Any) -> None:
    fake = FakeTime(slow)
    reports: list[tuple[float, str]] = []

    async def report(value: float, message: str) -> None:
        reports.append((value, message))

    async with recording_transport(slow) as t:
        papi = PapiClient(t, "sandbox")
        sub = await papi.activate_or_attach("prp_600004", 1, "STAGING", notify_emails=EMAILS)

        def fetch() -> Any:
            return papi.get_activation("prp_600004", sub.activation_id)

        outcome = await wait_for(
            fetch,
            done=lambda a: a.finished,
            progress_of=lambda a: papi_activation_progress(a.status),
            describe=lambda a: a.status,
            report=report,
            interval_s=lambda a: a.retry_after_s or 5.0,
            sleep=fake.sleep,
            clock=fake.clock,
        )
        assert not outcome.finished and outcome.state.status == "PENDING"
        assert outcome.waited_s <= DEFAULT_WAIT_S and fake.now <= DEFAULT_WAIT_S
        assert reports and all(value < 100 for value, _ in reports)
        assert {value for value, _ in reports} == {papi_activation_progress("PENDING")}
        assert all(message == "PENDING" for _, message in reports)

        slow.admin.advance_clock(ACTIVATION_S)
        reports.clear()
        done = await wait_for(
            fetch,
            done=lambda a: a.finished,
            progress_of=lambda a: papi_activation_progress(a.status),
            describe=lambda a: a.status,
            report=report,
            sleep=fake.sleep,
            clock=fake.clock,
        )
    assert done.finished and done.state.status == "ACTIVE" and done.polls == 1
    assert reports == [(100.0, "ACTIVE")]


async def test_zero_budget_reads_once() -> None:
    fake = FakeTime()
    reads = 0

    async def fetch() -> str:
        nonlocal reads
        reads += 1
        return "PENDING"

    outcome = await wait_for(
        fetch,
        done=lambda s: False,
        progress_of=papi_activation_progress,
        budget_s=0,
        sleep=fake.sleep,
        clock=fake.clock,
    )
    assert reads == 1 and not outcome.finished and fake.sleeps == []


def test_progress_never_claims_completion_early() -> None:
    for status in ("NEW", "PENDING", "ZONE_1", "ZONE_2", "ZONE_3", "PENDING_DEACTIVATION"):
        assert papi_activation_progress(status) < 100
    order = [papi_activation_progress(s) for s in ("NEW", "PENDING", "ZONE_1", "ZONE_2", "ZONE_3")]
    assert order == sorted(order)
    assert papi_activation_progress("ACTIVE", finished=True) == 100


def test_next_call_is_the_cli_form() -> None:
    call = NextCall.of(
        "property-activation-get",
        property_id="prp_1",
        activation_id="atv_2",
        wait_s=45,
        note=None,
        customer="customer b",
    )
    assert call.arguments == {
        "property_id": "prp_1",
        "activation_id": "atv_2",
        "wait_s": 45,
        "customer": "customer b",
    }
    assert call.text == (
        "property-activation-get property_id=prp_1 activation_id=atv_2 wait_s=45 "
        'customer="customer b"'
    )
    assert cli_call("x", {"flag": True, "ids": [1, 2]}) == "x flag=true ids=[1,2]"


async def test_cancel_a_pending_activation(slow: Any) -> None:
    async with recording_transport(slow) as t:
        papi = PapiClient(t, "sandbox")
        sub = await papi.activate_or_attach("prp_600004", 1, "STAGING", notify_emails=EMAILS)
        cancelled = await papi.cancel_activation("prp_600004", sub.activation_id)
        pending = await papi.pending_activation("prp_600004", "STAGING")
        with pytest.raises(AkamaiApiError) as again:  # no longer pending: PAPI's 422
            await papi.cancel_activation("prp_600004", sub.activation_id)
    assert cancelled.activation_id == sub.activation_id and cancelled.status == "ABORTED"
    assert pending is None and again.value.status == 422


# --------------------------------------------------------------------------- through MCP


@pytest.fixture
def fake_time(slow: Any, monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    """Bounded waits in tools sleep on a fake clock that also moves the sandbox clock."""
    from alecs.tools import waits

    fake = FakeTime(slow)
    monkeypatch.setattr(waits.TIME, "sleep", fake.sleep)
    monkeypatch.setattr(waits.TIME, "clock", fake.clock)
    return fake


@pytest.fixture
def slow_server(slow: Any) -> Any:
    from alecs.server import build_server

    return build_server(toolsets="all", edgerc=slow.edgerc_path, section="sandbox", warm_up=False)


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_activation_answers_within_the_bounded_wait_and_attaches(
    slow: Any, slow_server: Any, fake_time: FakeTime, mode: str
) -> None:
    from mcp import Client

    notes: list[tuple[float, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        notes.append((progress, message))

    args = {"property_id": "prp_600004", "notify_emails": EMAILS}
    async with Client(slow_server, mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        first = await client.call_tool("property-activate", args, progress_callback=on_progress)
        waited_first = fake_time.now
        second = await client.call_tool("property-activate", args)
    schema = tools["property-activate"].input_schema["properties"]["timeout_s"]
    assert schema["default"] <= 45
    assert not first.is_error and not second.is_error, first.content[0].text
    one, two = first.structured_content, second.structured_content
    assert one["activation_id"].startswith("atv_") and one["status"] == "PENDING"
    assert one["finished"] is False and one["progress"] == papi_activation_progress("PENDING")
    assert 0 < waited_first <= 45  # the default bound, on the fake clock
    assert one["next_call"] == {
        "tool": "property-activation-get",
        "arguments": {
            "property_id": "prp_600004",
            "activation_id": one["activation_id"],
            "wait": True,
        },
        "text": "property-activation-get property_id=prp_600004 "
        f"activation_id={one['activation_id']} wait=true",
    }
    assert two["activation_id"] == one["activation_id"] and two["attached"] is True
    assert notes and all(p < 100 for p, _ in notes)
    assert any(m and "PENDING" in m for _, m in notes)
    assert slow.admin.writes("POST /papi/v1/properties/{propertyId}/activations") == 1


async def test_continuing_call_reaches_active(
    slow: Any, slow_server: Any, fake_time: FakeTime
) -> None:
    from mcp import Client

    async with Client(slow_server) as client:
        first = await client.call_tool(
            "property-activate", {"property_id": "prp_600004", "notify_emails": EMAILS}
        )
        state = first.structured_content
        calls = 1
        while state["next_call"] is not None and calls < 10:
            follow = state["next_call"]
            result = await client.call_tool(follow["tool"], follow["arguments"])
            assert not result.is_error, result.content[0].text
            state = result.structured_content
            calls += 1
    assert state["status"] == "ACTIVE" and state["finished"] and state["progress"] == 100
    assert state["activation_id"] == first.structured_content["activation_id"]
    assert calls >= 4  # 180 s of activation in waits of at most 45 s each


async def test_cancel_tool(slow: Any, slow_server: Any) -> None:
    from mcp import Client

    async with Client(slow_server) as client:
        started = await client.call_tool(
            "property-activate",
            {"property_id": "prp_600004", "notify_emails": EMAILS, "timeout_s": 0},
        )
        aid = started.structured_content["activation_id"]
        wrong = await client.call_tool(
            "property-activation-cancel",
            {"property_id": "prp_600004", "activation_id": aid, "network": "PRODUCTION",
             "confirm": True},
        )  # fmt: skip
        cancelled = await client.call_tool(
            "property-activation-cancel",
            {"property_id": "prp_600004", "activation_id": aid, "network": "STAGING"},
        )
    assert wrong.is_error and "is an activation on STAGING" in wrong.content[0].text
    assert not cancelled.is_error, cancelled.content[0].text
    assert cancelled.structured_content["status"] == "ABORTED"

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
        try:
            cancelled = await papi.cancel_activation("prp_600004", sub.activation_id)
        except AkamaiApiError as exc:
            if exc.status in (404, 405):
                pytest.skip("this sandbox has no DELETE on property activations yet")
            raise
        pending = await papi.pending_activation("prp_600004", "STAGING")
    assert cancelled.activation_id == sub.activation_id and cancelled.status == "ABORTED"
    assert pending is None

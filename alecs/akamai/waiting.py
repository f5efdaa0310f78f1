"""Bounded waits for Akamai's long operations (activations, certificate changes).

Akamai's activations take minutes; MCP clients commonly give a tool call 60 s. So a tool waits
at most a bounded time (``DEFAULT_WAIT_S``, 45 s), then answers with the operation's id, its
state as Akamai reports it, and the exact call that continues waiting (``NextCall``). Calling
that again waits another bounded stretch; nothing is lost when a wait ends.

    outcome = await wait_for(
        lambda: papi.get_activation(pid, aid),
        done=lambda a: a.finished,
        progress_of=lambda a: papi_activation_progress(a.status),
        describe=lambda a: f"{a.status} on {a.network} ({a.activation_id})",
        report=progress,          # async (value 0-100, message) -> None, or None
        budget_s=45,
    )
    outcome.state, outcome.finished, outcome.waited_s

Progress values come from Akamai's real state (``papi_activation_progress`` and friends), never
from elapsed time: 100 only once the operation is finished, and a PENDING activation stays low
however long it has been waiting. ``sleep`` and ``clock`` are injectable so tests drive time
without waiting.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")

DEFAULT_WAIT_S = 45.0
"""Default bound of one tool call's wait: under the common 60 s client request timeout, with
room for the calls before and after the wait."""
MAX_WAIT_S = 3600.0
"""The longest wait a caller may ask for (clients with long timeouts, scripts)."""
DEFAULT_INTERVAL_S = 5.0
MIN_INTERVAL_S = 1.0

PAPI_PENDING = frozenset(
    {"NEW", "PENDING", "ZONE_1", "ZONE_2", "ZONE_3", "PENDING_DEACTIVATION", "PENDING_CANCELLATION"}
)
"""PAPI activation statuses of an activation still in flight (one per property and network)."""

_PAPI_PROGRESS = {
    "NEW": 5.0,
    "PENDING": 10.0,
    "PENDING_DEACTIVATION": 10.0,
    "ZONE_1": 35.0,
    "ZONE_2": 60.0,
    "ZONE_3": 85.0,
    "PENDING_CANCELLATION": 90.0,
}
_NETLIST_PROGRESS = {"PENDING_ACTIVATION": 20.0, "PENDING_DEACTIVATION": 20.0}
_CPS_PROGRESS = {
    "generate-csr": 10.0,
    "coodinate-domain-validation": 25.0,
    "coordinate-domain-validation": 25.0,
    "wait-upload-third-party": 25.0,
    "check-for-cert": 40.0,
    "wait-review-pre-verification-safety-check": 45.0,
    "wait-ack-change-management": 50.0,
    "deploy-cert-to-staging": 60.0,
    "wait-review-cert-warning": 65.0,
    "deploy-cert-to-production": 80.0,
}


def papi_activation_progress(status: str, *, finished: bool = False) -> float:
    """0-100 for a PAPI activation status: NEW 5, PENDING 10, ZONE_1-3 35/60/85, 100 only when
    finished (ACTIVE, DEACTIVATED, FAILED, ABORTED, INACTIVE)."""
    if finished:
        return 100.0
    return _PAPI_PROGRESS.get(status.upper(), 0.0)


def netlist_activation_progress(status: str, *, finished: bool = False) -> float:
    """0-100 for a network list activation status (PENDING_ACTIVATION 20; 100 when finished)."""
    if finished:
        return 100.0
    return _NETLIST_PROGRESS.get(status.upper(), 0.0)


def cps_change_progress(status: str, *, finished: bool = False) -> float:
    """0-100 for a CPS change status (generate-csr 10 ... deploy-cert-to-production 80)."""
    if finished:
        return 100.0
    return _CPS_PROGRESS.get(status.lower(), 0.0)


class NextCall(BaseModel):
    """The exact tool call that continues (for an assistant: tool + arguments; for a person:
    ``text``, the ``alecs call`` form)."""

    tool: str = Field(description="The tool to call.")
    arguments: dict[str, Any] = Field(description="Its arguments, exactly.")
    text: str = Field(description="The same call as `alecs call` arguments (key=value).")

    @classmethod
    def of(cls, tool: str, **arguments: Any) -> NextCall:
        args = {k: v for k, v in arguments.items() if v is not None}
        return cls(tool=tool, arguments=args, text=cli_call(tool, args))


def cli_value(value: Any) -> str:
    """A value the way `alecs call key=value` takes it: strings bare, the rest as JSON."""
    if isinstance(value, str):
        needs_quotes = not value or any(c.isspace() or c in "'\"\\$`" for c in value)
        return json.dumps(value) if needs_quotes else value
    return json.dumps(value, separators=(",", ":"))


def cli_call(tool: str, arguments: Mapping[str, Any]) -> str:
    """`property-activation-get property_id=prp_1 activation_id=atv_2 wait=true`."""
    parts = [tool] + [f"{k}={cli_value(v)}" for k, v in arguments.items() if v is not None]
    return " ".join(parts)


@dataclass(frozen=True)
class WaitOutcome(Generic[T]):
    """How a bounded wait ended: the last state read, whether it is final, time waited."""

    state: T
    finished: bool
    waited_s: float
    polls: int


def clamp_wait(value: float | None, default: float = DEFAULT_WAIT_S) -> float:
    """A caller's wait in seconds, within 0..MAX_WAIT_S (None: the default)."""
    if value is None:
        return default
    return max(0.0, min(float(value), MAX_WAIT_S))


async def wait_for(
    fetch: Callable[[], Awaitable[T]],
    *,
    done: Callable[[T], bool],
    progress_of: Callable[[T], float],
    budget_s: float = DEFAULT_WAIT_S,
    interval_s: float | Callable[[T], float] = DEFAULT_INTERVAL_S,
    describe: Callable[[T], str] = str,
    report: Callable[[float, str], Awaitable[Any]] | None = None,
    sleep: Callable[[float], Awaitable[Any]] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> WaitOutcome[T]:
    """Read the state until ``done(state)`` or ``budget_s`` has passed; never raises on time.

    Every read is reported as ``(progress_of(state), describe(state))``, the value kept below
    100 until ``done``. Sleeps follow ``interval_s`` (a number, or a function of the last state,
    e.g. Akamai's ``Retry-After``), clipped so that the last read happens at the budget. With
    ``budget_s=0`` the state is read once.
    """
    if sleep is None:
        import anyio

        sleep = anyio.sleep
    start = clock()
    polls = 0
    while True:
        state = await fetch()
        polls += 1
        elapsed = clock() - start
        finished = bool(done(state))
        if report is not None:
            value = 100.0 if finished else max(0.0, min(99.0, float(progress_of(state))))
            await report(value, describe(state))
        remaining = budget_s - elapsed
        if finished or remaining <= 0:
            return WaitOutcome(state, finished, elapsed, polls)
        wait = interval_s(state) if callable(interval_s) else interval_s
        await sleep(min(max(float(wait), MIN_INTERVAL_S), remaining))

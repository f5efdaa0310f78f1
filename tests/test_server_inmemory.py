"""The MCP server in-process through a real `mcp.Client`, on both protocol generations.

`legacy` negotiates 2025-11-25 with the initialize handshake, `auto` negotiates 2026-07-28.
The server's transport talks to the session sandbox over real TLS and HTTP/2.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import jsonschema
import pytest
from mcp import Client
from pydantic import BaseModel, Field

from alecs.server import build_server
from alecs.tools._common import (
    AccountSwitchKey,
    Ctx,
    Customer,
    InputError,
    Progress,
    Registry,
    ToolOutput,
    app_state,
    normalize_id,
    poll,
    service,
)
from alecs.tools.diagnostics import META_KEY, grade
from alecs.transport.metrics import BreakerState, HostHealth, LatencyStats
from alecs.transport.probe import ProbeResult

MODES = ["legacy", "auto"]
NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
# Tools that act on no Akamai account and so take no account_switch_key.
NO_ACCOUNT_KEY = {"network-diagnostics"}


class Accounts:
    """A minimal service client, shaped like alecs/akamai/<api>.py clients."""

    def __init__(self, transport: Any, section: str, *, account_switch_key: str | None = None):
        self.transport = transport
        self.section = section
        self.account_switch_key = account_switch_key

    async def account_id(self) -> str:
        response = await self.transport.request(
            self.section,
            "GET",
            "/papi/v1/contracts",
            account_switch_key=self.account_switch_key,
        )
        return response.json()["accountId"]


class AccountOut(ToolOutput):
    section: str
    account_id: str

    def summary(self) -> str:
        return f"{self.section} sees {self.account_id}"


class Done(BaseModel):
    steps: int


def add_test_tools(server: Any) -> list[str]:
    """Tools used only by these tests, declared like a service module does (in a registry of
    their own); returns the names the server installed."""
    tools = Registry()

    @tools.tool("test-account-get", toolset="papi", title="Which account a call reaches")
    async def account_get(
        ctx: Ctx, customer: Customer = None, account_switch_key: AccountSwitchKey = None
    ) -> AccountOut:
        """Return the account the sandbox saw."""
        client = service(ctx, Accounts, customer, account_switch_key)
        return AccountOut(section=client.section, account_id=await client.account_id())

    @tools.tool("test-cpcode-get", toolset="papi", title="Read a CP code")
    async def cpcode_get(
        ctx: Ctx,
        cpcode_id: Annotated[str, Field(description="cpc_123 or 123")],
        contract_id: str,
        group_id: str,
        customer: Customer = None,
        account_switch_key: AccountSwitchKey = None,
    ) -> AccountOut:
        """Read one CP code (fails with Akamai's error for unknown IDs)."""
        state = app_state(ctx)
        cpcode_id = normalize_id(cpcode_id, "cpc_", field="cpcode_id")
        await state.transport.request(
            customer or state.default_section,
            "GET",
            f"/papi/v1/cpcodes/{cpcode_id}",
            params={"contractId": contract_id, "groupId": group_id},
            account_switch_key=account_switch_key,
        )
        return AccountOut(section="?", account_id="?")

    @tools.tool("test-steps-run", toolset="diagnostics", title="Report progress")
    async def steps_run(ctx: Ctx, steps: Annotated[int, Field(ge=1, le=10)]) -> Done:
        """Report one progress notification per step."""
        progress = Progress(ctx, total=steps)
        for i in range(1, steps + 1):
            await progress(i, f"step {i} of {steps}")
        return Done(steps=steps)

    @tools.tool(
        "test-note-write", toolset="papi", kind="write", title="A write tool", idempotent=True
    )
    async def note_write(ctx: Ctx, text: str, customer: Customer = None) -> Done:
        """A write tool that changes nothing (for the read-only listing)."""
        return Done(steps=len(text))

    return server.install_tools(tools.specs())


@pytest.fixture
def server(sandbox: Any) -> Any:
    srv = build_server(toolsets="all", edgerc=sandbox.edgerc_path, section="sandbox", warm_up=False)
    add_test_tools(srv)
    return srv


# --------------------------------------------------------------------------- listing


@pytest.mark.parametrize("mode", MODES)
async def test_every_tool_is_named_annotated_and_typed(sandbox: Any, mode: str) -> None:
    """Every tool alecs ships (every module in TOOL_MODULES) follows the conventions."""
    server = build_server(
        toolsets="all", edgerc=sandbox.edgerc_path, section="sandbox", warm_up=False
    )
    async with Client(server, mode=mode) as client:
        assert client.server_info is not None and client.server_info.name == "alecs"
        assert "network-diagnostics" in (client.instructions or "")
        assert "customer" in (client.instructions or "")
        tools = (await client.list_tools()).tools
    names = [t.name for t in tools]
    assert "network-diagnostics" in names
    for tool in tools:
        assert NAME.match(tool.name) and len(tool.name) <= 64, tool.name
        a = tool.annotations
        assert a is not None, tool.name
        assert a.title, tool.name
        hints = (a.read_only_hint, a.destructive_hint, a.idempotent_hint, a.open_world_hint)
        assert None not in hints, f"{tool.name}: {a}"
        assert tool.description and len(tool.description) > 40, tool.name
        assert tool.output_schema is not None, f"{tool.name}: no structured output"
        props = tool.input_schema.get("properties", {})
        if not a.open_world_hint:
            # Local tools (the catalog's api-search/api-describe) call no Akamai API.
            assert "customer" not in props and "account_switch_key" not in props, tool.name
            continue
        assert "customer" in props, f"{tool.name}: no customer argument"
        if tool.name not in NO_ACCOUNT_KEY:
            assert "account_switch_key" in props, f"{tool.name}: no account_switch_key"


async def test_read_only_leaves_write_tools_out(sandbox: Any) -> None:
    srv = build_server(
        toolsets="all", edgerc=sandbox.edgerc_path, section="sandbox", read_only=True, warm_up=False
    )
    installed = add_test_tools(srv)
    assert "test-note-write" not in installed and "test-steps-run" in installed
    async with Client(srv, mode="legacy") as client:
        tools = (await client.list_tools()).tools
    assert tools and all(t.annotations and t.annotations.read_only_hint for t in tools)
    assert "test-note-write" not in {t.name for t in tools}

    writable = build_server(
        toolsets="all", edgerc=sandbox.edgerc_path, section="sandbox", warm_up=False
    )
    add_test_tools(writable)
    listed = {t.name: t for t in await writable.list_tools()}
    note = listed["test-note-write"].annotations
    assert note is not None and note.read_only_hint is False and note.idempotent_hint is True


def test_the_registry_enforces_the_conventions() -> None:
    tools = Registry()
    for bad in ("Property_List", "property list", "-x", "a" * 65, "property--list"):
        with pytest.raises(ValueError, match="lowercase words joined by hyphens"):
            tools.tool(bad, toolset="papi", title="x")

    with pytest.raises(TypeError, match="async def"):

        @tools.tool("sync-tool", toolset="papi", title="x")
        def sync_tool() -> Done:  # type: ignore[type-var]
            return Done(steps=1)

    with pytest.raises(TypeError, match="confirmation"):

        @tools.tool("thing-delete", toolset="papi", kind="destructive", title="x")
        async def thing_delete(ctx: Ctx) -> Done:
            return Done(steps=1)


# --------------------------------------------------------------------------- diagnostics


@pytest.mark.parametrize("mode", MODES)
async def test_network_diagnostics_validates_against_its_output_schema(
    server: Any, mode: str
) -> None:
    async with Client(server, mode=mode) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        transport = server.runtime.state.transport
        for _ in range(3):
            response = await transport.request("sandbox", "GET", "/papi/v1/contracts")
            assert response.status_code == 200
        result = await client.call_tool("network-diagnostics", {})
    assert not result.is_error, result.content
    data = result.structured_content
    jsonschema.validate(data, tools["network-diagnostics"].output_schema)
    assert data["grade"] in {"A", "B", "C", "D", "F"}
    assert data["grade_rule"]
    assert data["sections"] == ["sandbox", "sandbox-b"]
    assert data["default_section"] == "sandbox"
    host = next(h for h in data["hosts"] if h["section"] == "sandbox")
    assert host["requests"] == 3
    assert host["http_versions"] == {"HTTP/2": 3}
    assert host["latency"]["p95_ms"] is not None
    assert host["breaker"]["state"] == "closed"
    assert result.meta is not None
    assert result.meta[META_KEY] == {
        "grade": data["grade"],
        "rule": data["grade_rule"],
        "refresh_seconds": data["refresh_seconds"],
    }
    summary = result.content[0].text
    assert summary.startswith(f"Network grade {data['grade']}: {data['grade_rule']}")


@pytest.mark.parametrize("mode", MODES)
async def test_network_diagnostics_probe_measures_each_host_now(server: Any, mode: str) -> None:
    async with Client(server, mode=mode) as client:
        result = await client.call_tool("network-diagnostics", {"probe": True})
        one = await client.call_tool(
            "network-diagnostics", {"probe": True, "customer": "sandbox-b"}
        )
    assert not result.is_error, result.content
    probes = result.structured_content["probes"]
    assert [p["section"] for p in probes] == ["sandbox", "sandbox-b"]
    for p in probes:
        assert p["error"] is None
        assert p["http_version"] == "HTTP/2"
        for phase in ("dns_ms", "connect_ms", "tls_ms", "ttfb_ms"):
            assert p[phase] is not None and p[phase] >= 0
    assert [p["section"] for p in one.structured_content["probes"]] == ["sandbox-b"]
    assert [h["section"] for h in one.structured_content["hosts"]] == ["sandbox-b"]


def _host(**kw: Any) -> HostHealth:
    base: dict[str, Any] = {"section": "s", "host": "akab-1.luna.akamaiapis.net"}
    base.update(kw)
    return HostHealth(**base)


def test_grade_rules_worst_first() -> None:
    healthy = _host(requests=100, latency=LatencyStats(count=100, p95_ms=120.0), reuse_ratio=0.99)
    assert grade([healthy])[0] == "A"
    assert grade([])[0] == "A" and "no requests yet" in grade([])[1]

    letter, rule = grade([healthy, _host(breaker=BreakerState(state="open", retry_in_s=12))])
    assert letter == "F" and "breaker open" in rule
    letter, rule = grade([healthy], [ProbeResult(section="s", host="h", error="dns failed")])
    assert letter == "F" and "dns failed" in rule
    assert grade([_host(breaker=BreakerState(state="half-open"))])[0] == "D"

    failing = _host(requests=20, status_codes={"200": 15, "503": 5})
    assert grade([failing]) == ("D", "25% of 20 requests failed (5xx, timeout, connection)")
    timeouts = _host(requests=20, errors={"timeout": 1, "http_4xx": 9})
    assert grade([timeouts])[0] == "C"  # 5%: 4xx answers are not network failures
    client_errors = _host(requests=20, status_codes={"404": 20}, errors={"http_4xx": 20})
    assert grade([client_errors])[0] == "A"

    slow = _host(requests=5, latency=LatencyStats(count=5, p95_ms=3500.0))
    assert grade([slow]) == ("C", f"latency p95 3500 ms to {slow.host} (>= 3000 ms)")
    assert grade([_host(requests=5, latency=LatencyStats(count=5, p95_ms=1500.0))])[0] == "B"
    assert grade([_host(requests=20, rate_limit_waits=4)])[0] == "C"
    assert grade([_host(requests=40, retries=3)])[0] == "B"
    letter, rule = grade([_host(requests=40, reuse_ratio=0.5)])
    assert letter == "B" and "reuse 50%" in rule
    assert grade([], [ProbeResult(section="s", host="h", ttfb_ms=900.0)])[0] == "B"
    assert grade([], [ProbeResult(section="s", host="h", ttfb_ms=2500.0)])[0] == "C"


# --------------------------------------------------------------------------- conventions


@pytest.mark.parametrize("mode", MODES)
async def test_invalid_arguments_name_the_field(server: Any, mode: str) -> None:
    async with Client(server, mode=mode) as client:
        wrong_type = await client.call_tool("network-diagnostics", {"probe": "maybe"})
        missing = await client.call_tool("test-steps-run", {})
        out_of_range = await client.call_tool("test-steps-run", {"steps": 99})
        unknown_customer = await client.call_tool("network-diagnostics", {"customer": "acme"})
        bad_key = await client.call_tool("test-account-get", {"account_switch_key": "x y"})
        bad_id = await client.call_tool(
            "test-cpcode-get", {"cpcode_id": "cpc_1/../2", "contract_id": "c", "group_id": "g"}
        )
    for result, field in (
        (wrong_type, "probe"),
        (missing, "steps"),
        (out_of_range, "steps"),
        (unknown_customer, "customer"),
        (bad_key, "account_switch_key"),
        (bad_id, "cpcode_id"),
    ):
        assert result.is_error
        text = result.content[0].text
        assert f"`{field}`" in text, text
        assert "Traceback" not in text
    assert "required but missing" in missing.content[0].text
    assert "less than or equal to 10" in out_of_range.content[0].text
    assert "Allowed: sandbox, sandbox-b" in unknown_customer.content[0].text
    assert unknown_customer.meta["alecs/error"]["field"] == "customer"
    assert "cpc_123 or 123" in bad_id.content[0].text


@pytest.mark.parametrize("mode", MODES)
async def test_akamai_errors_become_tool_errors_with_status_title_detail(
    server: Any, mode: str
) -> None:
    async with Client(server, mode=mode) as client:
        result = await client.call_tool(
            "test-cpcode-get",
            {"cpcode_id": "123", "contract_id": "ctr_NOPE", "group_id": "grp_NOPE"},
        )
    assert result.is_error
    details = result.meta["alecs/error"]
    assert details["error"] == "AkamaiApiError"
    assert details["status"] == 403
    assert details["title"] == "Forbidden"
    assert "ctr_NOPE" in details["detail"]
    text = result.content[0].text
    assert "status 403, Forbidden" in text
    assert f"detail: {details['detail']}" in text
    assert "GET /papi/v1/cpcodes/cpc_123" in text


@pytest.mark.parametrize("mode", MODES)
async def test_customer_and_account_switch_key_select_the_account(server: Any, mode: str) -> None:
    async with Client(server, mode=mode) as client:
        default = await client.call_tool("test-account-get", {})
        other_client = await client.call_tool("test-account-get", {"customer": "sandbox-b"})
        switched = await client.call_tool(
            "test-account-get", {"account_switch_key": "1-7SBXB2:1-8SBX"}
        )
    assert default.structured_content == {"section": "sandbox", "account_id": "act_1-5SBXA1"}
    assert other_client.structured_content["account_id"] == "act_1-7SBXB2"
    assert switched.structured_content == {"section": "sandbox", "account_id": "act_1-7SBXB2"}
    assert default.content[0].text == "sandbox sees act_1-5SBXA1"


@pytest.mark.parametrize("mode", MODES)
async def test_progress_notifications_reach_the_client(server: Any, mode: str) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with Client(server, mode=mode) as client:
        result = await client.call_tool(
            "test-steps-run", {"steps": 3}, progress_callback=on_progress
        )
    assert not result.is_error
    assert seen == [(1, 3, "step 1 of 3"), (2, 3, "step 2 of 3"), (3, 3, "step 3 of 3")]


async def test_one_runtime_shared_and_closed(sandbox: Any) -> None:
    """Nested lifespans share one Transport; the last one out closes it."""
    srv = build_server(toolsets="all", edgerc=sandbox.edgerc_path, section="sandbox", warm_up=False)
    async with srv.runtime.session() as outer:
        async with Client(srv, mode="legacy") as client:
            assert srv.runtime.state is outer
            await client.call_tool("network-diagnostics", {})
        assert srv.runtime.state is outer  # still held by the outer session
    assert srv.runtime.state is None


# --------------------------------------------------------------------------- helpers


class FakeTime:
    """An injected clock and sleep: time moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class RecordingProgress(Progress):
    def __init__(self) -> None:
        self.seen: list[tuple[float, str | None]] = []
        self.last = 0.0
        self.total = 100

    async def __call__(self, progress: float, message: str | None = None) -> None:
        self.seen.append((progress, message))


async def test_poll_until_done_obeys_the_interval_and_reports_progress() -> None:
    states = iter(["PENDING", "PENDING", "ACTIVE"])
    fake = FakeTime()
    progress = RecordingProgress()

    async def fetch() -> str:
        return next(states)

    outcome = await poll(
        fetch,
        done=lambda s: s == "ACTIVE",
        timeout_s=100,
        interval_s=lambda s: 7.0,
        progress=progress,
        describe=lambda s: f"{s} on STAGING",
        sleep=fake.sleep,
        clock=fake.clock,
    )
    assert (outcome.state, outcome.finished, outcome.polls) == ("ACTIVE", True, 3)
    assert fake.sleeps == [7.0, 7.0]
    assert progress.seen == [
        (0.0, "PENDING on STAGING"),
        (7.0, "PENDING on STAGING"),
        (100.0, "ACTIVE on STAGING"),
    ]


async def test_poll_timeout_returns_the_last_state() -> None:
    fake = FakeTime()

    async def fetch() -> str:
        return "PENDING"

    outcome = await poll(
        fetch, done=lambda s: False, timeout_s=12, interval_s=5, sleep=fake.sleep, clock=fake.clock
    )
    assert (outcome.state, outcome.finished) == ("PENDING", False)
    assert fake.sleeps == [5, 5, 2]  # the last wait is clipped to the timeout
    assert outcome.waited_s == 12


def test_normalize_id_accepts_what_people_type() -> None:
    assert normalize_id("prp_123", "prp_", field="property_id") == "prp_123"
    assert normalize_id("PRP_123", "prp_", field="property_id") == "prp_123"
    assert normalize_id(123, "prp_", field="property_id") == "prp_123"
    assert normalize_id(" 123 ", "prp_", field="property_id") == "prp_123"
    with pytest.raises(InputError, match=r"`property_id`.*prp_123 or 123"):
        normalize_id("12/3", "prp_", field="property_id")

"""The audit log of write tools: one line per attempt through a real MCP client, no secret in
it, and `alecs serve --audit-log` / `alecs call --audit-log` then `alecs audit` (subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.types import ElicitResult

from alecs.audit import read_records
from alecs.server import build_server

ALECS = [sys.executable, "-m", "alecs"]
MODES = ["legacy", "auto"]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALECS_", "AKAMAI_"))}
    env.update(extra)
    return env


def secrets_of(edgerc: str | Path) -> list[str]:
    values = []
    for line in Path(edgerc).read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() in ("client_secret", "access_token", "client_token"):
            values.append(value.strip())
    assert values
    return values


def assert_no_secret(path: Path, edgerc: str | Path) -> None:
    text = path.read_text()
    for secret in secrets_of(edgerc):
        assert secret not in text
    assert "EG1-HMAC" not in text and "Authorization" not in text


@pytest.mark.parametrize("mode", MODES)
async def test_one_line_per_write_attempt(fresh_sandbox: Any, tmp_path: Path, mode: str) -> None:
    log = tmp_path / "audit.jsonl"
    server = build_server(
        edgerc=fresh_sandbox.edgerc_path,
        section="sandbox",
        warm_up=False,
        toolsets="all",
        audit_log=log,
    )
    answers = iter(["decline", "accept"])

    async def answer(context: Any, params: Any) -> ElicitResult:
        action = next(answers)
        return ElicitResult(
            action=action, content={"confirm": True} if action == "accept" else None
        )

    upsert = {"zone": "example.com", "name": "shop", "type": "A", "rdata": ["192.0.2.40"]}
    delete = {"zone": "example.com", "name": "shop", "type": "A"}
    async with Client(server, mode=mode, elicitation_callback=answer) as client:
        await client.call_tool("dns-zone-list", {})  # a read: not audited
        await client.call_tool("dns-record-upsert", {**upsert, "dry_run": True})
        await client.call_tool("dns-record-upsert", upsert)
        await client.call_tool("dns-record-delete", delete)  # declined
        await client.call_tool("dns-record-delete", delete)  # accepted
        await client.call_tool("dns-record-upsert", {**upsert, "rdata": ["not-an-ip"]})
        await client.call_tool(
            "dns-record-upsert", {**upsert, "account_switch_key": "1-7SBXB2:1-8SBX"}
        )
    records = list(read_records(log))
    assert [(r["tool"], r["dry_run"], r["confirmation"], r["outcome"]) for r in records] == [
        ("dns-record-upsert", True, "dry-run", "planned"),
        ("dns-record-upsert", False, "not-needed", "ok"),
        ("dns-record-delete", False, "declined", "declined"),
        ("dns-record-delete", False, "confirmed", "ok"),
        ("dns-record-upsert", False, "not-needed", "error"),
        ("dns-record-upsert", False, "not-needed", "error"),
    ]
    planned, created, declined, deleted, invalid, other = records
    assert all(r["customer"] == "sandbox" for r in records)
    assert created["arguments"]["rdata"] == ["192.0.2.40"] and created["arguments"]["zone"]
    assert created["ids"]["action"] == "created" and created["ids"]["soa_serial_after"]
    writes = [r for r in created["requests"] if r["method"] != "GET"]
    assert [w["method"] for w in writes] == ["POST"] and writes[0]["status"] == 201
    assert all(len(r["request_id"]) == 16 for r in created["requests"])
    assert planned["ids"]["would_change"] is True
    assert all(r["method"] == "GET" for r in planned["requests"])
    assert declined["requests"] == [] and "declined" in declined["error"]["message"]
    assert deleted["ids"]["soa_serial_after"] == created["ids"]["soa_serial_after"] + 1
    assert invalid["error"]["field"].startswith("rdata") and invalid["requests"] == []
    assert invalid["error"]["may_have_been_applied"] is False
    assert other["account_switch_key"] == "1-7SBXB2:1-8SBX"
    assert all(r["time"].endswith("Z") for r in records)
    assert_no_secret(log, fresh_sandbox.edgerc_path)


async def test_unconfirmed_write_is_recorded_as_refused(fresh_sandbox: Any, tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    server = build_server(
        edgerc=fresh_sandbox.edgerc_path,
        section="sandbox",
        warm_up=False,
        toolsets="all",
        audit_log=log,
    )
    args = {"zone": "example.com", "name": "www", "type": "CNAME"}
    async with Client(server) as client:  # no elicitation: needs confirm: true
        refused = await client.call_tool("dns-record-delete", args)
        confirmed = await client.call_tool("dns-record-delete", {**args, "confirm": True})
    assert refused.is_error and not confirmed.is_error
    first, second = read_records(log)
    assert (first["confirmation"], first["outcome"], first["requests"]) == (
        "required",
        "refused",
        [],
    )
    assert (second["confirmation"], second["outcome"]) == ("confirm-argument", "ok")
    assert [r["method"] for r in second["requests"]].count("DELETE") == 1
    # the question (with its plan) is long; the line keeps a readable start of it, not a digest
    message = first["error"]["message"]
    assert isinstance(message, str) and message.startswith("Confirmation required")
    assert len(message.encode()) <= 256


async def test_ambiguous_write_says_it_may_have_been_applied(
    fresh_sandbox: Any, tmp_path: Path
) -> None:
    log = tmp_path / "audit.jsonl"
    server = build_server(
        edgerc=fresh_sandbox.edgerc_path,
        section="sandbox",
        warm_up=False,
        toolsets="all",
        audit_log=log,
    )
    # The sandbox applies the version, then answers 500: the client can't know it worked.
    fresh_sandbox.admin.set_faults(
        pattern="POST /papi/v1/properties/*/versions",
        error_rate=1,
        error_status=500,
        phase="after",
    )
    async with Client(server) as client:
        result = await client.call_tool("property-version-create", {"property_id": "prp_600001"})
    assert result.is_error
    (record,) = read_records(log)
    assert record["outcome"] == "error" and record["status"] == 500
    assert record["error"]["may_have_been_applied"] is True


def _run(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ALECS, *args], capture_output=True, text=True, timeout=timeout, env=clean_env()
    )


async def test_serve_and_call_write_the_log_alecs_audit_prints_it(tmp_path: Path) -> None:
    served = tmp_path / "served.jsonl"
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "alecs", "serve", "--sandbox", "--toolsets", "all", "--audit-log", str(served)],
        env=clean_env(),
    )
    upsert = {"zone": "example.com", "name": "api2", "type": "TXT", "rdata": ["hello"]}
    with (tmp_path / "stderr.log").open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            result = await client.call_tool("dns-record-upsert", upsert)
    assert not result.is_error, result.content

    called = tmp_path / "called.jsonl"
    done = _run(
        "call",
        "purge-invalidate",
        'urls=["https://www.example.com/a"]',
        "dry_run=true",
        "--sandbox",
        "--toolsets",
        "all",
        "--audit-log",
        str(called),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["dry_run"] is True

    table = _run("audit", "--file", str(served))
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].startswith("TIME (UTC)") and len(lines) == 2
    assert "dns-record-upsert" in lines[1] and "sandbox" in lines[1] and " ok" in lines[1]

    as_json = _run("audit", "--file", str(called), "--json", "--tool", "purge-*")
    assert as_json.returncode == 0, as_json.stderr
    (doc,) = [json.loads(x) for x in as_json.stdout.splitlines()]
    assert doc["tool"] == "purge-invalidate" and doc["dry_run"] is True
    assert doc["arguments"]["urls"] == ["https://www.example.com/a"]
    assert doc["outcome"] == "planned"
    none = _run("audit", "--file", str(called), "--json", "--customer", "nobody")
    assert none.returncode == 0 and none.stdout == ""

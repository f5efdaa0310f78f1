"""The audit log file (alecs/audit.py), `alecs audit`, and the transport's call collector."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from alecs.audit import (
    AuditLog,
    AuditRecord,
    audit_path_from,
    digest,
    parse_since,
    read_records,
    scrub,
    scrub_arguments,
    select,
    utc_iso,
)
from alecs.cli import main
from alecs.transport import Transport
from alecs.transport.observe import collect_calls

NOW = datetime(2026, 12, 1, 21, 0, tzinfo=UTC).timestamp()


def test_record_shape_and_line_per_write(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a" / "audit.jsonl")
    log.write(
        AuditRecord(
            tool="dns-record-upsert",
            customer="default",
            arguments={"zone": "example.com", "rdata": ["192.0.2.1"]},
            status="ok",
            ids={"serial_after": 7},
            requests=[{"method": "PUT", "path": "/x", "status": 200, "request_id": "abc"}],
            time=NOW,
        )
    )
    log.write(AuditRecord(tool="purge-delete", dry_run=True, outcome="planned", time=NOW + 1))
    lines = (tmp_path / "a" / "audit.jsonl").read_text().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    assert first["time"] == "2026-12-01T21:00:00.000Z"
    assert first["tool"] == "dns-record-upsert"
    assert first["arguments"] == {"zone": "example.com", "rdata": ["192.0.2.1"]}
    assert first["requests"][0]["request_id"] == "abc"
    assert set(first) >= {"customer", "account_switch_key", "dry_run", "confirmation", "error"}
    assert json.loads(lines[1])["dry_run"] is True


def test_secrets_never_written(tmp_path: Path) -> None:
    secret = "s3cr3t-value-xyz"
    log = AuditLog(tmp_path / "audit.jsonl", secrets=[secret, "tok-123456"])
    log.write(
        AuditRecord(
            tool="x-create",
            arguments={
                "client_secret": "abc",
                "note": f"contains {secret} inside",
                "headers": {"Authorization": "EG1-HMAC-SHA256 client_token=..."},
                "list": ["tok-123456"],
            },
            error={"message": f"failed with {secret}"},
        )
    )
    text = (tmp_path / "audit.jsonl").read_text()
    assert secret not in text and "tok-123456" not in text and "EG1-HMAC" not in text
    doc = json.loads(text)
    assert doc["arguments"]["client_secret"] == "[redacted]"
    assert doc["arguments"]["note"] == "[redacted]"
    assert doc["arguments"]["headers"]["Authorization"] == "[redacted]"
    assert doc["error"]["message"] == "[redacted]"
    assert "s3cr3t" not in repr(log)


def test_large_values_summarized_by_size_and_hash() -> None:
    rules = {"name": "default", "children": [{"name": f"r{i}"} for i in range(200)]}
    out = scrub_arguments({"rules": rules, "urls": ["https://e.example/" + "a" * 300]})
    # the largest part is replaced, the small rest kept: the structure stays readable
    assert out["rules"]["name"] == "default"
    children = out["rules"]["children"]
    assert children["summarized"] is True and children["items"] == 200
    assert children["sha256"] == digest(rules["children"])["sha256"]
    assert children["bytes"] > 1024
    assert out["urls"][0]["summarized"] is True
    assert scrub({"small": [1, 2]}) == {"small": [1, 2]}


def test_long_error_messages_are_clipped_not_digested() -> None:
    secret = "s3cr3t-value-xyz"
    record = AuditRecord(
        tool="x-delete",
        error={"type": "ToolError", "message": "Confirmation required: " + "\u00e9" * 400},
    )
    message = record.to_json()["error"]["message"]
    assert message.startswith("Confirmation required: \u00e9") and message.endswith("\u2026")
    assert len(message.encode()) <= 256
    # a secret past the cut is still found: the message is redacted, no prefix of it survives
    late = AuditRecord(tool="x", error={"message": "a" * 300 + secret, "detail": "short"})
    doc = late.to_json(frozenset([secret]))["error"]
    assert doc == {"message": "[redacted]", "detail": "short"}


def test_rotation_keeps_a_few_files(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, max_bytes=2048, backups=2, fsync=False)
    for i in range(60):
        log.write(AuditRecord(tool="cpcode-create", arguments={"n": i, "pad": "x" * 100}))
    files = log.files()
    assert [f.name for f in files] == ["audit.jsonl.2", "audit.jsonl.1", "audit.jsonl"]
    assert all(f.stat().st_size <= 2048 for f in files)
    numbers = [r["arguments"]["n"] for r in read_records(path)]
    assert numbers == sorted(numbers) and numbers[-1] == 59  # oldest first, newest kept


def test_concurrent_writers_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, fsync=False)

    def work(k: int) -> None:
        for i in range(50):
            log.write(AuditRecord(tool="t-x", arguments={"k": k, "i": i, "pad": "y" * 200}))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = path.read_text().splitlines()
    assert len(lines) == 200
    assert all(json.loads(line)["tool"] == "t-x" for line in lines)


def test_broken_line_skipped(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    AuditLog(path).write(AuditRecord(tool="a-b"))
    with path.open("a") as fh:
        fh.write('{"tool": "cut-by-a-cra')
    assert [r["tool"] for r in read_records(path)] == ["a-b"]


def test_path_choice(tmp_path: Path) -> None:
    assert audit_path_from(str(tmp_path / "f"), env={}) == tmp_path / "f"
    assert audit_path_from(None, disabled=True, env={"ALECS_AUDIT_LOG": "x"}) is None
    assert audit_path_from(None, env={"ALECS_AUDIT_LOG": "off"}) is None
    assert audit_path_from(None, env={"ALECS_AUDIT_LOG": str(tmp_path / "e")}) == tmp_path / "e"
    default = audit_path_from(None, env={})
    assert default is not None and default.name == "audit.jsonl"
    assert "alecs" in default.parts


def test_since_and_filters() -> None:
    assert parse_since("2h", now=NOW) == datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    assert parse_since("1d", now=NOW) == datetime(2026, 11, 30, 21, 0, tzinfo=UTC)
    assert parse_since("2026-12-01") == datetime(2026, 12, 1, tzinfo=UTC)
    assert parse_since("2026-12-01T20:30:00Z") == datetime(2026, 12, 1, 20, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="relative time"):
        parse_since("yesterday")
    docs = [
        {"time": utc_iso(NOW - 7200), "tool": "dns-record-upsert", "customer": "a"},
        {"time": utc_iso(NOW - 60), "tool": "dns-record-delete", "customer": "b"},
        {"time": utc_iso(NOW - 30), "tool": "purge-delete", "customer": "a"},
    ]
    since = parse_since("1h", now=NOW)
    assert [d["tool"] for d in select(docs, since=since)] == ["dns-record-delete", "purge-delete"]
    assert [d["tool"] for d in select(docs, tool="dns-*")] == [
        "dns-record-upsert",
        "dns-record-delete",
    ]
    assert [d["tool"] for d in select(docs, customer="a", tool="purge-delete")] == ["purge-delete"]


def _sample_log(path: Path) -> None:
    log = AuditLog(path)
    log.write(
        AuditRecord(
            tool="dns-record-upsert",
            customer="sandbox",
            requests=[{"method": "PUT", "path": "/p", "status": 200, "request_id": "rid-1"}],
            ids={"serial_after": 3},
        )
    )
    log.write(
        AuditRecord(
            tool="property-activate",
            customer="sandbox-b",
            outcome="error",
            status=504,
            error={"message": "timed out", "may_have_been_applied": True},
        )
    )
    log.write(
        AuditRecord(
            tool="purge-delete", customer="sandbox", confirmation="declined", outcome="declined"
        )
    )


def test_cli_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "audit.jsonl"
    _sample_log(path)
    assert main(["audit", "--file", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["TIME", "(UTC)", "TOOL"]
    assert len(out) == 4
    assert "rid-1" in out[1] and "serial_after=3" in out[1]
    assert "MAY HAVE BEEN APPLIED" in out[2]
    assert "declined" in out[3]

    assert main(["audit", "--file", str(path), "--json", "--customer", "sandbox"]) == 0
    docs = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [d["tool"] for d in docs] == ["dns-record-upsert", "purge-delete"]

    assert main(["audit", "--file", str(path), "--json", "--tool", "property-activate"]) == 0
    assert [json.loads(x)["tool"] for x in capsys.readouterr().out.splitlines()] == [
        "property-activate"
    ]
    assert main(["audit", "--file", str(path), "--since", "1h", "--json"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3


def test_cli_bad_since(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "audit.jsonl"
    _sample_log(path)
    assert main(["audit", "--file", str(path), "--since", "soon"]) == 2
    assert "--since" in capsys.readouterr().err


async def test_collector_sees_request_ids(sandbox: Any, sandbox_credentials: Any) -> None:
    async with Transport(sandbox_credentials) as transport:
        await transport.request("sandbox", "GET", "/papi/v1/contracts")  # outside: not kept
        with collect_calls() as calls:
            await transport.request("sandbox", "GET", "/papi/v1/groups?x=1")
        assert len(calls) == 1
        call: Any = calls[0]
        assert (call.method, call.path, call.status) == ("GET", "/papi/v1/groups", 200)
        assert call.request_id and len(call.request_id) == 16
        assert not call.writes


def test_ambiguous_writes_follow_the_transports_verdict() -> None:
    from alecs.audit import error_fields
    from alecs.transport.errors import AkamaiApiError, AmbiguousWriteError, TransportError

    def lost(applied: bool | None) -> AmbiguousWriteError:
        return AmbiguousWriteError(
            "timeout", "h", "read timed out", method="POST", path="/x", applied=applied
        )

    assert error_fields(lost(None))["may_have_been_applied"] is True
    assert error_fields(lost(True))["applied"] is True
    assert error_fields(lost(False))["may_have_been_applied"] is False
    assert error_fields(AkamaiApiError(502, method="PUT", path="/p"))["may_have_been_applied"]
    assert not error_fields(AkamaiApiError(409, method="PUT"))["may_have_been_applied"]
    assert not error_fields(TransportError("connect", "h", "refused"))["may_have_been_applied"]

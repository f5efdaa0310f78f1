"""`alecs sandbox` as a real process: start, files, an HTTP/2 request, clean shutdown."""

from __future__ import annotations

import dataclasses
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx2
import pytest

from alecs.config import load_credentials
from alecs.transport.auth import EdgeGridAuth

URL_LINE = re.compile(r"listening on (https://127\.0\.0\.1:(\d+))")


def _start(
    state_dir: Path, *extra: str, stderr: Any = subprocess.PIPE
) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "alecs",
            "sandbox",
            "--port",
            "0",
            "--state-dir",
            str(state_dir),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    lines: list[str] = []
    found: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            m = URL_LINE.search(line)
            if m:
                found.append(m.group(1))
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(30)
    if not found:
        proc.kill()
        _, err = proc.communicate(timeout=10)
        pytest.fail(f"alecs sandbox did not start: {''.join(lines)}{err or ''}")
    return proc, found[0]


def _stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGINT)
    try:
        proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate(timeout=10)
        pytest.fail("alecs sandbox did not stop on SIGINT")
    return proc.returncode


async def test_alecs_sandbox_command_serves_contracts_over_http2(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    proc, url = _start(state_dir)
    try:
        edgerc = state_dir / "edgerc"
        ca = state_dir / "ca.pem"
        assert edgerc.is_file() and ca.is_file()
        text = edgerc.read_text()
        assert "[sandbox]" in text and "[sandbox-b]" in text
        assert "1-7SBXB2:1-8SBX" in text  # the documented switch key
        creds = load_credentials(section="sandbox", edgerc=edgerc, env={})
        assert f"https://{creds.host}" == url
        assert creds.ca_bundle == str(ca)
        async with httpx2.AsyncClient(
            http2=True,
            auth=EdgeGridAuth(creds),
            verify=ssl.create_default_context(cafile=str(ca)),
        ) as client:
            resp = await client.get(f"{url}/papi/v1/contracts")
        assert resp.status_code == 200, resp.text
        assert resp.http_version == "HTTP/2"
        assert resp.json()["accountId"] == "act_1-5SBXA1"
    finally:
        code = _stop(proc)
    assert code == 0


async def test_debug_log_shows_requests_but_no_credentials(tmp_path: Path) -> None:
    """`--log-level DEBUG`: the HTTP/2 header decoder must not print the Authorization header."""
    state_dir = tmp_path / "state"
    log_path = tmp_path / "stderr.log"
    with log_path.open("w") as log_file:
        proc, url = _start(state_dir, "--log-level", "DEBUG", stderr=log_file)
        try:
            creds = load_credentials(section="sandbox", edgerc=state_dir / "edgerc", env={})
            wrong = dataclasses.replace(creds, client_secret="bm90IHRoZSBzZWNyZXQ=")
            statuses = []
            for signer in (creds, wrong):
                async with httpx2.AsyncClient(
                    http2=True,
                    auth=EdgeGridAuth(signer),
                    verify=ssl.create_default_context(cafile=str(state_dir / "ca.pem")),
                ) as client:
                    resp = await client.get(f"{url}/papi/v1/contracts")
                statuses.append((resp.status_code, resp.http_version))
        finally:
            code = _stop(proc)
    log = log_path.read_text()
    assert code == 0
    assert statuses == [(200, "HTTP/2"), (401, "HTTP/2")]
    assert "DEBUG alecs.sandbox: GET /papi/v1/contracts -> 200" in log, "DEBUG logging is on"
    for secret in (creds.client_token, creds.client_secret, creds.access_token):
        assert secret not in log
    assert "EG1-HMAC-SHA256" not in log and "signature=" not in log
    assert " hpack." not in log, "no HTTP/2 header dumps (they hold the encoded credentials)"


def test_sigterm_also_stops_cleanly(tmp_path: Path) -> None:
    proc, _ = _start(tmp_path / "state", "--persist", "--no-rate-limits")
    proc.send_signal(signal.SIGTERM)
    out, _err = proc.communicate(timeout=15)
    assert proc.returncode == 0
    assert "stopped" in out
    assert (tmp_path / "state" / "sandbox.sqlite3").is_file()


def test_bad_flags_are_reported_without_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alecs", "sandbox", "--state-dir", str(tmp_path), "--error-rate=3"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--error-rate" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_import_does_not_load_the_server() -> None:
    code = (
        "import sys, alecs.cli; alecs.cli.build_parser(); "
        "heavy = [m for m in ('hypercorn', 'alecs.sandbox.app', 'alecs.sandbox.runner', "
        "'trustme') if m in sys.modules]; print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"

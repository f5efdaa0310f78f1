"""The benchmark runs end to end with tiny counts against the sandbox (no nginx, no plot needed),
and its rows show what each contender does on the wire."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.bench import run as bench_run  # noqa: E402


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:
    out = tmp_path_factory.mktemp("bench")
    capture = out / "stdout.txt"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = bench_run.main(["--smoke", "--out", str(out), "--no-plot", "--name", "smoke"])
    capture.write_text(buf.getvalue())
    assert code == 0, buf.getvalue()
    return json.loads((out / "smoke.json").read_text()), buf.getvalue()


def rows(data: dict, scenario: str, rtt: float) -> dict[str, dict]:
    return {
        r["contender"]: r
        for r in data["rows"]
        if r["scenario"] == scenario and r["rtt_ms"] == rtt and r["target"] == "sandbox"
    }


def test_smoke_run_covers_every_scenario_and_contender(smoke: tuple[dict, str]) -> None:
    data, text = smoke
    assert {r["target"] for r in data["rows"]} == {"sandbox"}
    for rtt in (0.0, 20.0):
        seq = rows(data, "a", rtt)
        assert {"floor", "i", "ii", "iii", "iv", "v"} <= set(seq)
        par = rows(data, "b", rtt)
        assert {"i", "ii", "iii", "iv", "v"} <= set(par)
        mcp = rows(data, "d", rtt)
        assert {"mcp-memory", "mcp-stdio"} <= set(mcp)
    for r in data["rows"]:
        assert r["errors"] == 0, r
        assert r["n"] > 0, r
    assert "| contender | n | p50 ms |" in text
    assert "## Goals" in text


def test_connections_and_dns_lookups_per_contender(smoke: tuple[dict, str]) -> None:
    data, _ = smoke
    seq = rows(data, "a", 0.0)
    # (i) opens a connection, and resolves the name, for every call.
    assert seq["i"]["connections"] == seq["i"]["n"]
    assert seq["i"]["dns_lookups"] == seq["i"]["n"]
    # Keep-alive clients reuse the warm connection: no new connection, no lookup.
    for key in ("ii", "iii", "iv", "v"):
        assert seq[key]["connections"] == 0, key
        assert seq[key]["dns_lookups"] == 0, key
    assert seq["v"]["http_version"] == "HTTP/2"
    assert seq["iv"]["http_version"] == "HTTP/1.1"
    # Every call moved bytes through the latency proxy.
    for key in ("i", "ii", "iii", "iv", "v"):
        assert seq[key]["bytes_rx"] > 0, key


def test_http2_burst_uses_one_connection(smoke: tuple[dict, str]) -> None:
    data, _ = smoke
    par = rows(data, "b", 0.0)
    assert par["v"]["warmup_connections"] == 1
    assert par["v"]["connections"] == 0
    assert par["iii"]["warmup_connections"] == 1
    # (i) connects once per call in a burst as well.
    assert par["i"]["connections"] == par["i"]["n"]


def test_physical_limits_and_goals_are_reported(smoke: tuple[dict, str]) -> None:
    data, _ = smoke
    floors = data["meta"]["floors_ms"]["sandbox"]
    assert floors["0"]["small_ms"] > 0
    assert floors["20"]["small_ms"] > floors["0"]["small_ms"]  # the proxy adds the RTT
    seq = rows(data, "a", 20.0)
    assert seq["v"]["limit_ms"] == pytest.approx(floors["20"]["small_ms"])
    names = {g["goal"] for g in data["goals"]}
    assert any("74%" in n for n in names)
    assert any("CPU per call" in n for n in names)
    assert all(isinstance(g["met"], bool) for g in data["goals"])

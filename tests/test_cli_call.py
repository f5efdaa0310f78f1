"""`alecs call` and `alecs tools`: parameter help, input schemas, values typed by the schema,
the CLI form of confirmations, and `--sandbox` state kept across runs.

The commands run in-process through `alecs.cli.main` (a real MCP client session against the
in-process sandbox); one persistence check runs `alecs` as subprocesses. The user data
directory is a temporary one (XDG_DATA_HOME, see conftest).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from alecs.cli import main
from alecs.cli_args import coerce_value, parse_pairs, type_text

ALECS = [sys.executable, "-m", "alecs"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_call_help_lists_the_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "call", "property-get", "--help", "--sandbox-temp", "--toolsets", "papi"
    )
    assert code == 0, err
    assert out.startswith("alecs call property-get")
    assert "property_id  (string; required)" in out
    assert "customer  (string | null; default: null)" in out
    assert "The property: prp_123" in out  # the parameter's description
    code, out, _ = run(capsys, "call", "dns-record-list", "-h")
    assert code == 0 and "limit  (integer; default: 50)" in out
    assert "types  (array of string | null; default: null)" in out


def test_call_help_of_a_tool_hidden_by_the_options_needs_no_credentials(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`alecs call property-get --help` (papi is not a default toolset; no .edgerc anywhere):
    the parameters, and why the tool is not offered with these options."""
    monkeypatch.setenv("AKAMAI_EDGERC", str(tmp_path / "missing-edgerc"))
    code, out, err = run(capsys, "call", "property-get", "--help")
    assert code == 0, err
    assert out.startswith("alecs call property-get")
    assert "property_id  (string; required)" in out
    assert "toolset papi, which is not enabled" in out
    code, out, err = run(capsys, "call", "dns-record-upsert", "--read-only", "--help")
    assert code == 0, err
    assert "rdata" in out and "--read-only" in out


def test_tools_json_has_input_schemas(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "tools", "--toolsets", "all", "--json")
    assert code == 0
    tools = {t["name"]: t for t in json.loads(out)}
    schema = tools["property-get"]["inputSchema"]
    assert schema["type"] == "object" and "property_id" in schema["properties"]
    assert schema["required"] == ["property_id"]
    assert all(t["inputSchema"]["type"] == "object" for t in tools.values())


SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "flag": {"type": "boolean"},
        "n": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
        "ratio": {"type": "number"},
        "types": {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]},
        "ids": {"type": "array", "items": {"type": "integer"}},
        "doc": {"type": "object"},
        "either": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        "network": {"enum": ["STAGING", "PRODUCTION"], "type": "string"},
        "ref": {"$ref": "#/$defs/Flag"},
    },
    "$defs": {"Flag": {"type": "boolean"}},
}


def test_values_are_typed_by_the_schema() -> None:
    args = parse_pairs(
        [
            "name=true",
            "flag=true",
            "n=3",
            "ratio=2.5",
            "types=CNAME",
            "ids=[1,2]",
            "ids2=[1,2]",
            'doc={"a":1}',
            "either=42",
            "network=STAGING",
            "ref=false",
            "note=hello",
        ],
        SCHEMA,
    )
    assert args == {
        "name": "true",  # a string parameter keeps the text
        "flag": True,
        "n": 3,
        "ratio": 2.5,
        "types": ["CNAME"],  # one bare item of an array parameter
        "ids": [1, 2],
        "ids2": [1, 2],  # not in the schema: JSON when it parses
        "doc": {"a": 1},
        "either": "42",
        "network": "STAGING",
        "ref": False,
        "note": "hello",
    }
    assert coerce_value("null", SCHEMA["properties"]["n"]) is None
    assert coerce_value("maybe", {"type": "boolean"}) == "maybe"  # the server names the field
    assert coerce_value("12", {"type": "string"}) == "12"
    assert type_text(SCHEMA["properties"]["types"]) == "array of string | null"
    with pytest.raises(ValueError, match="expected key=value"):
        parse_pairs(["oops"], SCHEMA)


def test_a_camel_case_alias_is_typed_by_its_parameter_and_a_repeated_key_is_refused() -> None:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            "account_switch_key": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "zone": {"type": "string"},
            "limit": {"type": "integer"},
        },
    }
    args = parse_pairs(["accountSwitchKey=123", "zone=true", "Limit=5"], schema)
    assert args == {"accountSwitchKey": "123", "zone": "true", "Limit": 5}
    with pytest.raises(ValueError, match="zone is given twice"):
        parse_pairs(["zone=example.com", "zone=example.org"], schema)


def test_a_repeated_key_sends_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "call",
        "purge-invalidate",
        "urls=https://www.example.com/a.css",
        "network=STAGING",
        "network=PRODUCTION",
        "--sandbox-temp",
        "--sandbox",
    )
    assert code == 2 and out == ""
    assert "network is given twice" in err


def test_a_string_parameter_keeps_true_through_the_server(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys,
        "call",
        "dns-record-upsert",
        "zone=example.com",
        "name=true",
        "type=TXT",
        "rdata=hello",
        "--sandbox-temp",
        "--sandbox",
        "--json",
    )
    assert code == 0, err
    assert json.loads(out)["record_set"]["name"] == "true.example.com"


def test_confirmation_text_shows_the_cli_form(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "call",
        "purge-delete",
        "urls=https://www.example.com/a.css",
        "network=PRODUCTION",
        "--sandbox",
        "--sandbox-temp",
    )
    assert code == 1 and out == ""
    assert "confirm=true" in err and "confirm: true" not in err


def test_unknown_tool_suggests_close_names(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "call", "property-gte", "--sandbox-temp", "--toolsets", "papi")
    assert code == 1 and "property-get" in err


def _alecs(*argv: str, data_home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALECS_", "AKAMAI_"))}
    env["XDG_DATA_HOME"] = str(data_home)
    return subprocess.run(
        [*ALECS, *argv], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_sandbox_state_survives_a_restart_unless_reset(tmp_path: Path) -> None:
    data_home = tmp_path / "data"
    upsert = [
        "call",
        "dns-record-upsert",
        "zone=example.com",
        "type=A",
        "rdata=192.0.2.77",
        "--sandbox",
    ]
    get = ["call", "dns-record-get", "zone=example.com", "name=kept", "type=A", "--sandbox"]
    created = _alecs(*upsert, "name=kept", data_home=data_home)
    assert created.returncode == 0, created.stderr
    kept = _alecs(*get, "--json", data_home=data_home)
    assert kept.returncode == 0, kept.stderr
    assert json.loads(kept.stdout)["record_set"]["rdata"] == ["192.0.2.77"]
    assert (data_home / "alecs" / "embedded-sandbox" / "sandbox.sqlite3").is_file()
    reset = _alecs(*get, "--sandbox-reset", data_home=data_home)
    assert reset.returncode == 1 and "kept.example.com" in reset.stderr
    temp = _alecs(*upsert[:-1], "name=temp", "--sandbox", "--sandbox-temp", data_home=data_home)
    assert temp.returncode == 0, temp.stderr
    gone = _alecs(
        "call", "dns-record-get", "zone=example.com", "name=temp", "type=A", "--sandbox",
        data_home=data_home,
    )  # fmt: skip
    assert gone.returncode == 1


def test_cli_misspelled_argument_with_the_embedded_sandbox(tmp_path: Path) -> None:
    """The issue's command line: exits non-zero, names `network`; nothing was purged."""
    done = _alecs(
        "call",
        "purge-invalidate",
        'urls=["https://www.example.com/a.css"]',
        "netwrok=STAGING",
        "--sandbox",
        data_home=tmp_path,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert "`netwrok` is not an argument of purge-invalidate; did you mean `network`?" in (
        done.stderr
    )
    assert "Nothing was sent" in done.stderr and "Invalidated" not in done.stderr


def test_sandbox_state_flags_imply_the_sandbox(tmp_path: Path) -> None:
    """`--sandbox-temp` without `--sandbox` runs on the sandbox instead of reading a real
    .edgerc (here a missing one, which would exit 2)."""
    result = _alecs(
        "call",
        "contract-list",
        "--toolsets",
        "papi",
        "--sandbox-temp",
        "--edgerc",
        str(tmp_path / "missing.edgerc"),
        data_home=tmp_path / "data",
    )
    assert result.returncode == 0, result.stderr
    assert "ctr_1-5SBXC1" in result.stdout

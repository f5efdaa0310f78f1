"""Third-party clients from PyPI, written for the real Akamai, drive the sandbox unchanged.

- octoDNS with the octodns-edgedns provider (DNS as code): applying a zone with A, AAAA, MX,
  TXT, CAA, CNAME, SRV, NS, TLSA and SSHFP records, then planning again, shows no changes;
- HTTPie with httpie-edgegrid (`http --auth-type edgegrid`): PAPI, Edge DNS and CPS requests
  from an `.edgerc` section.

Both talk to the sandbox over real TLS (REQUESTS_CA_BUNDLE: the sandbox CA) with EdgeGrid
signatures made by edgegrid-python. They are installed by the dev extras (pyproject.toml).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

octodns_manager = pytest.importorskip("octodns.manager", reason="octodns (dev extras)")
pytest.importorskip("octodns_edgedns", reason="octodns-edgedns (dev extras)")

ZONE = "octo-converge.example"

ZONE_YAML = """\
---
'':
  - type: A
    ttl: 300
    values: [192.0.2.10, 192.0.2.11]
  - type: AAAA
    values: ['2001:db8:0:0:0:0:0:1', '2001:db8::2']
  - type: MX
    values:
      - {preference: 10, exchange: mx1.octo-converge.example.}
      - {preference: 20, exchange: mx2.octo-converge.example.}
  - type: TXT
    values:
      - v=spf1 include:_spf.example.net -all
      - two words\\; and a semicolon
  - type: CAA
    values:
      - {flags: 0, tag: issue, value: letsencrypt.org}
      - {flags: 0, tag: iodef, value: 'mailto:security@octo-converge.example'}
www:
  type: CNAME
  value: origin.example.net.
_sip._tcp:
  type: SRV
  values:
    - {priority: 10, weight: 60, port: 5060, target: sip1.octo-converge.example.}
delegated:
  type: NS
  values: [ns1.example.net., ns2.example.net.]
_443._tcp.www:
  type: TLSA
  values:
    - certificate_usage: 3
      selector: 1
      matching_type: 1
      certificate_association_data: 0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6
host:
  type: SSHFP
  values:
    - algorithm: 4
      fingerprint_type: 2
      fingerprint: 123456789ABCDEF67890123456789ABCDEF67890123456789ABCDEF123456789
"""


def _octodns_config(tmp_path: Path, sb: Any) -> Path:
    (tmp_path / "zones").mkdir()
    (tmp_path / "zones" / f"{ZONE}.yaml").write_text(ZONE_YAML)
    creds = sb.credentials()
    config = {
        "providers": {
            "config": {
                "class": "octodns.provider.yaml.YamlProvider",
                "directory": str(tmp_path / "zones"),
                "enforce_order": False,
                "escaped_semicolons": True,
            },
            "edgedns": {
                "class": "octodns_edgedns.AkamaiProvider",
                "client_secret": creds.client_secret,
                "host": creds.host,
                "access_token": creds.access_token,
                "client_token": creds.client_token,
                "contract_id": "1-5SBXC1",
                "gid": "100001",
            },
        },
        "zones": {f"{ZONE}.": {"sources": ["config"], "targets": ["edgedns"]}},
    }
    path = tmp_path / "octodns.yaml"
    path.write_text(json.dumps(config))  # YAML is a superset of JSON
    return path


def _plan_changes(manager: Any, caplog: Any) -> list[str]:
    """The changes octoDNS would make (a dry run), as its plan log lists them."""
    caplog.clear()
    manager.sync(dry_run=True)
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "Plan")
    return [
        line.strip("* ")
        for line in text.splitlines()
        if line.startswith(("*   Create <", "*   Update", "*   Delete <"))
    ]


def test_octodns_apply_then_plan_converges(fresh_sandbox, tmp_path, monkeypatch, caplog):
    caplog.set_level("INFO")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fresh_sandbox.ca_path))
    config = _octodns_config(tmp_path, fresh_sandbox)
    manager = octodns_manager.Manager(str(config))
    first = _plan_changes(manager, caplog)
    assert len(first) == 10  # every record set is new (the zone does not exist yet)
    manager.sync(dry_run=False)
    assert fresh_sandbox.admin.route_count("POST /config-dns/v2/zones", status=201) == 1
    again = octodns_manager.Manager(str(config))
    leftover = _plan_changes(again, caplog)
    assert leftover == [], "\n".join(leftover)
    # what the real Edge DNS shows for quoted types: the character strings and CAA values quoted
    records = {
        (r["name"], r["type"]): r["rdata"]
        for r in fresh_sandbox.admin.state("act_1-5SBXA1", "dns_records").values()
        if r["zone"] == ZONE
    }
    assert sorted(records[(ZONE, "CAA")]) == [
        '0 iodef "mailto:security@octo-converge.example"',
        '0 issue "letsencrypt.org"',
    ]
    assert '"v=spf1 include:_spf.example.net -all"' in records[(ZONE, "TXT")]


def _http(sb: Any, tmp_path: Path, *args: str) -> tuple[int, Any]:
    """Run HTTPie (`python -m httpie`) with its EdgeGrid plugin against the sandbox."""
    edgerc = tmp_path / "edgerc"
    edgerc.write_text(sb.edgerc_path.read_text())
    env = {
        "REQUESTS_CA_BUNDLE": str(sb.ca_path),
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "HTTPIE_CONFIG_DIR": str(tmp_path / "httpie"),
    }
    cmd = [
        sys.executable, "-m", "httpie", "--ignore-stdin", "--print=hb", "--check-status",
        "--timeout=20", "--auth-type=edgegrid", "--auth=sandbox:", *args,
    ]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    head, _, body = result.stdout.partition("\n\n")
    status = int(head.split()[1]) if head.startswith("HTTP/") else 0
    return status, (json.loads(body) if body.strip().startswith(("{", "[")) else body)


def test_httpie_edgegrid_reads_papi_dns_and_cps(fresh_sandbox, tmp_path):
    pytest.importorskip("httpie_edgegrid", reason="httpie-edgegrid (dev extras)")
    (tmp_path / ".edgerc").write_text(fresh_sandbox.edgerc_path.read_text())
    host = f"https://{fresh_sandbox.host}"
    status, contracts = _http(fresh_sandbox, tmp_path, f"{host}/papi/v1/contracts")
    assert status == 200
    assert contracts["contracts"]["items"][0]["contractId"].startswith("ctr_")
    status, zones = _http(fresh_sandbox, tmp_path, f"{host}/config-dns/v2/zones")
    assert status == 200 and zones["zones"]
    status, created = _http(
        fresh_sandbox, tmp_path, "POST", f"{host}/papi/v1/cpcodes?contractId=ctr_1-5SBXC1"
        "&groupId=grp_100001", "productId=prd_Fresca", "cpcodeName=from-httpie",
    )  # fmt: skip
    assert status == 201 and created["cpcodeLink"].startswith("/papi/v1/cpcodes/")
    status, enrollments = _http(
        fresh_sandbox, tmp_path, f"{host}/cps/v2/enrollments?contractId=1-5SBXC1",
        "Accept:application/vnd.akamai.cps.enrollments.v10+json",
    )  # fmt: skip
    assert status == 200 and enrollments["enrollments"]
    assert fresh_sandbox.admin.writes("POST /papi/v1/cpcodes") == 1

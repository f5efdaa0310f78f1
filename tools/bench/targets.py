"""The two targets: the alecs sandbox (realistic: Python, verifies every EdgeGrid signature) and
nginx (native: measures the client alone). Each is reached through its own latency proxy as
`localhost:PROXY_PORT`, so every client resolves `localhost` (through the DNS delay hook) and
verifies the target's certificate for that name.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alecs.config import Credentials, load_credentials
from tools.bench.nginx import NginxTarget
from tools.bench.payloads import LARGE_IDENTITY_PATH, LARGE_PATH, SMALL_PATH, SMALL_QUERY

DUMMY = {
    "client_token": "akab-bench-client-token-0000000000",
    "client_secret": "YmVuY2gtc2VjcmV0LW5vdC1hLXJlYWwtb25lLTAwMDA=",
    "access_token": "akab-bench-access-token-00000000000",
}


@dataclass
class Target:
    """A started target. `creds.host` is the target itself (127.0.0.1:PORT)."""

    name: str
    port: int
    creds: Credentials
    small_path: str
    small_params: dict[str, Any] | None
    large_paths: dict[str, str] = field(default_factory=dict)
    description: str = ""
    stop: Callable[[], None] = lambda: None
    pid: int | None = None
    # Total API requests the target has served (the sandbox's admin counters), when known.
    api_requests: Callable[[], int] | None = None

    def client_credentials(self, proxy_port: int) -> Credentials:
        """The same credentials, pointed at the proxy by name."""
        return dataclasses.replace(self.creds, section="bench", host=f"localhost:{proxy_port}")


def start_nginx() -> Target:
    root = Path(tempfile.mkdtemp(prefix="alecs-bench-nginx-"))
    nginx = NginxTarget(root).start()

    def stop() -> None:
        nginx.stop()
        shutil.rmtree(root, ignore_errors=True)

    creds = Credentials(
        section="bench",
        host=f"127.0.0.1:{nginx.port}",
        ca_bundle=str(nginx.ca_path),
        **DUMMY,
    )
    compressed = "br" if nginx.brotli else "gzip"
    return Target(
        name="nginx",
        port=nginx.port,
        creds=creds,
        small_path=SMALL_PATH,
        small_params=dict(SMALL_QUERY),
        large_paths={f"compressed ({compressed})": LARGE_PATH, "identity": LARGE_IDENTITY_PATH},
        description=(
            f"nginx {nginx.port} TLS+HTTP/2, canned JSON: small {nginx.sizes.get('small')} B, "
            f"large {nginx.sizes.get('large')} B ({compressed} "
            f"{nginx.sizes.get('large.br' if nginx.brotli else 'large.gz')} B)"
        ),
        stop=stop,
    )


class _SandboxChild:
    """The sandbox in a child process (its CPU is not billed to the client under test)."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tools.bench.sandbox_child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(10)
            raise RuntimeError("the sandbox child process failed to start")
        self.info: dict[str, Any] = json.loads(line)

    def stop(self) -> None:
        if self.proc.stdin is not None:
            with contextlib.suppress(Exception):
                self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def start_sandbox(in_process: bool = False) -> Target:
    """Start the sandbox (rate limits off) and find a small GET it serves."""
    if in_process:
        from tools.bench.sandbox_child import start_thread

        sb = start_thread()
        port, edgerc, stop, pid = sb.port, Path(sb.edgerc_path), sb.stop, None
        where = "in-process thread"
    else:
        child = _SandboxChild()
        port, edgerc, stop = int(child.info["port"]), Path(child.info["edgerc_path"]), child.stop
        pid = child.proc.pid
        where = "child process"
    try:
        creds = dataclasses.replace(
            load_credentials(section="sandbox", edgerc=edgerc, env={}), section="bench"
        )
        path, params = discover_small_get(creds)
    except Exception:
        stop()
        raise
    ca = creds.ca_bundle

    def api_requests() -> int:
        import requests

        data = requests.get(
            f"https://127.0.0.1:{port}/_sandbox/counters", verify=ca or True, timeout=10
        ).json()
        return sum(
            int(v.get("count", 0))
            for k, v in data.get("routes", {}).items()
            if "/_sandbox" not in k and isinstance(v, dict)
        )

    return Target(
        name="sandbox",
        api_requests=api_requests,
        port=port,
        creds=creds,
        small_path=path,
        small_params=params,
        description=f"alecs sandbox ({where}, hypercorn TLS+HTTP/2, rate limits off)",
        stop=stop,
        pid=pid,
    )


def discover_small_get(creds: Credentials) -> tuple[str, dict[str, Any] | None]:
    """A small read the sandbox serves: a property when the property endpoints exist, else the
    contracts list (the first endpoint the sandbox implements)."""
    import requests
    from akamai.edgegrid import EdgeGridAuth

    session = requests.Session()
    session.auth = EdgeGridAuth(creds.client_token, creds.client_secret, creds.access_token)
    verify = creds.ca_bundle or True  # per call: REQUESTS_CA_BUNDLE beats session.verify
    base = f"https://{creds.host}"
    try:
        groups = session.get(base + "/papi/v1/groups", verify=verify, timeout=10)
        if groups.ok:
            for group in groups.json().get("groups", {}).get("items", []):
                for contract in group.get("contractIds", []):
                    query = {"contractId": contract, "groupId": group["groupId"]}
                    props = session.get(
                        base + "/papi/v1/properties", params=query, verify=verify, timeout=10
                    )
                    if not props.ok:
                        continue
                    items = props.json().get("properties", {}).get("items", [])
                    if items:
                        return f"/papi/v1/properties/{items[0]['propertyId']}", query
        contracts = session.get(base + "/papi/v1/contracts", verify=verify, timeout=10)
        if contracts.ok:
            return "/papi/v1/contracts", None
        raise RuntimeError(
            f"the sandbox answered GET /papi/v1/contracts with {contracts.status_code}"
        )
    finally:
        session.close()

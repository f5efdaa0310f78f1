"""Runs the alecs sandbox for the benchmark: `python -m tools.bench.sandbox_child`.

Prints one JSON line (port, CA and edgerc paths) once listening, then serves until its stdin
closes.
"""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path
from typing import Any


def start_thread(state_dir: Path | None = None) -> tuple[Any, bool]:
    """A started `SandboxThread` with rate limits off and nothing persisted (without a state
    directory, the sandbox uses a temporary one that `stop()` removes), and whether Nagle's
    algorithm had to be switched off."""
    from alecs.sandbox.runner import SandboxSettings, SandboxThread

    sb = SandboxThread(
        SandboxSettings(port=0, state_dir=state_dir, persist=False, rate_limits=False)
    )
    sb.start()
    return sb, nodelay(sb)


def nodelay(sb: Any) -> bool:
    """Turn Nagle's algorithm off on the sandbox's listening socket (accepted sockets inherit
    it) when the sandbox left it on; returns True when it had to.

    With Nagle on, a response whose headers and body leave in two writes waits for the client's
    delayed ACK: about 40 ms per response on Linux, which would swamp every measurement.
    """
    sock = getattr(sb, "_sock", None)
    if not isinstance(sock, socket.socket):
        return False
    if sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY):
        return False
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return True


def main() -> None:
    sb, fixed = start_thread(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    try:
        info = {
            "port": sb.port,
            "ca_path": str(sb.ca_path),
            "edgerc_path": str(sb.edgerc_path),
            "nodelay_fixed": fixed,
        }
        print(json.dumps(info), flush=True)
        sys.stdin.read()
    finally:
        sb.stop()


if __name__ == "__main__":
    main()

"""Runs the alecs sandbox for the benchmark: `python -m tools.bench.sandbox_child`.

Prints one JSON line (port, CA and edgerc paths) once listening, then serves until its stdin
closes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def start_thread(state_dir: Path | None = None) -> Any:
    """A started `SandboxThread` with rate limits off and nothing persisted (without a state
    directory, the sandbox uses a temporary one that `stop()` removes).

    The sandbox sets TCP_NODELAY on every connection it accepts (Nagle's algorithm with the
    client's delayed ACK would add ~40 ms to responses written in two parts), so the benchmark
    measures it as users run it.
    """
    from alecs.sandbox.runner import SandboxSettings, SandboxThread

    sb = SandboxThread(
        SandboxSettings(port=0, state_dir=state_dir, persist=False, rate_limits=False)
    )
    sb.start()
    return sb


def main() -> None:
    sb = start_thread(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    try:
        info = {
            "port": sb.port,
            "ca_path": str(sb.ca_path),
            "edgerc_path": str(sb.edgerc_path),
        }
        print(json.dumps(info), flush=True)
        sys.stdin.read()
    finally:
        sb.stop()


if __name__ == "__main__":
    main()

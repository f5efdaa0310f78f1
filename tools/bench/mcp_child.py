"""The alecs MCP server over stdio for scenario d:
`python -m tools.bench.mcp_child --edgerc FILE --section bench [--dns-ms MS] [--pid-file F]`.

It is `alecs serve` (stdio) plus the benchmark's DNS delay hook and its transport settings
(client-side rate limiting off), so the row measures the same work as the in-memory one.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--edgerc", required=True)
    parser.add_argument("--section", default="bench")
    parser.add_argument("--dns-ms", type=float, default=30.0)
    parser.add_argument("--pid-file")
    args = parser.parse_args()
    if args.pid_file:
        Path(args.pid_file).write_text(str(os.getpid()))

    from alecs.cli_mcp import configure_logging

    configure_logging("WARNING")
    from tools.bench.dnsdelay import DnsDelay

    DnsDelay({"localhost": "127.0.0.1"}, args.dns_ms).install()
    import anyio

    from alecs.server import build_server
    from tools.bench.contenders import transport_settings

    server = build_server(
        toolsets="all",
        section=args.section,
        edgerc=args.edgerc,
        transport_settings=transport_settings(http2=True),
        log_level="WARNING",
    )
    anyio.run(server.run_stdio_async)


if __name__ == "__main__":
    main()

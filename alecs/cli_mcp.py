"""`alecs serve`, `alecs tools`, `alecs call`, `alecs diagnose` (filled in by the server work)."""

from __future__ import annotations

import argparse
import sys


def _serve(args: argparse.Namespace) -> int:
    print("alecs serve: the MCP server is not built yet", file=sys.stderr)
    return 1


def register(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="run the MCP server")
    serve.set_defaults(func=_serve)

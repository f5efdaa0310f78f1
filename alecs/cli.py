"""The `alecs` command.

Sub-commands register themselves from the modules that own them, so this file stays small:
`config` here, `sandbox` in `alecs/sandbox/cli.py`, `serve`, `tools`, `call` and `diagnose` in
`alecs/cli_mcp.py`. Heavy imports happen inside each command, never at start-up.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from alecs import __version__
from alecs.config import ConfigError, describe_tls_trust, load_credentials

EXIT_USAGE = 2


def _config_check(args: argparse.Namespace) -> int:
    try:
        creds = load_credentials(section=args.section, edgerc=args.edgerc)
    except ConfigError as exc:
        print(f"alecs: {exc}", file=sys.stderr)
        return EXIT_USAGE
    summary = creds.summary()
    summary["ca_bundle"] = describe_tls_trust(creds)  # SSL_CERT_FILE etc. included
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        width = max(len(k) for k in summary)
        for key, value in summary.items():
            print(f"{key:<{width}}  {value}")
    return 0


def add_credential_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--section", help="the .edgerc section (default: AKAMAI_SECTION or 'default')"
    )
    parser.add_argument(
        "--edgerc", help="path of the .edgerc file (default: AKAMAI_EDGERC or ~/.edgerc)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alecs",
        description="An MCP server for Akamai: properties, Edge DNS, certificates, purges, "
        "network lists, over one optimized network layer.",
    )
    parser.add_argument("--version", action="version", version=f"alecs {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    config = sub.add_parser("config", help="check credentials")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    check = config_sub.add_parser(
        "check", help="show a section's host, account key and max_body with secrets masked"
    )
    add_credential_options(check)
    check.add_argument("--json", action="store_true", help="print JSON")
    check.set_defaults(func=_config_check)

    for register in _registrars():
        register(sub)
    return parser


def _registrars() -> list:
    registrars = []
    try:
        from alecs.cli_mcp import register as register_mcp

        registrars.append(register_mcp)
    except ImportError:  # pragma: no cover - filled in by the server module
        pass
    from alecs.cli_audit import register as register_audit

    registrars.append(register_audit)
    try:
        from alecs.sandbox.cli import register as register_sandbox

        registrars.append(register_sandbox)
    except ImportError:  # pragma: no cover
        pass
    return registrars


SANDBOX_ONLY_FLAGS = frozenset({"--sandbox-temp", "--sandbox-reset", "--sandbox-dir"})


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(words)
    if hasattr(args, "sandbox") and any(
        w.split("=", 1)[0] in SANDBOX_ONLY_FLAGS for w in words if w.startswith("--sandbox-")
    ):
        # --sandbox-temp, --sandbox-reset and --sandbox-dir on the command line only make sense
        # on the sandbox: they imply --sandbox instead of silently using the real .edgerc (their
        # environment variables do not, so a shell profile never switches accounts).
        args.sandbox = True
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return EXIT_USAGE
    return int(func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

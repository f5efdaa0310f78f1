"""`alecs sandbox`: run the local Akamai API simulator until interrupted.

Importing this module is cheap: the server is imported only when the command runs.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from alecs.sandbox import DEFAULT_PORT

EXIT_USAGE = 2


def register(subparsers: Any) -> None:
    """Add the `sandbox` command to the `alecs` parser."""
    p = subparsers.add_parser(
        "sandbox",
        help="run the local Akamai API simulator (HTTPS, HTTP/2, EdgeGrid)",
        description="Run a local Akamai API simulator over HTTPS with HTTP/2 and EdgeGrid "
        "verification. Writes DIR/edgerc (sections [sandbox] and [sandbox-b]) and DIR/ca.pem.",
    )
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="directory for ca.pem, edgerc and sandbox.sqlite3 (default: the user data dir)",
    )
    p.add_argument(
        "--persist", action="store_true", help="keep state in DIR/sandbox.sqlite3 across restarts"
    )
    p.add_argument(
        "--reset", action="store_true", help="delete persisted state: start from the seed data"
    )
    p.add_argument(
        "--no-rate-limits", action="store_true", help="turn off Akamai-like rate limiting"
    )
    p.add_argument(
        "--activation-delay",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="how long long-running operations stay pending (default 5)",
    )
    p.add_argument(
        "--operation-delay",
        action="append",
        default=[],
        metavar="KIND=SECONDS",
        help="delay for one kind of operation, e.g. papi.activation=10 or ccu=2 (repeatable)",
    )
    p.add_argument("--latency-ms", type=float, default=0.0, help="added latency per request")
    p.add_argument("--jitter-ms", type=float, default=0.0, help="random extra latency, 0..N ms")
    p.add_argument(
        "--error-rate", type=float, default=0.0, help="probability of an injected 503 (0..1)"
    )
    p.add_argument(
        "--reset-rate",
        type=float,
        default=0.0,
        help="probability of a connection reset (0..1)",
    )
    p.add_argument(
        "--fault-route",
        default="*",
        metavar="PATTERN",
        help="where the fault flags apply: fnmatch on the path or 'METHOD /path' "
        "(default '*', e.g. '/papi/*' or 'POST /ccu/*')",
    )
    p.add_argument(
        "--faults-file",
        type=Path,
        default=None,
        help="JSON list of fault rules (fields as in POST /_sandbox/faults)",
    )
    p.add_argument("--fault-seed", type=int, default=None, help="seed for random fault choices")
    p.add_argument(
        "--log-level", default="WARNING", help="log level of the sandbox (default WARNING)"
    )
    p.set_defaults(func=run)


def _settings(args: argparse.Namespace) -> Any:
    from alecs.sandbox.faults import FaultConfigError, FaultRule
    from alecs.sandbox.runner import SandboxSettings, default_state_dir

    faults: list[FaultRule] = []
    if args.faults_file is not None:
        try:
            raw = json.loads(args.faults_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"--faults-file {args.faults_file}: {exc}") from None
        if not isinstance(raw, list):
            raise ValueError(f"--faults-file {args.faults_file}: expected a JSON list of rules")
        try:
            faults = [FaultRule.from_dict(r) for r in raw]
        except FaultConfigError as exc:
            raise ValueError(f"--faults-file {args.faults_file}: {exc}") from None
    delays: dict[str, float] = {}
    for item in args.operation_delay:
        kind, sep, value = item.partition("=")
        try:
            seconds = float(value)
        except ValueError:
            seconds = -1.0
        if not sep or not kind.strip() or seconds < 0:
            raise ValueError(
                f"--operation-delay {item!r}: expected KIND=SECONDS, e.g. papi.activation=10"
            )
        delays[kind.strip()] = seconds
    if args.port < 0 or args.port > 65535:
        raise ValueError("--port must be between 0 and 65535")
    if args.activation_delay < 0:
        raise ValueError("--activation-delay must be >= 0")
    settings = SandboxSettings(
        port=args.port,
        host=args.host,
        state_dir=args.state_dir or default_state_dir(),
        persist=args.persist,
        reset=args.reset,
        rate_limits=not args.no_rate_limits,
        activation_delay_s=args.activation_delay,
        operation_delays=delays,
        latency_ms=args.latency_ms,
        jitter_ms=args.jitter_ms,
        error_rate=args.error_rate,
        reset_rate=args.reset_rate,
        fault_pattern=args.fault_route,
        faults=faults,
        fault_seed=args.fault_seed,
    )
    try:
        FaultRule(
            pattern=args.fault_route,
            latency_ms=args.latency_ms,
            jitter_ms=args.jitter_ms,
            error_rate=args.error_rate,
            reset_rate=args.reset_rate,
        ).validate()
    except FaultConfigError as exc:
        flag = str(exc).split("'")[1].replace("_", "-") if "'" in str(exc) else "fault"
        raise ValueError(f"--{flag}: {exc}") from None
    return settings


def run(args: argparse.Namespace) -> int:
    import logging

    logging.basicConfig(
        level=getattr(logging, str(args.log_level).upper(), logging.WARNING),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from alecs.sandbox.runner import SandboxThread

    try:
        settings = _settings(args)
    except ValueError as exc:
        print(f"alecs sandbox: {exc}", file=sys.stderr)
        return EXIT_USAGE
    stop = threading.Event()

    def _on_signal(signum: int, _frame: Any) -> None:
        stop.set()

    # Installed before anything is printed, so a signal right after start-up stops cleanly.
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    sandbox = SandboxThread(settings)
    try:
        return _serve(sandbox, settings, stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(sandbox: Any, settings: Any, stop: threading.Event) -> int:
    try:
        sandbox.start()
    except (OSError, RuntimeError) as exc:
        print(f"alecs sandbox: {exc}", file=sys.stderr)
        return 1
    state = (
        f"persisted in {sandbox.state_dir / 'sandbox.sqlite3'}"
        if settings.persist
        else "in memory (use --persist to keep it)"
    )
    print(f"alecs sandbox listening on {sandbox.url} (HTTP/2 and HTTP/1.1)")
    print(f"  edgerc: {sandbox.edgerc_path}  (sections [sandbox] and [sandbox-b])")
    print(f"  CA:     {sandbox.ca_path}")
    print(f"  state:  {state}")
    print(f"  admin:  {sandbox.url}/_sandbox/health (loopback only)")
    print(f"  check:  alecs config check --edgerc {sandbox.edgerc_path} --section sandbox")
    sys.stdout.flush()

    try:
        while not stop.wait(0.5):
            if not sandbox.running:
                print("alecs sandbox: the server stopped unexpectedly", file=sys.stderr)
                return 1
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    print("alecs sandbox stopped")
    return 0

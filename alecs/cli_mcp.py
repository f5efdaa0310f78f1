"""`alecs serve`, `alecs tools`, `alecs call` and `alecs diagnose`.

`serve` runs the MCP server over stdio (default), legacy SSE or streamable HTTP. The others run
the same server in-process: `tools` lists the tools with their annotations, `call` runs one tool
through a real MCP client session, `diagnose` shows `network-diagnostics` as a table.
Logs always go to stderr; on stdio, stdout carries nothing but JSON-RPC.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alecs.server import AlecsServer

EXIT_OK = 0
EXIT_TOOL_ERROR = 1
EXIT_USAGE = 2
DEFAULT_PORT = 8765
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
QUIET_LOGGERS = ("httpx", "httpx2", "httpcore", "httpcore2", "hpack", "h2", "hypercorn.access")


# --------------------------------------------------------------------------- shared set-up


def configure_logging(level: str) -> None:
    """Logs to stderr, configured before MCPServer exists (its basicConfig is then a no-op)."""
    level = level.upper()
    root = logging.getLogger()
    for existing in list(root.handlers):  # nothing may log to stdout (stdio carries JSON-RPC)
        if getattr(existing, "stream", None) is sys.stdout:
            root.removeHandler(existing)
    if not any(getattr(h, "stream", None) is sys.stderr for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(level)
    # HTTP client libraries log full URLs (query strings included) at INFO and DEBUG.
    quiet = max(logging.WARNING, logging.getLevelName(level))
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(quiet)
    logging.captureWarnings(True)
    try:
        from mcp.shared.exceptions import MCPDeprecationWarning

        warnings.filterwarnings("ignore", category=MCPDeprecationWarning)
    except ImportError:  # pragma: no cover
        pass


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def add_server_options(parser: argparse.ArgumentParser, *, default_log_level: str) -> None:
    """Options every MCP command takes."""
    parser.add_argument(
        "--section", help="default .edgerc section (default: AKAMAI_SECTION or 'default')"
    )
    parser.add_argument(
        "--edgerc", help="path of the .edgerc file (default: AKAMAI_EDGERC or ~/.edgerc)"
    )
    parser.add_argument(
        "--sandbox",
        action="store_true",
        default=_env_flag("ALECS_SANDBOX"),
        help="start the local Akamai sandbox in this process and use its credentials",
    )
    parser.add_argument(
        "--sandbox-dir",
        default=os.environ.get("ALECS_SANDBOX_DIR"),
        metavar="DIR",
        help="where the sandbox keeps its state across runs (default: "
        "<user data dir>/alecs/embedded-sandbox; env ALECS_SANDBOX_DIR)",
    )
    parser.add_argument(
        "--sandbox-reset",
        action="store_true",
        default=_env_flag("ALECS_SANDBOX_RESET"),
        help="forget the sandbox's saved state and start from the seed data",
    )
    parser.add_argument(
        "--sandbox-temp",
        action="store_true",
        default=_env_flag("ALECS_SANDBOX_TEMP"),
        help="run the sandbox from the seed data in a temporary directory and keep nothing",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        default=_env_flag("ALECS_READ_ONLY"),
        help="leave every tool that changes something out of the tool list",
    )
    parser.add_argument(
        "--toolsets",
        type=_toolsets,
        default=os.environ.get("ALECS_TOOLSETS") or None,
        metavar="NAMES",
        help="comma-separated toolsets to offer, or 'all' (env ALECS_TOOLSETS); "
        "see `alecs tools --toolsets all`",
    )
    env_level = os.environ.get("ALECS_LOG_LEVEL", "").strip().upper()
    parser.add_argument(
        "--log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        default=env_level if env_level in LOG_LEVELS else default_log_level,
        help=f"log level on stderr (default: {default_log_level}; env ALECS_LOG_LEVEL)",
    )


def embedded_sandbox_dir() -> str:
    """Where `--sandbox` keeps its state by default: the user data directory (platformdirs;
    `$XDG_DATA_HOME/alecs/embedded-sandbox` on Linux). Not the directory of `alecs sandbox`,
    whose edgerc a running standalone sandbox owns."""
    import platformdirs

    return os.path.join(platformdirs.user_data_dir("alecs", appauthor=False), "embedded-sandbox")


def sandbox_dir(args: argparse.Namespace) -> str | None:
    """The state directory of `--sandbox` (None: a temporary one, with `--sandbox-temp`)."""
    if getattr(args, "sandbox_temp", False):
        return None
    return getattr(args, "sandbox_dir", None) or embedded_sandbox_dir()


def _toolsets(value: str) -> frozenset[str]:
    """``--toolsets`` / ``ALECS_TOOLSETS``: an unknown name is a usage error (exit 2)."""
    from alecs.tools.toolsets import UnknownToolsetError, parse_toolsets

    try:
        return parse_toolsets(value)
    except UnknownToolsetError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def make_server(args: argparse.Namespace, *, warm_up: bool = True) -> AlecsServer:
    from alecs.cli_audit import audit_path
    from alecs.server import build_server

    return build_server(
        audit_log=audit_path(args) if hasattr(args, "audit_log") else None,
        section=args.section,
        edgerc=args.edgerc,
        sandbox=args.sandbox,
        read_only=args.read_only,
        toolsets=getattr(args, "toolsets", None),
        sandbox_dir=sandbox_dir(args) if args.sandbox else None,
        sandbox_reset=bool(getattr(args, "sandbox_reset", False)),
        warm_up=warm_up,
        log_level=args.log_level,
    )


def _fail(command: str, message: str, code: int = EXIT_USAGE) -> int:
    print(f"alecs {command}: {message}", file=sys.stderr)
    return code


# --------------------------------------------------------------------------- serve


def _serve(args: argparse.Namespace) -> int:
    from alecs.config import ConfigError
    from alecs.server import check_http_security

    configure_logging(args.log_level)
    if args.transport != "stdio":
        if args.port is None:
            raw = os.environ.get("ALECS_PORT", "").strip() or str(DEFAULT_PORT)
            if not raw.isdigit() or int(raw) > 65535:
                return _fail("serve", f"ALECS_PORT must be a port number (0-65535), got {raw!r}")
            args.port = int(raw)
        if not 0 <= args.port <= 65535:
            return _fail("serve", f"--port must be 0-65535, got {args.port}")
        try:
            check_http_security(args.host, args.auth_token)
            _serving_limits(args)
        except ValueError as exc:
            return _fail("serve", str(exc))
    server = make_server(args)
    try:
        server.runtime.check_config()
    except ConfigError as exc:
        return _fail("serve", str(exc))

    import anyio

    try:
        if args.transport == "stdio":
            from alecs.serving import serve_stdio

            anyio.run(serve_stdio, server)
        else:
            return anyio.run(_serve_http, server, args)
    except KeyboardInterrupt:
        pass
    except ConfigError as exc:
        return _fail("serve", str(exc))
    return EXIT_OK


def _serving_limits(args: argparse.Namespace) -> Any:
    from alecs.serving import ServingLimits

    return ServingLimits(
        header_timeout=args.header_timeout,
        idle_timeout=args.idle_timeout,
        max_connections=args.max_connections,
        grace_period=args.grace_period,
    )


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


async def _serve_http(server: AlecsServer, args: argparse.Namespace) -> int:
    import uvicorn

    from alecs.server import http_app
    from alecs.serving import uvicorn_options

    class Server(uvicorn.Server):
        """Stops gracefully on SIGINT/SIGTERM and returns, so the runtime closes cleanly."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            sigs = (signal.SIGINT, signal.SIGTERM)
            original = {sig: signal.signal(sig, self.handle_exit) for sig in sigs}
            try:
                yield
            finally:
                signal.signal(signal.SIGINT, original[signal.SIGINT])
                # The runtime still closes (transport, embedded sandbox) after uvicorn returns:
                # another SIGTERM meanwhile must not cut that short (_serve_http restores it).
                signal.signal(signal.SIGTERM, _already_stopping)

    app = http_app(
        server,
        transport=args.transport,
        host=args.host,
        auth_token=args.auth_token,
        allowed_hosts=args.allowed_host,
        allowed_origins=args.allowed_origin,
    )
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        return _fail("serve", f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
    port = sock.getsockname()[1]
    try:
        async with server.runtime.session() as state:
            _print_banner(args, port, state)
            # Header and idle timeouts, a connection cap and the grace period of a SIGTERM
            # (alecs.serving); the h11 protocol is always used.
            config = uvicorn.Config(
                app,
                log_config=None,
                access_log=args.log_level == "DEBUG",
                lifespan="on",
                ws="none",
                **uvicorn_options(_serving_limits(args)),
            )
            await Server(config).serve(sockets=[sock])
    finally:
        sock.close()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return EXIT_OK


def _already_stopping(sig: int, frame: Any) -> None:
    logging.getLogger("alecs.cli").info(
        "%s received while stopping: finishing the shutdown", signal.Signals(sig).name
    )


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _print_banner(args: argparse.Namespace, port: int, state: Any) -> None:
    """What `make run` shows: the URL, a Claude Desktop snippet and the Inspector command."""
    base = f"http://{_url_host(args.host)}:{port}"
    path = "/sse" if args.transport == "sse" else "/mcp"
    url = base + path
    alecs_bin = shutil.which("alecs") or os.path.join(os.path.dirname(sys.executable), "alecs")
    serve_args = ["serve"] + (["--sandbox"] if args.sandbox else [])
    if args.section and not args.sandbox:
        serve_args += ["--section", args.section]
    desktop = {
        "mcpServers": {
            ("alecs-sandbox" if args.sandbox else "alecs"): {
                "command": alecs_bin,
                "args": serve_args,
            }
        }
    }
    inspector_transport = "sse" if args.transport == "sse" else "http"
    auth = ' --header "Authorization: Bearer $ALECS_AUTH_TOKEN"' if args.auth_token else ""
    where = f"sandbox {state.sandbox.url}" if state.sandbox is not None else "Akamai"
    lines = [
        "",
        f"alecs {args.transport} MCP server on {where} "
        f"(sections: {', '.join(state.sections)}; default {state.default_section})",
        f"  MCP URL:  {url}",
        f"  health:   {base}/healthz",
        "  Claude Desktop (claude_desktop_config.json; it starts its own stdio server):",
        "    " + json.dumps(desktop),
        "  MCP Inspector (needs Node >= 22; without it: npm install --prefix ~/.node22 node@22 "
        "and put ~/.node22/node_modules/.bin first on PATH):",
        f"    npx -y @modelcontextprotocol/inspector --cli {url} --transport "
        f"{inspector_transport}{auth} --method tools/list",
        f"    npx -y @modelcontextprotocol/inspector --cli {url} --transport "
        f"{inspector_transport}{auth} --method tools/call --tool-name network-diagnostics",
        "  Press Ctrl+C to stop.",
        "",
    ]
    print("\n".join(lines), file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- tools / call


def _hints(annotations: Any) -> str:
    if annotations is None:
        return "-"
    if annotations.read_only_hint:
        kind = "read-only"
    elif annotations.destructive_hint:
        kind = "destructive"
    else:
        kind = "write"
    flags = [kind]
    if annotations.idempotent_hint:
        flags.append("idempotent")
    if annotations.open_world_hint:
        flags.append("open-world")
    return ", ".join(flags)


def toolset_of(server: AlecsServer, name: str) -> str | None:
    spec = server.tool_table.enabled.get(name)
    return spec.toolset if spec is not None else None


def _tools(args: argparse.Namespace) -> int:
    import anyio

    configure_logging(args.log_level)
    server = make_server(args)
    tools = anyio.run(server.list_tools)
    if args.json:
        data = [
            {
                "name": t.name,
                "toolset": toolset_of(server, t.name),
                "title": t.title,
                "description": t.description,
                "annotations": t.annotations.model_dump(by_alias=True, exclude_none=True)
                if t.annotations
                else None,
                "inputSchema": t.input_schema,
                "outputSchema": t.output_schema,
            }
            for t in tools
        ]
        print(json.dumps(data, indent=2))
        return EXIT_OK
    rows = [
        (t.name, toolset_of(server, t.name) or "-", _hints(t.annotations), t.title or "")
        for t in tools
    ]
    _print_table(("TOOL", "TOOLSET", "ANNOTATIONS", "TITLE"), rows)
    return EXIT_OK


def parse_arguments(pairs: Sequence[str], input_schema: Any = None) -> dict[str, Any]:
    """`key=value` pairs, typed by the tool's input schema (see `alecs.cli_args`)."""
    from alecs.cli_args import parse_pairs

    return parse_pairs(pairs, input_schema)


def cli_text(text: str) -> str:
    """A tool's text as a terminal user types it back: `confirm: true` -> `confirm=true`."""
    return text.replace("confirm: true", "confirm=true")


async def _ask_on_terminal(context: Any, params: Any) -> Any:
    """Elicitation for `alecs call` on a terminal: ask yes/no on stderr."""
    import anyio
    from mcp.types import ElicitResult

    def ask() -> bool:
        print(f"{params.message} [y/N] ", end="", file=sys.stderr, flush=True)
        return sys.stdin.readline().strip().lower() in ("y", "yes")

    if await anyio.to_thread.run_sync(ask):
        return ElicitResult(action="accept", content={"confirm": True})
    return ElicitResult(action="decline")


async def call_tool(
    server: AlecsServer, name: str, arguments: dict[str, Any], *, interactive: bool = False
) -> Any:
    """Run one tool through an in-process MCP client session and return its result."""
    from mcp import Client

    callback = _ask_on_terminal if interactive else None
    async with Client(server, elicitation_callback=callback) as client:
        return await client.call_tool(name, arguments)


def _text_of(result: Any) -> str:
    return "\n\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")


def _call(args: argparse.Namespace) -> int:
    import anyio

    from alecs.cli_audit import add_audit_options
    from alecs.config import ConfigError

    # Options may follow the tool name: `alecs call TOOL --sandbox n=3 --json`.
    options = argparse.ArgumentParser(prog="alecs call", add_help=False)
    add_server_options(options, default_log_level="WARNING")
    options.add_argument("--json", action="store_true")
    add_audit_options(options)
    args, pairs = options.parse_known_args(args.arguments, namespace=args)
    configure_logging(args.log_level)
    wants_help = any(p in ("-h", "--help") for p in pairs)
    pairs = [p for p in pairs if p not in ("-h", "--help")]
    server = make_server(args, warm_up=False)
    tools = {t.name: t for t in anyio.run(server.list_tools)}
    tool = tools.get(args.tool)
    hidden = args.tool in server.tool_table.hidden  # the server answers why it is hidden
    if tool is None and not hidden:
        return _fail("call", _unknown_tool(args.tool, list(tools)), EXIT_TOOL_ERROR)
    if wants_help:
        from alecs.cli_args import tool_help

        note = ""
        if tool is None:  # hidden here (toolset or --read-only): its help, and why it is hidden
            _, reason = server.tool_table.hidden[args.tool]
            every = argparse.Namespace(**{**vars(args), "toolsets": "all", "read_only": False})
            listed = anyio.run(make_server(every, warm_up=False).list_tools)
            tool = next(t for t in listed if t.name == args.tool)
            note = f"\n\nNot offered with these options: {reason}."
        print(tool_help(tool, width=max(60, shutil.get_terminal_size().columns - 2)) + note)
        return EXIT_OK
    try:
        arguments = parse_arguments(pairs, tool.input_schema if tool is not None else None)
    except ValueError as exc:
        return _fail("call", str(exc))
    try:
        server.runtime.check_config()
        interactive = sys.stdin.isatty() and not args.json
        result = anyio.run(lambda: call_tool(server, args.tool, arguments, interactive=interactive))
    except ConfigError as exc:
        return _fail("call", str(exc))
    if args.json:
        if result.is_error:
            payload = {"isError": True, "error": cli_text(_text_of(result)), "_meta": result.meta}
        elif result.structured_content is not None:
            payload = result.structured_content
        else:
            payload = {"content": _text_of(result)}
        print(json.dumps(payload, indent=2, ensure_ascii=False))
    elif result.is_error:
        print(cli_text(_text_of(result)), file=sys.stderr)
    else:
        print(_text_of(result))
    return EXIT_TOOL_ERROR if result.is_error else EXIT_OK


def _unknown_tool(name: str, names: list[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    return f"no tool named {name!r}.{hint} `alecs tools` lists them."


# --------------------------------------------------------------------------- diagnose


def _diagnose(args: argparse.Namespace) -> int:
    import anyio

    from alecs.config import ConfigError

    configure_logging(args.log_level)
    server = make_server(args)
    arguments: dict[str, Any] = {"probe": args.probe}
    if args.customer:
        arguments["customer"] = args.customer
    try:
        server.runtime.check_config()
        result = anyio.run(lambda: call_tool(server, "network-diagnostics", arguments))
    except ConfigError as exc:
        return _fail("diagnose", str(exc))
    if result.is_error:
        print(_text_of(result), file=sys.stderr)
        return EXIT_TOOL_ERROR
    data = result.structured_content or {}
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return EXIT_OK
    from alecs.tools.diagnostics import render_table

    print(render_table(data))
    return EXIT_OK


def _print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    for row in (header, *rows):
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip())


# --------------------------------------------------------------------------- registration


def register(sub: argparse._SubParsersAction) -> None:
    from alecs.cli_audit import add_audit_options

    serve = sub.add_parser(
        "serve",
        help="run the MCP server (stdio by default; --transport http or sse)",
        description="Run the alecs MCP server. Logs go to stderr.",
    )
    add_server_options(serve, default_log_level="INFO")
    add_audit_options(serve)
    serve.add_argument(
        "--transport",
        choices=("stdio", "http", "sse"),
        default=os.environ.get("ALECS_TRANSPORT", "stdio")
        if os.environ.get("ALECS_TRANSPORT") in ("stdio", "http", "sse")
        else "stdio",
        help="stdio (default), http (streamable HTTP at /mcp) or sse (legacy SSE at /sse)",
    )
    serve.add_argument(
        "--host",
        default=os.environ.get("ALECS_HOST", "127.0.0.1"),
        help="address to listen on for http/sse (default 127.0.0.1); a non-loopback address "
        "requires --auth-token",
    )
    serve.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"port for http/sse (default: ALECS_PORT or {DEFAULT_PORT}; 0 picks a free one)",
    )
    serve.add_argument(
        "--auth-token",
        default=os.environ.get("ALECS_AUTH_TOKEN") or None,
        help="bearer token HTTP clients must send (prefer the ALECS_AUTH_TOKEN variable: "
        "command lines are visible to other users)",
    )
    serve.add_argument(
        "--allowed-origin",
        action="append",
        default=[o for o in os.environ.get("ALECS_ALLOWED_ORIGINS", "").split(",") if o],
        metavar="ORIGIN",
        help="an extra Origin allowed to call the server (repeatable; e.g. https://app.example)",
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[h for h in os.environ.get("ALECS_ALLOWED_HOSTS", "").split(",") if h],
        metavar="HOST",
        help="an extra Host header value to accept (repeatable; 'name:*' for any port)",
    )
    # String defaults (from the environment too) go through `type=`: a malformed value is an
    # argparse error naming the option.
    limits = serve.add_argument_group("HTTP limits (http and sse transports)")
    limits.add_argument(
        "--header-timeout",
        type=float,
        default=os.environ.get("ALECS_HEADER_TIMEOUT", "10.0"),
        metavar="SECONDS",
        help="close a connection that has not sent its request headers within this time "
        "(default 10; env ALECS_HEADER_TIMEOUT)",
    )
    limits.add_argument(
        "--idle-timeout",
        type=float,
        default=os.environ.get("ALECS_IDLE_TIMEOUT", "15.0"),
        metavar="SECONDS",
        help="close a kept-alive connection idle for this long (default 15; env "
        "ALECS_IDLE_TIMEOUT)",
    )
    limits.add_argument(
        "--max-connections",
        type=int,
        default=os.environ.get("ALECS_MAX_CONNECTIONS", "100"),
        metavar="N",
        help="refuse connections beyond N open ones (default 100; env ALECS_MAX_CONNECTIONS)",
    )
    limits.add_argument(
        "--grace-period",
        type=float,
        default=os.environ.get("ALECS_GRACE_PERIOD", "10.0"),
        metavar="SECONDS",
        help="on SIGTERM, let in-flight requests finish for up to this long (default 10; env "
        "ALECS_GRACE_PERIOD)",
    )
    serve.set_defaults(func=_serve)

    tools = sub.add_parser("tools", help="list the MCP tools with their annotations")
    add_server_options(tools, default_log_level="WARNING")
    tools.add_argument("--json", action="store_true", help="print JSON")
    tools.set_defaults(func=_tools)

    call = sub.add_parser(
        "call",
        help="run one tool through an in-process MCP client session",
        description="Run one tool. Arguments are key=value, read by each parameter's type in "
        "the tool's input schema (a string parameter keeps 'true' as text; numbers, booleans, "
        "arrays and objects are parsed where the parameter takes them). `alecs call TOOL "
        "--help` lists the tool's parameters. Exit status 1 on a tool error. On a terminal, "
        "confirmations are asked interactively; otherwise pass confirm=true.",
    )
    add_server_options(call, default_log_level="WARNING")
    add_audit_options(call)
    call.add_argument("tool", help="tool name, e.g. network-diagnostics")
    call.add_argument("arguments", nargs=argparse.REMAINDER, metavar="key=value")
    call.add_argument("--json", action="store_true", help="print the structured result as JSON")
    call.set_defaults(func=_call)

    diagnose = sub.add_parser("diagnose", help="show network diagnostics as a table")
    add_server_options(diagnose, default_log_level="WARNING")
    diagnose.add_argument(
        "--probe", action="store_true", help="measure DNS, TCP, TLS and first byte now"
    )
    diagnose.add_argument("--customer", help="only this .edgerc section")
    diagnose.add_argument("--json", action="store_true", help="print JSON")
    diagnose.set_defaults(func=_diagnose)

"""The alecs MCP server: one ``MCPServer`` whose lifespan owns the process's one Transport.

``build_server(...)`` returns the server offering the tools of the enabled toolsets. Its
lifespan (the :class:`Runtime`) loads the credentials of every configured ``.edgerc`` section
(the default section first), starts the sandbox when asked (``--sandbox``: sandbox code is
imported only then), creates the Transport, starts its warm-up in the background, and on
shutdown closes the Transport and stops the sandbox. The runtime is reference-counted: SSE
enters the lifespan once per connection, and ``alecs serve`` holds it for the whole process, so
every connection shares one Transport.

For HTTP transports, :func:`http_app` adds ``GET /healthz``, DNS-rebinding protection (Host and
Origin checks, for every bind address) and an optional bearer token checked in constant time.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import json
import logging
import re
import socket
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Literal

import anyio
from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.server.transport_security import TransportSecuritySettings
from mcp.types import CallToolResult, InputRequiredResult, TextContent
from pydantic import ValidationError
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from alecs import __version__
from alecs.audit import AuditLog
from alecs.closed_inputs import (
    ConflictingArguments,
    UnknownArguments,
    check_arguments,
    close_schema,
)
from alecs.config import (
    ConfigError,
    Credentials,
    default_edgerc_path,
    list_sections,
    load_credentials,
)
from alecs.error_shape import shape_error_text
from alecs.tools import all_tools
from alecs.tools.auditing import record_refusal
from alecs.tools.confirm import ConfirmationRefused
from alecs.tools.context import AppState
from alecs.tools.errors import META_ERROR
from alecs.tools.registry import ToolSpec, ToolTable, install
from alecs.tools.toolsets import parse_toolsets

log = logging.getLogger("alecs.server")

SANDBOX_SECTION = "sandbox"
MIN_TOKEN_LENGTH = 16
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")

INSTRUCTIONS = """\
alecs manages Akamai through Akamai's APIs: Property Manager (properties, versions, rule trees, \
hostnames, edge hostnames, CP codes, activations), Edge DNS, certificates (CPS), Fast Purge and \
network lists.

Every other Akamai API (1,600+ operations: Application Security, EdgeWorkers, GTM, Identity \
and Access, Edge Diagnostics, ...): `api-search` with plain words, `api-describe` the operation, \
then `api-read` (changes nothing) or `api-call`. Prefer a curated tool when one exists.

Customers and accounts:
- Every Akamai tool takes an optional `customer`: the name of an .edgerc section (one API client's \
credentials). Omit it to use the default section. `network-diagnostics` lists the configured \
sections; use the name the user gives ("customer acme" -> customer "acme").
- `account_switch_key` (optional) acts on another account with the same credentials (partners and \
Akamai staff). Only pass one the user gave you or one an earlier result returned.

Finding IDs: lists come before details. Most Property Manager calls need a contractId and groupId: \
get them from `group-list` / `contract-list` first. IDs may be given with or without their prefix \
(prp_123 or 123).

Staging vs production: activate and test on STAGING first; PRODUCTION changes the live site. \
Production changes and deletions ask the user for confirmation. If your client cannot show that \
prompt, the tool answers "Confirmation required": ask the user in the conversation and only call \
again with `confirm: true` after they explicitly agree. A declined confirmation changes nothing; \
do not retry it on your own.

Previews: every tool that changes something takes `dry_run: true`, which reads the current state \
and returns the plan (what would change, before and after, and what Akamai would refuse) without \
changing anything. Show it to the user before a change they have not seen yet.

Long operations (activations, purges, certificate and DNS changes) report progress. When a wait \
times out the result says the current state and how to check again; that is not a failure.

Errors: Akamai's errors come back with status, title and detail; show them to the user rather than \
paraphrasing. Invalid arguments name the field to fix.

Call `network-diagnostics` when calls are slow, time out, are rate limited (429) or fail with \
connection errors, or when the user asks about connectivity or performance; it grades the network \
path A-F and says why (`probe: true` measures DNS, TCP, TLS and first byte now).
"""


# --------------------------------------------------------------------------- credentials


def configured_credentials(
    section: str | None = None, edgerc: str | Path | None = None
) -> list[Credentials]:
    """Credentials of every usable section of the .edgerc file, the default section first.

    The default section must load (ConfigError otherwise); other sections that do not load are
    skipped with a warning.
    """
    first = load_credentials(section=section, edgerc=edgerc)
    creds = [first]
    path = Path(edgerc).expanduser() if edgerc else default_edgerc_path()
    try:
        names = list_sections(path)
    except ConfigError:
        names = []
    for name in names:
        if name == first.section:
            continue
        try:
            creds.append(load_credentials(section=name, edgerc=path))
        except ConfigError as exc:
            log.warning("skipping .edgerc section [%s]: %s", name, exc)
    return creds


# --------------------------------------------------------------------------- runtime


class Runtime:
    """The process-wide resources behind the lifespan: sandbox (optional) and Transport.

    ``async with runtime.session() as state`` acquires it; the first acquirer starts everything,
    the last release shuts it down.
    """

    def __init__(
        self,
        *,
        section: str | None = None,
        edgerc: str | Path | None = None,
        sandbox: bool = False,
        read_only: bool = False,
        sandbox_dir: str | Path | None = None,
        sandbox_reset: bool = False,
        transport_settings: Any = None,
        warm_up: bool = True,
        audit: AuditLog | None = None,
    ) -> None:
        self.audit = audit
        self.section = section
        self.edgerc = edgerc
        self.sandbox = sandbox
        self.read_only = read_only
        self.sandbox_dir = Path(sandbox_dir).expanduser() if sandbox_dir else None
        self.sandbox_reset = sandbox_reset
        self.transport_settings = transport_settings
        self.warm_up = warm_up
        self.state: AppState | None = None
        self._users = 0
        self._lock = asyncio.Lock()
        self._warm_task: asyncio.Task[None] | None = None

    def check_config(self) -> None:
        """Raise ConfigError now if the credentials cannot load (no-op with --sandbox)."""
        if not self.sandbox:
            configured_credentials(self.section, self.edgerc)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AppState]:
        state = await self.acquire()
        try:
            yield state
        finally:
            await self.release()

    async def acquire(self) -> AppState:
        async with self._lock:
            if self.state is None:
                self.state = await self._start()
            self._users += 1
            return self.state

    async def release(self) -> None:
        # Shielded: a shutdown by cancellation (SIGTERM on stdio, a client that went away)
        # still closes the Transport and stops the sandbox.
        with anyio.CancelScope(shield=True):
            async with self._lock:
                self._users -= 1
                if self._users > 0 or self.state is None:
                    return
                state, self.state = self.state, None
                await self._stop(state)

    async def _start(self) -> AppState:
        from alecs.transport import Transport, TransportSettings

        sandbox = None
        if self.sandbox:
            sandbox, creds = await self._start_sandbox()
        else:
            creds = configured_credentials(self.section, self.edgerc)
        if self.audit is not None:  # audit lines never hold a credential, even by accident
            self.audit.add_secrets(
                v for c in creds for v in (c.client_secret, c.access_token, c.client_token)
            )
        settings = self.transport_settings
        if sandbox is not None:
            # The sandbox listens on this machine's loopback, which a proxy from HTTPS_PROXY
            # cannot reach: talk to it directly.
            settings = (settings or TransportSettings()).replace(trust_env=False)
        try:
            transport = Transport(creds, settings)
        except BaseException:
            if sandbox is not None:
                await anyio.to_thread.run_sync(sandbox.stop)
            raise
        state = AppState(
            transport=transport,
            default_section=creds[0].section,
            sections=tuple(c.section for c in creds),
            read_only=self.read_only,
            sandbox=sandbox,
        )
        log.info(
            "alecs ready: sections %s (default %s)%s",
            ", ".join(state.sections),
            state.default_section,
            f", sandbox at {sandbox.url}" if sandbox is not None else "",
        )
        if self.warm_up:
            self._warm_task = asyncio.get_running_loop().create_task(self._warm(transport))
        return state

    async def _start_sandbox(self) -> tuple[Any, list[Credentials]]:
        from alecs.sandbox.runner import SandboxSettings, SandboxThread

        kwargs: dict[str, Any] = {"port": 0}
        if self.sandbox_dir is not None:
            # A state directory given: keep the sandbox's state there across runs.
            kwargs["state_dir"] = self.sandbox_dir
            kwargs["persist"] = True
            kwargs["reset"] = self.sandbox_reset
        sandbox = SandboxThread(SandboxSettings(**kwargs))
        await anyio.to_thread.run_sync(sandbox.start)
        if self.sandbox_dir is not None:
            log.info(
                "sandbox state %s %s (--sandbox-reset starts from the seed data)",
                "reset, kept in" if self.sandbox_reset else "kept in",
                self.sandbox_dir,
            )
        try:
            wanted = self.section or SANDBOX_SECTION
            names = [wanted] + [n for n in list_sections(Path(sandbox.edgerc_path)) if n != wanted]
            creds: list[Credentials] = []
            for name in names:
                try:
                    creds.append(sandbox.credentials(section=name))
                except Exception as exc:
                    if name == wanted:
                        raise ConfigError(
                            f"{sandbox.edgerc_path}: the sandbox has no section [{name}]"
                        ) from exc
                    log.warning("sandbox section [%s] skipped: %s", name, exc)
        except BaseException:
            await anyio.to_thread.run_sync(sandbox.stop)
            raise
        return sandbox, creds

    @staticmethod
    async def _warm(transport: Any) -> None:
        try:
            await transport.warm_up()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # warm-up is an optimization: log and go on
            log.warning("warm-up failed: %s", exc)

    async def _stop(self, state: AppState) -> None:
        task, self._warm_task = self._warm_task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        try:
            await state.transport.aclose()
        finally:
            if state.sandbox is not None:
                await anyio.to_thread.run_sync(state.sandbox.stop)
        log.info("alecs stopped")


# --------------------------------------------------------------------------- server


class AlecsServer(MCPServer[AppState]):
    """``MCPServer`` with alecs' tool table and handling of invalid arguments.

    Every ``tools/call`` goes through :meth:`call_tool` (the SDK's ``_handle_call_tool`` calls
    it) with the raw arguments: a tool hidden by the enabled toolsets or ``--read-only`` answers
    a tool error saying so (not "Unknown tool"); keys the tool does not take answer a tool error
    naming them and the closest parameters, camelCase spellings being aliases
    (``alecs.closed_inputs``; every input schema is published closed by :meth:`add_tool`);
    arguments failing the input schema answer a tool error naming each field. Every tool error
    leaves in one shape, ``<tool> failed: <why>`` then what to do (``alecs.error_shape``).
    """

    runtime: Runtime
    read_only: bool
    audit: AuditLog | None = None
    toolsets: frozenset[str]
    tool_table: ToolTable

    def install_tools(self, specs: Iterable[ToolSpec]) -> list[str]:
        """Offer ``specs`` on this server, filtered by its toolsets and read-only mode.

        Returns the names installed (the others are recorded as hidden, with why).
        """
        before = set(self.tool_table.enabled)
        install(
            self,
            specs,
            toolsets=self.toolsets,
            read_only=self.read_only,
            table=self.tool_table,
        )
        return [name for name in self.tool_table.enabled if name not in before]

    def add_tool(self, fn: Any, name: str | None = None, **options: Any) -> None:
        """Register a tool with a closed input schema (``additionalProperties: false``)."""
        super().add_tool(fn, name, **options)
        tool = self._tool_manager.get_tool(name or fn.__name__)
        if tool is not None:
            close_schema(tool.parameters)

    def argument_names(self, name: str) -> list[str] | None:
        """The argument names tool ``name`` takes (None for an unknown tool)."""
        tool = self._tool_manager.get_tool(name)
        if tool is None:
            return None
        fields = tool.fn_metadata.arg_model.model_fields
        return [field.alias or key for key, field in fields.items()]

    async def call_tool(
        self,
        name: str,
        arguments: dict[str, Any],
        context: Context[AppState, Any] | None = None,
    ) -> CallToolResult | InputRequiredResult:
        result = await self._call_tool(name, arguments, context)
        if isinstance(result, CallToolResult) and result.is_error:
            shape_error_result(name, result)
        return result

    async def _call_tool(
        self,
        name: str,
        arguments: dict[str, Any],
        context: Context[AppState, Any] | None,
    ) -> CallToolResult | InputRequiredResult:
        hidden = self.tool_table.hidden_result(name)
        if hidden is not None:
            log.info("tool %s: not offered by this server", name)
            return hidden
        names = self.argument_names(name)
        if names is not None:
            try:
                arguments = check_arguments(name, arguments or {}, names)
            except (UnknownArguments, ConflictingArguments) as exc:
                return wrong_arguments(name, exc)
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            log.exception("tool %s raised an unexpected exception", name)
            return CallToolResult(
                content=[
                    TextContent(
                        type="text",
                        text="an unexpected error inside alecs (details are in the server "
                        "log, not here). Try again; if it repeats, report it with the log.",
                    )
                ],
                is_error=True,
                _meta={META_ERROR: {"error": "InternalError", "tool": name}},
            )
        except ToolError as exc:
            cause = exc.__cause__
            if isinstance(cause, ValidationError):
                return invalid_arguments(name, cause)
            if isinstance(cause, ConfirmationRefused) and self.audit is not None:
                spec = self.tool_table.enabled.get(name)
                if spec is not None and spec.writes:  # the body never ran: record it here
                    record_refusal(
                        self.audit,
                        tool=name,
                        arguments=arguments,
                        ctx=context,
                        outcome=cause.outcome,
                        message=str(cause),
                    )
            log.info("tool %s failed: %s", name, str(exc).splitlines()[0][:200])
            return CallToolResult(content=[TextContent(type="text", text=str(exc))], is_error=True)


def shape_error_result(tool: str, result: CallToolResult) -> CallToolResult:
    """Every tool error in one shape (see ``alecs.error_shape``): the first text block."""
    for block in result.content:
        if isinstance(block, TextContent):
            block.text = shape_error_text(tool, block.text)
            break
    return result


def wrong_arguments(tool: str, exc: UnknownArguments | ConflictingArguments) -> CallToolResult:
    """The tool error for keys the tool does not take (nothing ran, nothing was sent)."""
    if isinstance(exc, UnknownArguments):
        log.info("tool %s: unknown arguments %s", tool, exc.fields)
        text = (
            f"{exc}\nNothing was sent. {tool} takes: {', '.join(exc.names)} "
            "(camelCase spellings like propertyId work too). Call again with the right names."
        )
        details = exc.to_dict()
    else:
        text = f"{exc}. Nothing was sent. Give it once."
        details = {"error": "ConflictingArguments", "field": exc.name, "alias": exc.alias}
    return CallToolResult(
        content=[TextContent(type="text", text=text)], is_error=True, _meta={META_ERROR: details}
    )


_UNION_TAG = re.compile(r"^(?:[a-z_]+(?:\[.*\])?|constrained-\w+|function-\w+|[a-z]+-[a-z-]+)$")


def _field_path(loc: Sequence[Any]) -> str:
    """`('version', 'constrained-int')` -> `version`: pydantic's union branch tags dropped
    (after the argument name), list indices and nested keys kept."""
    parts = [str(loc[0])] if loc else []
    for part in loc[1:]:
        if isinstance(part, str) and (_UNION_TAG.match(part) and not part.isidentifier()):
            continue
        if isinstance(part, str) and part in ("int", "str", "float", "bool", "none", "list"):
            continue
        parts.append(str(part))
    return ".".join(parts) or "(arguments)"


def invalid_arguments(tool: str, exc: ValidationError) -> CallToolResult:
    """The tool error for arguments that fail the input schema: one line per field."""
    lines = [f"Invalid arguments for {tool}:"]
    fields: list[dict[str, Any]] = []
    merged: dict[str, list[str]] = {}
    shown_value: dict[str, str] = {}
    for err in exc.errors(include_url=False):
        loc = _field_path(err.get("loc", ()))
        kind = err.get("type", "")
        if kind == "missing":
            message = "required but missing"
        else:
            message = err.get("msg", "invalid")
            value = err.get("input")
            if value is not None and not isinstance(value, dict | list):
                shown = repr(value)
                shown_value[loc] = f" (got {shown[:80] + '...' if len(shown) > 80 else shown})"
        if message not in merged.setdefault(loc, []):
            merged[loc].append(message)
        fields.append({"field": loc, "type": kind, "message": err.get("msg", "")})
    for loc, messages in merged.items():  # a union's branches: one line, "a or b"
        lines.append(f"- `{loc}`: {' or '.join(messages)}{shown_value.get(loc, '')}")
    lines.append("Fix these arguments (see the tool's input schema) and call again.")
    log.info("tool %s: invalid arguments %s", tool, [f["field"] for f in fields])
    return CallToolResult(
        content=[TextContent(type="text", text="\n".join(lines))],
        is_error=True,
        _meta={META_ERROR: {"error": "InvalidArguments", "fields": fields}},
    )


def build_server(
    *,
    section: str | None = None,
    edgerc: str | Path | None = None,
    sandbox: bool = False,
    read_only: bool = False,
    toolsets: str | Iterable[str] | None = None,
    sandbox_dir: str | Path | None = None,
    sandbox_reset: bool = False,
    transport_settings: Any = None,
    warm_up: bool = True,
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO",
    audit_log: AuditLog | str | Path | None = None,
) -> AlecsServer:
    """The alecs MCP server offering the tools of ``toolsets`` (default: ``DEFAULT_TOOLSETS``).

    ``toolsets`` is ``"papi,dns"``, a list of names or ``"all"``; an unknown name raises
    ``alecs.tools.toolsets.UnknownToolsetError`` (a ``ValueError``). With ``read_only`` the tools
    that change something are left out.

    Nothing starts until the lifespan is entered (a client connects, or ``alecs serve`` holds
    ``server.runtime``). Configure logging before calling this: ``MCPServer`` calls
    ``logging.basicConfig``, which is a no-op when the root logger already has a handler.
    ``audit_log`` (a file or an :class:`AuditLog`) records every attempted write; ``None``
    (the default here; ``alecs serve`` passes the user data directory's file) records nothing.
    """
    enabled = parse_toolsets(toolsets)
    audit = (
        audit_log if isinstance(audit_log, AuditLog) or audit_log is None else AuditLog(audit_log)
    )
    runtime = Runtime(
        audit=audit,
        section=section,
        edgerc=edgerc,
        sandbox=sandbox,
        read_only=read_only,
        sandbox_dir=sandbox_dir,
        sandbox_reset=sandbox_reset,
        transport_settings=transport_settings,
        warm_up=warm_up,
    )

    @asynccontextmanager
    async def lifespan(_server: MCPServer[AppState]) -> AsyncIterator[AppState]:
        async with runtime.session() as state:
            yield state

    server = AlecsServer(
        "alecs",
        title="alecs: Akamai",
        description="An MCP server for Akamai",
        instructions=INSTRUCTIONS,
        version=__version__,
        lifespan=lifespan,
        log_level=log_level,
    )
    server.runtime = runtime
    server.read_only = read_only
    server.audit = audit
    server.toolsets = enabled
    server.tool_table = ToolTable()

    @server.custom_route("/healthz", methods=["GET"])
    async def healthz(request: Request) -> Response:
        return JSONResponse(
            {
                "status": "ok",
                "server": "alecs",
                "version": __version__,
                "ready": runtime.state is not None,
            }
        )

    server.install_tools(all_tools())
    return server


# --------------------------------------------------------------------------- HTTP security


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_patterns(name: str) -> list[str]:
    if ":" in name and not name.startswith("["):  # bare IPv6 address
        name = f"[{name}]"
    return [name, f"{name}:*"]


def local_host_names(bind_host: str) -> list[str]:
    """Names a client may use to reach a non-loopback bind: the address, host name and IPs."""
    names: list[str] = []
    if bind_host not in ("0.0.0.0", "::", ""):
        names.append(bind_host)
    else:
        hostname = socket.gethostname()
        names += [hostname, socket.getfqdn()]
        with contextlib.suppress(OSError):
            for info in socket.getaddrinfo(hostname, None):
                names.append(str(info[4][0]))
    return list(dict.fromkeys(n for n in names if n))


def security_settings(
    bind_host: str,
    *,
    allowed_hosts: Iterable[str] = (),
    allowed_origins: Iterable[str] = (),
) -> TransportSecuritySettings:
    """DNS-rebinding protection, on for every bind: the Host and Origin headers must be known.

    Loopback names are always allowed; a non-loopback bind also allows its own address, host
    name and IPs. ``allowed_hosts``/``allowed_origins`` add more (``host:*`` matches any port).
    """
    hosts: list[str] = []
    for name in LOOPBACK_NAMES:
        hosts += _host_patterns(name)
    if not is_loopback(bind_host):
        for name in local_host_names(bind_host):
            hosts += _host_patterns(name)
    hosts += list(allowed_hosts)
    origins: list[str] = []
    for name in LOOPBACK_NAMES:
        origins += [f"http://{p}" for p in _host_patterns(name)]
    origins += [o.rstrip("/") for o in allowed_origins]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=list(dict.fromkeys(hosts)),
        allowed_origins=list(dict.fromkeys(origins)),
    )


class BearerTokenMiddleware:
    """Requires ``Authorization: Bearer <token>`` (constant-time comparison) except on
    ``exempt`` paths; otherwise 401 with ``WWW-Authenticate: Bearer``."""

    def __init__(self, app: ASGIApp, token: str, *, exempt: Sequence[str] = ("/healthz",)):
        self.app = app
        self._token = token.encode()
        self.exempt = tuple(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.exempt:
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("authorization", "")
        scheme, _, value = header.partition(" ")
        ok = scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), self._token)
        if not ok:
            body = json.dumps(
                {"error": "unauthorized", "detail": "missing or wrong bearer token"}
            ).encode()
            response = Response(
                body,
                status_code=401,
                media_type="application/json",
                headers={"WWW-Authenticate": 'Bearer realm="alecs"'},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def host_allowed(host: str | None, allowed_hosts: Sequence[str]) -> bool:
    """The MCP SDK's Host rule: an exact entry, or `name:*` for `name` on any port."""
    if not host:
        return False
    if host in allowed_hosts:
        return True
    for pattern in allowed_hosts:
        if pattern.endswith(":*") and host.startswith(pattern[:-2] + ":"):
            return True
    return False


class HostCheckMiddleware:
    """The same Host check as `/mcp` (DNS-rebinding protection, 421 on a bad Host) for every
    other path of the app, such as `/healthz`, which the SDK's check does not cover."""

    def __init__(self, app: ASGIApp, settings: TransportSecuritySettings) -> None:
        self.app = app
        self._allowed = list(settings.allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not host_allowed(
            Headers(scope=scope).get("host"), self._allowed
        ):
            response = Response("Invalid Host header", status_code=421)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def check_http_security(host: str, token: str | None) -> None:
    """Refuse unsafe HTTP setups with a message saying how to fix them (raises ValueError)."""
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise ValueError(
            f"the auth token must have at least {MIN_TOKEN_LENGTH} characters "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    if not is_loopback(host) and not token:
        raise ValueError(
            f"refusing to listen on {host}: a non-loopback address needs a bearer token. "
            "Set ALECS_AUTH_TOKEN (or --auth-token) to a long random secret, and send "
            "'Authorization: Bearer <token>' from the client; or bind 127.0.0.1."
        )


def http_app(
    server: AlecsServer,
    *,
    transport: Literal["http", "sse"] = "http",
    host: str = "127.0.0.1",
    auth_token: str | None = None,
    allowed_hosts: Iterable[str] = (),
    allowed_origins: Iterable[str] = (),
) -> ASGIApp:
    """The ASGI app for ``--transport http`` (``/mcp``) or ``sse`` (``/sse``), with ``/healthz``."""
    check_http_security(host, auth_token)
    settings = security_settings(host, allowed_hosts=allowed_hosts, allowed_origins=allowed_origins)
    if transport == "sse":
        app: ASGIApp = server.sse_app(transport_security=settings, host=host)
    else:
        app = server.streamable_http_app(transport_security=settings, host=host)
    if auth_token:
        app = BearerTokenMiddleware(app, auth_token)
    return HostCheckMiddleware(app, settings)

"""The tool registry: every alecs tool is one module-level ``async def`` with one decorator.

::

    from alecs.tools.registry import tool

    @tool("property-list", toolset="papi", kind="read", title="List properties")
    async def property_list(ctx: Ctx, customer: Customer = None, ...) -> PropertyList:
        \"\"\"The tool's manual: what it does, when to use it, what it returns.\"\"\"

    @tool("property-delete", toolset="papi", kind="destructive", title="Delete a property")
    async def property_delete(
        ctx: Ctx, confirmed: Annotated[Confirmed, confirmation(_ask_delete)], ...,
        confirm: ConfirmArg = False,
    ) -> PropertyDeleted: ...

The decorator checks the conventions (names are lowercase words joined by hyphens, object first,
at most 64 characters; ``async def``; a known toolset; a ``destructive`` tool confirms) and
records a :class:`ToolSpec` in :data:`REGISTRY`: name, toolset, kind, annotations, whether it
writes, whether it asks for confirmation, and the error translations of its module (the
module's ``TOOL_ERRORS`` mapping, defined above its tools, plus the decorator's ``errors``).
Nothing is registered on a server at import time.

:func:`install` puts the specs a server offers on it, all through :func:`wrap_tool`, and
returns the :class:`ToolTable` the server dispatches with: tools of disabled toolsets and, with
``--read-only``, write tools are left out of ``tools/list``, and calling one answers a tool error
saying why (see :meth:`ToolTable.hidden_result`).

Kinds: ``read`` (read-only, idempotent), ``write`` (changes something; ``destructive=True`` when
some calls can break a live site, e.g. a PRODUCTION activation, confirmed by a ``confirmation``
question that returns ``None`` for harmless calls) and ``destructive`` (always confirmed).

One place for cross-cutting behaviour: :func:`wrap_tool` wraps every tool body and sees the
:class:`ToolSpec` and the validated arguments. For tools that write it adds ``dry_run`` (the
body returns its service client's plan when :func:`alecs.tools.dryrun.in_dry_run` says so;
see :mod:`alecs.tools.dryrun`), shows that plan in the confirmation question, and writes one
audit line per call (:mod:`alecs.tools.auditing`);
``AlecsServer.call_tool`` sees the raw arguments of every call before validation.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, ToolAnnotations

from alecs.akamai._base import AkamaiInputError
from alecs.akamai.plan import DryRunViolation
from alecs.tools.auditing import record_call
from alecs.tools.confirm import (
    Confirmed,
    bind_confirmation,
    confirmation_param,
    uses_confirmation,
)
from alecs.tools.dryrun import DRY_RUN, NoDryRun, declares_dry_run, preview_text, publish, run_dry
from alecs.tools.errors import ErrorMap, InputError, error_result, message_result
from alecs.tools.results import to_result
from alecs.tools.toolsets import ALL, TOOLSETS
from alecs.transport.errors import AlecsError
from alecs.transport.observe import collect_calls

if TYPE_CHECKING:
    from mcp.server import MCPServer

    from alecs.audit import AuditLog

log = logging.getLogger("alecs.tools")

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])

TOOL_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
MAX_TOOL_NAME = 64
MODULE_ERRORS = "TOOL_ERRORS"
"""The name of a tool module's error translations: ``{ExceptionType: lambda exc: ToolError}``."""

ToolKind = Literal["read", "write", "destructive"]


def check_tool_name(name: str) -> None:
    if len(name) > MAX_TOOL_NAME or not TOOL_NAME.match(name):
        raise ValueError(
            f"tool name {name!r}: use lowercase words joined by hyphens, object first then verb "
            f"(like 'property-activate'), at most {MAX_TOOL_NAME} characters"
        )


def tool_annotations(
    kind: ToolKind,
    *,
    title: str,
    idempotent: bool | None = None,
    destructive: bool | None = None,
    open_world: bool = True,
) -> ToolAnnotations:
    """MCP annotations for a tool of the given kind (defaults per kind, overridable)."""
    if kind == "read":
        return ToolAnnotations(
            title=title,
            read_only_hint=True,
            destructive_hint=False,
            idempotent_hint=True,
            open_world_hint=open_world,
        )
    return ToolAnnotations(
        title=title,
        read_only_hint=False,
        destructive_hint=(kind == "destructive") if destructive is None else destructive,
        idempotent_hint=bool(idempotent),
        open_world_hint=open_world,
    )


@dataclass(frozen=True)
class ToolSpec:
    """One tool as declared: everything the server needs to offer, filter and call it."""

    name: str
    toolset: str
    kind: ToolKind
    fn: Callable[..., Awaitable[Any]]
    annotations: ToolAnnotations
    confirms: bool
    """The tool asks for confirmation (a ``confirmation(...)`` resolver) before its body runs."""
    errors: ErrorMap = field(default_factory=dict)

    @property
    def writes(self) -> bool:
        """The tool changes something (``write`` or ``destructive``): hidden by --read-only."""
        return self.kind != "read"

    @property
    def title(self) -> str:
        return self.annotations.title or self.name

    @property
    def description(self) -> str:
        return inspect.cleandoc(self.fn.__doc__ or "")

    @property
    def module(self) -> str:
        return self.fn.__module__


class Registry:
    """An ordered set of :class:`ToolSpec`, filled by :meth:`tool` decorators.

    alecs' own tools live in :data:`REGISTRY`; tests may build their own.
    """

    def __init__(self) -> None:
        self._specs: dict[str, ToolSpec] = {}

    def tool(
        self,
        name: str,
        *,
        toolset: str,
        kind: ToolKind = "read",
        title: str,
        idempotent: bool | None = None,
        destructive: bool | None = None,
        open_world: bool = True,
        errors: ErrorMap | None = None,
    ) -> Callable[[F], F]:
        """Declare a tool (see the module docstring); returns the function unchanged."""
        check_tool_name(name)
        if toolset not in TOOLSETS:
            raise ValueError(
                f"tool {name!r}: unknown toolset {toolset!r} (known: {', '.join(TOOLSETS)}; "
                "add new ones to alecs.tools.toolsets.TOOLSETS)"
            )
        if kind not in ("read", "write", "destructive"):
            raise ValueError(f"tool {name!r}: kind must be read, write or destructive")
        if kind == "read" and (idempotent is False or destructive):
            raise ValueError(f"tool {name!r}: a read tool is idempotent and not destructive")
        annotations = tool_annotations(
            kind, title=title, idempotent=idempotent, destructive=destructive, open_world=open_world
        )

        def decorator(fn: F) -> F:
            if not inspect.iscoroutinefunction(fn):
                raise TypeError(f"tool {name!r}: define it with 'async def'")
            if "<locals>" in fn.__qualname__ and self is REGISTRY:
                raise TypeError(f"tool {name!r}: define it at module level, not inside a function")
            confirms = uses_confirmation(fn)
            if kind == "destructive" and not confirms:
                raise TypeError(
                    f"tool {name!r}: a destructive tool takes "
                    "'confirmed: Annotated[Confirmed, confirmation(question)]'"
                )
            module = sys.modules.get(fn.__module__)
            translations = dict(getattr(module, MODULE_ERRORS, None) or {})
            translations.update(errors or {})
            spec = ToolSpec(
                name=name,
                toolset=toolset,
                kind=kind,
                fn=fn,
                annotations=annotations,
                confirms=confirms,
                errors=translations,
            )
            existing = self._specs.get(name)
            if existing is not None and (
                existing.fn.__module__,
                existing.fn.__qualname__,
            ) != (fn.__module__, fn.__qualname__):
                raise ValueError(
                    f"tool {name!r} is declared twice: {existing.module}.{existing.fn.__qualname__}"
                    f" and {fn.__module__}.{fn.__qualname__}"
                )
            self._specs[name] = spec
            return fn

        return decorator

    def specs(self) -> list[ToolSpec]:
        """Every declared tool, in declaration order."""
        return list(self._specs.values())

    def get(self, name: str) -> ToolSpec | None:
        return self._specs.get(name)

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    def __len__(self) -> int:
        return len(self._specs)


REGISTRY = Registry()
"""alecs' tools (filled when the tool modules are imported: :func:`alecs.tools.all_tools`)."""

tool = REGISTRY.tool
"""The decorator every alecs tool is declared with: ``@tool("name", toolset=..., kind=...)``."""


# --------------------------------------------------------------------------- filtering


def hidden_reason(spec: ToolSpec, *, toolsets: Iterable[str], read_only: bool) -> str | None:
    """Why this server does not offer ``spec`` (``None``: it does)."""
    enabled = set(toolsets)
    if spec.toolset not in enabled:
        return (
            f"{spec.name} is in toolset {spec.toolset}, which is not enabled; start alecs with "
            f"--toolsets {spec.toolset} or {ALL} (or set ALECS_TOOLSETS)"
        )
    if read_only and spec.writes:
        return (
            f"{spec.name} changes things and this server runs --read-only; "
            "restart alecs without --read-only to use it"
        )
    return None


@dataclass
class ToolTable:
    """The tools one server offers and the ones it hides, with why."""

    enabled: dict[str, ToolSpec] = field(default_factory=dict)
    hidden: dict[str, tuple[ToolSpec, str]] = field(default_factory=dict)

    def names(self) -> list[str]:
        return list(self.enabled)

    def hidden_result(self, name: str) -> CallToolResult | None:
        """The tool error for calling a hidden tool; ``None`` when ``name`` is not hidden."""
        entry = self.hidden.get(name)
        if entry is None:
            return None
        spec, reason = entry
        return message_result(
            f"Not available: {reason}. Nothing was sent.",
            {
                "error": "ToolNotEnabled",
                "tool": spec.name,
                "toolset": spec.toolset,
                "writes": spec.writes,
                "message": reason,
            },
        )


def install(
    server: MCPServer[Any],
    specs: Iterable[ToolSpec],
    *,
    toolsets: Iterable[str],
    read_only: bool,
    table: ToolTable | None = None,
) -> ToolTable:
    """Register on ``server`` every spec it offers (the one registration path).

    Returns the :class:`ToolTable` (``table`` extended when given) recording offered and hidden
    tools.
    """
    table = table if table is not None else ToolTable()
    enabled = frozenset(toolsets)
    for spec in specs:
        reason = hidden_reason(spec, toolsets=enabled, read_only=read_only)
        if reason is not None:
            table.hidden[spec.name] = (spec, reason)
            continue
        server.add_tool(
            wrap_tool(spec, audit=lambda: getattr(server, "audit", None)),
            name=spec.name,
            title=spec.title,
            description=spec.description,
            annotations=spec.annotations,
        )
        table.enabled[spec.name] = spec
        table.hidden.pop(spec.name, None)
    return table


# --------------------------------------------------------------------------- the wrapper


def _context_param(fn: Callable[..., Any]) -> str | None:
    import typing

    from mcp.server.mcpserver import Context

    try:
        hints = typing.get_type_hints(fn)
    except Exception:  # pragma: no cover - unresolvable annotations: no context
        return None
    for name, hint in hints.items():
        target = typing.get_origin(hint) or hint
        if isinstance(target, type) and issubclass(target, Context):
            return name
    return None


def wrap_tool(
    spec: ToolSpec | Callable[..., Awaitable[Any]],
    name: str | None = None,
    errors: Mapping[type[Exception], Callable[[Any], ToolError]] | None = None,
    *,
    audit: Callable[[], AuditLog | None] | None = None,
) -> Callable[..., Awaitable[Any]]:
    """Wrap a tool body: output models to results, alecs errors to tool errors, and for tools
    that write: ``dry_run``, the preview in the confirmation question and the audit log.

    Takes a :class:`ToolSpec` (or, for tests, ``fn, name, errors``). An input problem a service
    client found (:class:`AkamaiInputError`) becomes an :class:`InputError` with its field,
    problem and allowed values. The spec's ``errors`` map further exception types to the tool
    error to raise instead (the first match wins).

    A write tool (``spec.writes``) that does not declare ``dry_run`` gets it here (see
    :mod:`alecs.tools.dryrun`): the published signature adds the argument and widens the
    output to ``model | WritePlan``; ``dry_run: true`` runs the body reads-only and returns its
    plan. Its confirmation question (if any) shows the same plan. ``audit()`` returns the
    server's :class:`~alecs.audit.AuditLog` (or ``None``): every call of a write tool, dry runs
    included, is one line in it, with the Akamai requests the call made.

    Otherwise the wrapper keeps the signature (``functools.wraps``), so the SDK derives the same
    input and output schemas from it.
    """
    if isinstance(spec, ToolSpec):
        fn, tool_name, translations = spec.fn, spec.name, dict(spec.errors)
        writes = spec.writes
    else:
        fn, tool_name, translations = spec, name or spec.__name__, dict(errors or {})
        writes = False
    adds_dry_run = writes and not declares_dry_run(fn)
    confirmed_name = confirmation_param(fn)
    ctx_name = _context_param(fn)

    async def call(kwargs: dict[str, Any]) -> Any:
        try:
            return await fn(**kwargs)
        except AkamaiInputError as exc:
            raise InputError(exc.field, exc.problem, allowed=exc.allowed) from None
        except tuple(translations) as exc:
            translate = next(t for k, t in translations.items() if isinstance(exc, k))
            raise translate(exc) from None

    async def body(**kwargs: Any) -> Any:
        return await call(kwargs)

    async def outcome(kwargs: dict[str, Any], dry_run: bool) -> tuple[Any, BaseException | None]:
        """The call's result, alecs errors turned into tool errors; and the error, if any."""
        try:
            result = await (run_dry(body, kwargs) if dry_run else call(kwargs))
            return to_result(result), None
        except InputError as exc:
            log.info("tool %s: invalid %s", tool_name, exc.field)
            return error_result(exc), exc
        except AlecsError as exc:
            status = getattr(exc, "status", None)
            log.info(
                "tool %s failed: %s%s",
                tool_name,
                type(exc).__name__,
                f" {status}" if status else "",
            )
            return error_result(exc), exc
        except (DryRunViolation, NoDryRun) as exc:
            log.error("tool %s: dry run refused: %s", tool_name, exc)
            message = f"No dry run: {exc}. Nothing was sent."
            return message_result(
                message, {"error": "DryRunNotSupported", "tool": tool_name, "message": str(exc)}
            ), exc

    @functools.wraps(fn)
    async def wrapped(**kwargs: Any) -> Any:
        if not writes:  # reads: nothing to preview or audit
            return (await outcome(kwargs, False))[0]
        dry_run = bool(kwargs.pop(DRY_RUN, False)) if adds_dry_run else bool(kwargs.get(DRY_RUN))
        log_to = audit() if audit is not None else None
        if log_to is None:
            return (await outcome(kwargs, dry_run and adds_dry_run))[0]
        started = time.perf_counter()
        error: BaseException | None = None
        out: Any = None
        with collect_calls() as calls:
            try:
                out, error = await outcome(kwargs, dry_run and adds_dry_run)
            except BaseException as exc:  # a tool error of the module, or a crash: logged too
                error = exc
                raise
            finally:
                arguments = {k: v for k, v in kwargs.items() if k not in (ctx_name, confirmed_name)}
                if adds_dry_run:
                    arguments[DRY_RUN] = dry_run
                record_call(
                    log_to,
                    tool=tool_name,
                    arguments=arguments,
                    ctx=kwargs.get(ctx_name) if ctx_name else None,
                    dry_run=dry_run,
                    confirmed=kwargs.get(confirmed_name) if confirmed_name else None,
                    calls=calls,
                    structured=getattr(out, "structured_content", None),
                    is_error=bool(getattr(out, "is_error", False)),
                    error=error,
                    duration_ms=(time.perf_counter() - started) * 1000,
                )
        return out

    if adds_dry_run or (writes and confirmed_name is not None):
        publish(wrapped, fn, add_dry_run=adds_dry_run)
    if writes and confirmed_name is not None:
        published = [
            n for n in inspect.signature(wrapped).parameters if n not in (ctx_name, confirmed_name)
        ]

        async def preview(ctx: Any, arguments: dict[str, Any]) -> str | None:
            if not adds_dry_run:
                return None
            kwargs = {k: v for k, v in arguments.items() if k != DRY_RUN}
            if ctx_name:
                kwargs[ctx_name] = ctx
            kwargs[confirmed_name] = Confirmed(how="dry-run")
            return await preview_text(body, kwargs)

        bind_confirmation(wrapped, published, preview)  # the evaluated annotations the SDK uses
    return wrapped

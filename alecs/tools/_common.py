"""Conventions every alecs MCP tool follows, written once.

A service module (``alecs/tools/papi.py``, ...) defines ``register(server, *, read_only)`` and
declares its tools through :class:`ToolRegistrar`. The registrar names and annotates each tool,
leaves write tools out in ``--read-only`` mode, turns a returned pydantic model into structured
content plus a short readable text, and turns Akamai errors into tool errors (``isError``) with
status, title and detail. Arguments that fail validation come back as a tool error naming the
field (see ``alecs.server.AlecsServer``).

A read tool, a write tool and a confirmed destructive tool::

    from typing import Annotated, Literal

    from pydantic import Field

    from alecs.akamai.papi import PapiClient
    from alecs.tools._common import (
        AccountSwitchKey, ConfirmArg, Confirmed, Ctx, Customer, Progress, ToolOutput,
        ToolRegistrar, confirmation, normalize_id, poll, service,
    )

    class PropertyList(ToolOutput):
        properties: list[PropertySummary]

        def summary(self) -> str:
            return f"{len(self.properties)} properties"

    def _ask_delete(property_id: str) -> str:  # parameters: tool arguments, by name
        return f"Delete property {property_id}? This cannot be undone."

    def _ask_activate(network: str, property_id: str, version: int) -> str | None:
        if network != "PRODUCTION":
            return None  # None: no confirmation needed
        return f"Activate {property_id} v{version} on PRODUCTION (the live site)?"

    def register(server: MCPServer, *, read_only: bool) -> None:
        tools = ToolRegistrar(server, read_only=read_only)

        @tools.read("property-list", title="List properties")
        async def property_list(
            ctx: Ctx,
            contract_id: Annotated[str | None, Field(description="ctr_... (contract-list)")] = None,
            customer: Customer = None,
            account_switch_key: AccountSwitchKey = None,
        ) -> PropertyList:
            \"\"\"List properties. Use first when a propertyId is missing. Returns ...\"\"\"
            papi = service(ctx, PapiClient, customer, account_switch_key)
            return PropertyList(properties=await papi.list_properties(contract_id))

        @tools.write("property-activate", title="Activate a property version", destructive=True)
        async def property_activate(
            ctx: Ctx,
            confirmed: Annotated[Confirmed, confirmation(_ask_activate)],
            property_id: Annotated[str, Field(description="prp_123 or 123")],
            version: Annotated[int, Field(ge=1)],
            network: Literal["STAGING", "PRODUCTION"] = "STAGING",
            customer: Customer = None,
            account_switch_key: AccountSwitchKey = None,
            timeout_s: Annotated[float, Field(ge=0, le=3600)] = 600,
            confirm: ConfirmArg = False,
        ) -> Activation:
            \"\"\"...\"\"\"
            property_id = normalize_id(property_id, "prp_", field="property_id")
            papi = service(ctx, PapiClient, customer, account_switch_key)
            activation = await papi.activate(property_id, version, network)
            outcome = await poll(
                lambda: papi.activation(activation.id),
                done=lambda a: a.status in ("ACTIVE", "FAILED"),
                timeout_s=timeout_s,
                progress=Progress(ctx, total=100),
                describe=lambda a: f"{a.status} on {network}",
            )
            ...  # outcome.finished False: return the state and how to check again

        @tools.destructive("property-delete", title="Delete a property")
        async def property_delete(
            ctx: Ctx,
            confirmed: Annotated[Confirmed, confirmation(_ask_delete)],
            property_id: Annotated[str, Field(description="prp_123 or 123")],
            customer: Customer = None,
            account_switch_key: AccountSwitchKey = None,
            confirm: ConfirmArg = False,
        ) -> PropertyDeleted:
            \"\"\"...\"\"\"

Rules the registrar enforces: names are lowercase words joined by hyphens, object first, at
most 64 characters; tools are ``async def``; a tool using ``confirmation(...)`` declares a
``confirm: ConfirmArg = False`` argument; ``tools.destructive`` tools use ``confirmation``.
The body of a confirmed tool only runs after the user agreed (declining raises a tool error
saying that nothing was changed), so the body needs no check of its own. The question function
is a plain, side-effect-free function of the tool's (validated) arguments, taken by name; it
may run more than once per call (2026-07-28 clients answer in a second round).

Errors: an ``AlecsError`` (``AkamaiApiError`` etc.) escaping a tool becomes an ``isError``
result whose text starts with status, title and detail and whose ``_meta["alecs/error"]`` holds
the fields. For bad input found inside a tool, ``raise InputError("field", "what is wrong",
allowed="what is allowed")``; :func:`resolve_section` and :func:`normalize_id` do so.

Service clients (``alecs/akamai/<api>.py``) are constructed by :func:`service` as
``Client(transport, section, account_switch_key=...)``.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from mcp.server.mcpserver import Context, Elicit, ElicitationResult, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.resolve import AcceptedElicitation
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field
from pydantic_core import to_json

from alecs.akamai._base import AkamaiInputError
from alecs.transport.errors import (
    AkamaiApiError,
    AlecsError,
    CircuitOpenError,
    DeadlineExceededError,
    RateLimitedError,
    TransportError,
)

if TYPE_CHECKING:
    from mcp.server import MCPServer

    from alecs.transport import Transport

log = logging.getLogger("alecs.tools")

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Awaitable[Any]])

TOOL_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
MAX_TOOL_NAME = 64
META_ERROR = "alecs/error"


# --------------------------------------------------------------------------- lifespan state


@dataclass
class AppState:
    """What the server's lifespan yields: one per process, shared by every tool call."""

    transport: Transport
    default_section: str
    sections: tuple[str, ...]
    read_only: bool = False
    sandbox: Any = None  # alecs.sandbox.runner.SandboxThread with --sandbox, else None
    started_at: float = field(default_factory=time.time)


Ctx = Context[AppState, Any]
"""The type of the ``ctx`` parameter of every tool."""


def app_state(ctx: Context[Any, Any]) -> AppState:
    """The lifespan's :class:`AppState` for this request."""
    state = ctx.request_context.lifespan_context
    if not isinstance(state, AppState):  # pragma: no cover - a wiring mistake, not user input
        raise RuntimeError(
            "the alecs lifespan state is missing; build the server with build_server"
        )
    return state


# --------------------------------------------------------------------------- common arguments

Customer = Annotated[
    str | None,
    Field(
        description=(
            "Which .edgerc section (customer credentials) to use. Omit for the server's default "
            "section; network-diagnostics lists the configured sections."
        ),
        max_length=100,
    ),
]
"""The ``customer`` argument every Akamai tool takes (default ``None``: the default section)."""

AccountSwitchKey = Annotated[
    str | None,
    Field(
        description=(
            "Akamai account switch key, to act on another account with the same API client "
            "(partners and Akamai staff; e.g. '1-5C0YLB:1-8BYUX'). Omit to use the section's own "
            "account_key, if it has one."
        ),
        max_length=128,
        pattern=r"^([A-Za-z0-9][A-Za-z0-9:_\-]*)?$",
    ),
]
"""The optional ``account_switch_key`` argument every Akamai tool takes."""

ConfirmArg = Annotated[
    bool,
    Field(
        description=(
            "Only for clients that cannot show confirmation prompts: set true after the user has "
            "explicitly agreed to this change in the conversation. Clients with elicitation ask "
            "the user directly instead."
        ),
    ),
]
"""The ``confirm`` argument of every tool that uses :func:`confirmation`."""


# --------------------------------------------------------------------------- lenient arguments
# For ``BeforeValidator(...)`` on tool arguments: they accept what a model is likely to send.


def upper_text(value: Any) -> Any:
    """Text stripped and upper-cased (`staging` -> `STAGING`); anything else as given."""
    return value.strip().upper() if isinstance(value, str) else value


def int_as_text(value: Any) -> Any:
    """Ids typed as numbers (600001) are taken as text (`"600001"`); anything else as given."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def as_list(value: Any) -> Any:
    """One string where a list is expected becomes a list of one; anything else as given."""
    return [value] if isinstance(value, str) else value


class InputError(ToolError):
    """Bad tool input found inside a tool: names the field and what is allowed."""

    def __init__(self, field_name: str, problem: str, *, allowed: str | list[str] | None = None):
        self.field = field_name
        self.problem = problem
        if isinstance(allowed, list):
            allowed = ", ".join(allowed) if allowed else "none configured"
        self.allowed = allowed
        message = f"Invalid value for `{field_name}`: {problem}"
        if allowed:
            message += f". Allowed: {allowed}"
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": "InvalidInput",
            "field": self.field,
            "message": self.problem,
            "allowed": self.allowed,
        }


def resolve_section(ctx: Context[Any, Any], customer: str | None) -> str:
    """The .edgerc section a call acts for: ``customer`` if given (checked), else the default."""
    state = app_state(ctx)
    if customer is None or customer == "":
        return state.default_section
    if customer not in state.sections:
        raise InputError(
            "customer", f"no .edgerc section named {customer!r}", allowed=list(state.sections)
        )
    return customer


def service(
    ctx: Context[Any, Any],
    factory: Callable[..., T],
    customer: str | None,
    account_switch_key: str | None,
) -> T:
    """A service client (``alecs/akamai/<api>.py``) for this call's customer and account.

    Calls ``factory(transport, section, account_switch_key=account_switch_key)``.
    """
    state = app_state(ctx)
    section = resolve_section(ctx, customer)
    return factory(state.transport, section, account_switch_key=account_switch_key or None)


def normalize_id(value: str | int, prefix: str, *, field: str) -> str:
    """Accept what people type: ``prp_123``, ``PRP_123`` or ``123`` all become ``prp_123``."""
    text = str(value).strip()
    if text.lower().startswith(prefix.lower()):
        text = text[len(prefix) :]
    if not text or not re.fullmatch(r"[A-Za-z0-9\-]+", text):
        raise InputError(field, f"{value!r} is not an ID", allowed=f"{prefix}123 or 123")
    return prefix + text


# --------------------------------------------------------------------------- results


class ToolOutput(BaseModel):
    """Base of tool output models: structured content plus a short readable text.

    Override :meth:`summary` (one or a few lines a person can read) and, where useful,
    :meth:`result_meta` (extra ``_meta`` for dashboards and clients).
    """

    def summary(self) -> str:
        return type(self).__name__

    def result_meta(self) -> dict[str, Any] | None:
        return None


def to_result(value: Any) -> Any:
    """Turn a tool's return value into the ``CallToolResult`` the client gets.

    The first text block is the readable summary, the second the JSON of the structured content
    (for clients that ignore ``structuredContent``). That JSON is compact and serialized from
    the already dumped dict by pydantic-core (Rust): indented ``json.dumps`` runs CPython's
    pure-Python encoder, ~25x slower (37 ms for a 300 KB rule tree) and ~40% longer, so more
    tokens for the model to read.
    """
    if not isinstance(value, BaseModel):
        return value
    structured = value.model_dump(mode="json", by_alias=True)
    text = value.summary() if isinstance(value, ToolOutput) else type(value).__name__
    meta = value.result_meta() if isinstance(value, ToolOutput) else None
    content = [
        TextContent(type="text", text=text),
        TextContent(type="text", text=to_json(structured).decode()),
    ]
    return CallToolResult(content=content, structured_content=structured, _meta=meta)


def error_details(exc: AlecsError | InputError) -> dict[str, Any]:
    """The structured part of a tool error (no secrets: errors never carry credentials)."""
    details = exc.to_dict()
    if isinstance(exc, AkamaiApiError):
        details["method"] = exc.method or None
        details["path"] = exc.path or None
        if exc.retry_after is not None:
            details["retry_after"] = exc.retry_after
    return details


_ERROR_LABELS: tuple[tuple[type[AlecsError], str], ...] = (
    (CircuitOpenError, "Akamai API paused after repeated failures (circuit open)"),
    (RateLimitedError, "Rate limited"),
    (DeadlineExceededError, "Timed out"),
    (TransportError, "Network error"),
)


def error_text(exc: AlecsError) -> str:
    """Readable text of an error: status, title and detail first, as Akamai sent them."""
    if isinstance(exc, AkamaiApiError):
        lines = [f"Akamai API error: status {exc.status}" + (f", {exc.title}" if exc.title else "")]
        if exc.detail:
            lines.append(f"detail: {exc.detail}")
        for err in exc.errors[:10]:
            if isinstance(err, dict):
                text = err.get("detail") or err.get("title") or err.get("type")
                if text:
                    lines.append(f"- {text}")
        if exc.type:
            lines.append(f"type: {exc.type}")
        if exc.method and exc.path:
            lines.append(f"request: {exc.method} {exc.path}")
        if exc.request_id:
            lines.append(f"request id: {exc.request_id}")
        if exc.retry_after is not None:
            lines.append(f"retry after: {exc.retry_after:g} s")
        return "\n".join(lines)
    label = next((text for kind, text in _ERROR_LABELS if isinstance(exc, kind)), "Error")
    return (
        f"{label}: {exc}\nnetwork-diagnostics (probe: true) shows the state of the path to Akamai."
    )


def error_result(exc: AlecsError | InputError) -> CallToolResult:
    """A tool error (``isError``) carrying the error's text and, in ``_meta``, its fields."""
    text = str(exc) if isinstance(exc, InputError) else error_text(exc)
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        is_error=True,
        _meta={META_ERROR: error_details(exc)},
    )


# --------------------------------------------------------------------------- progress


class Progress:
    """Progress notifications for long operations; a no-op when the client did not ask.

    ``progress = Progress(ctx, total=100)`` then ``await progress(40, "PENDING on STAGING")``.
    Values only go up; reporting never fails the tool.
    """

    def __init__(self, ctx: Context[Any, Any], total: float | None = None) -> None:
        self._ctx = ctx
        self.total = total
        self.last = 0.0

    async def __call__(self, progress: float, message: str | None = None) -> None:
        progress = max(progress, self.last)
        self.last = progress
        try:
            await self._ctx.report_progress(progress, self.total, message)
        except Exception as exc:  # a vanished client must not fail the operation
            log.debug("progress notification not sent: %s", type(exc).__name__)


@dataclass
class PollOutcome:
    """What :func:`poll` ends with: the last state seen and whether it was final."""

    state: Any
    finished: bool
    polls: int
    waited_s: float


async def poll(
    fetch: Callable[[], Awaitable[T]],
    *,
    done: Callable[[T], bool],
    timeout_s: float,
    interval_s: float | Callable[[T], float] = 5.0,
    progress: Progress | None = None,
    describe: Callable[[T], str] = str,
    sleep: Callable[[float], Awaitable[Any]] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> PollOutcome:
    """Wait for long work (an activation, a DNS change) until ``done(state)`` or the timeout.

    ``interval_s`` may depend on the last state (for example Akamai's ``Retry-After``). A
    timeout is not an error: the caller returns the last state and says how to check again.
    Progress goes from 0 to 100 over the timeout, with ``describe(state)`` as the message.
    ``sleep`` and ``clock`` are injectable so tests drive time without waiting.
    """
    if sleep is None:
        import anyio

        sleep = anyio.sleep
    start = clock()
    polls = 0
    while True:
        state = await fetch()
        polls += 1
        elapsed = clock() - start
        finished = done(state)
        if progress is not None:
            share = 100.0 if finished else min(99.0, 100.0 * elapsed / max(timeout_s, 1e-9))
            await progress(share, describe(state))
        if finished:
            return PollOutcome(state, True, polls, elapsed)
        wait = interval_s(state) if callable(interval_s) else interval_s
        remaining = timeout_s - elapsed
        if remaining <= 0:
            return PollOutcome(state, False, polls, elapsed)
        await sleep(max(0.0, min(wait, remaining)))


# --------------------------------------------------------------------------- confirmation


class ConfirmForm(BaseModel):
    """What the user is asked (elicitation form)."""

    confirm: bool = Field(default=False, title="Confirm", description="Tick to go ahead.")


class Confirmed(BaseModel):
    """Injected into a confirmed tool: how the go-ahead was given."""

    how: Literal["elicitation", "argument", "not-required"]
    question: str | None = None


def _supports_elicitation(ctx: Context[Any, Any]) -> bool:
    caps = ctx.client_capabilities
    elicitation = caps.elicitation if caps is not None else None
    return elicitation is not None and (elicitation.form is not None or elicitation.url is None)


def confirmation(question: Callable[..., str | None]) -> Resolve:
    """A resolver that asks the user before a tool runs: ``Annotated[Confirmed, confirmation(q)]``.

    ``question`` takes tool arguments by name and returns the question, or ``None`` when this
    call needs no confirmation (for example a STAGING activation). With a client that supports
    elicitation the user is asked (both protocol generations: the SDK sends an elicitation
    request on 2025-11-25 and an input-required round on 2026-07-28). Otherwise the call needs
    ``confirm: true``. Declining, cancelling or not confirming raises a tool error and the tool
    body never runs, so nothing changes.
    """
    wanted = [
        name for name in inspect.signature(question).parameters if name not in ("ctx", "confirm")
    ]

    async def ask(**kwargs: Any) -> Any:
        ctx: Context[Any, Any] = kwargs.pop("ctx")
        confirm: bool = bool(kwargs.pop("confirm"))
        text = question(**kwargs)
        if text is None:
            return Confirmed(how="not-required")
        if _supports_elicitation(ctx):
            return Elicit(text, ConfirmForm)
        if confirm:
            return Confirmed(how="argument", question=text)
        raise ToolError(
            f"Confirmation required: {text} Nothing was changed. Ask the user; if they agree, "
            "call this tool again with the same arguments and confirm: true."
        )

    params = [
        inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=Context),
        inspect.Parameter("confirm", inspect.Parameter.KEYWORD_ONLY, annotation=bool),
    ] + [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY) for name in wanted]
    ask.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    ask.__annotations__ = {"ctx": Context, "confirm": bool}
    ask.__qualname__ = f"confirm.ask[{question.__qualname__}]"
    ask.__module__ = question.__module__

    async def check(answer: Any) -> Confirmed:
        if isinstance(answer, AcceptedElicitation):
            data = answer.data
            if isinstance(data, Confirmed):
                return data
            if isinstance(data, ConfirmForm) and data.confirm:
                return Confirmed(how="elicitation")
            outcome = "did not confirm"
        else:
            outcome = "declined" if answer.action == "decline" else "cancelled"
        raise ToolError(f"Not done: the user {outcome}. Nothing was changed.")

    check.__annotations__ = {
        "answer": Annotated[ElicitationResult[ConfirmForm], Resolve(ask)],
        "return": Confirmed,
    }
    check.__qualname__ = f"confirm.check[{question.__qualname__}]"
    check.__module__ = question.__module__
    check._alecs_confirmation = True  # type: ignore[attr-defined]
    return Resolve(check)


def _uses_confirmation(fn: Callable[..., Any]) -> bool:
    from mcp.server.mcpserver.resolve import find_resolved_parameters

    return any(
        getattr(marker.fn, "_alecs_confirmation", False)
        for marker, _ in find_resolved_parameters(fn).values()
    )


# --------------------------------------------------------------------------- registration

ToolKind = Literal["read", "write", "destructive"]


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


def check_tool_name(name: str) -> None:
    if len(name) > MAX_TOOL_NAME or not TOOL_NAME.match(name):
        raise ValueError(
            f"tool name {name!r}: use lowercase words joined by hyphens, object first then verb "
            f"(like 'property-activate'), at most {MAX_TOOL_NAME} characters"
        )


ErrorMap = Mapping[type[Exception], Callable[[Any], ToolError]]
"""Exception type -> the tool error it becomes (see :class:`ToolRegistrar`)."""


class ToolRegistrar:
    """Declares a module's tools on the server with alecs' conventions.

    ``read`` tools are always registered; ``write`` and ``destructive`` ones are left out when
    the server runs ``--read-only``. Every tool maps a service client's input problem
    (:class:`alecs.akamai._base.AkamaiInputError`) to :class:`InputError`; ``errors`` adds the
    module's own exception types and the tool errors they become.
    """

    def __init__(
        self,
        server: MCPServer[Any],
        *,
        read_only: bool,
        errors: ErrorMap | None = None,
    ) -> None:
        self.server = server
        self.read_only = read_only
        self.errors: ErrorMap = dict(errors or {})
        self.names: list[str] = []

    def read(self, name: str, *, title: str, open_world: bool = True) -> Callable[[F], F]:
        return self._register(name, tool_annotations("read", title=title, open_world=open_world))

    def write(
        self,
        name: str,
        *,
        title: str,
        idempotent: bool = False,
        destructive: bool = False,
        open_world: bool = True,
    ) -> Callable[[F], F]:
        annotations = tool_annotations(
            "write",
            title=title,
            idempotent=idempotent,
            destructive=destructive,
            open_world=open_world,
        )
        return self._register(name, annotations, write=True)

    def destructive(
        self, name: str, *, title: str, idempotent: bool = False, open_world: bool = True
    ) -> Callable[[F], F]:
        annotations = tool_annotations(
            "destructive", title=title, idempotent=idempotent, open_world=open_world
        )
        return self._register(name, annotations, write=True, needs_confirmation=True)

    def _register(
        self,
        name: str,
        annotations: ToolAnnotations,
        *,
        write: bool = False,
        needs_confirmation: bool = False,
    ) -> Callable[[F], F]:
        check_tool_name(name)

        def decorator(fn: F) -> F:
            if not inspect.iscoroutinefunction(fn):
                raise TypeError(f"tool {name!r}: define it with 'async def'")
            if needs_confirmation and not _uses_confirmation(fn):
                raise TypeError(
                    f"tool {name!r}: a destructive tool takes "
                    "'confirmed: Annotated[Confirmed, confirmation(question)]'"
                )
            if write and self.read_only:
                return fn
            self.server.add_tool(
                wrap_tool(fn, name, self.errors),
                name=name,
                title=annotations.title,
                description=inspect.cleandoc(fn.__doc__ or ""),
                annotations=annotations,
            )
            self.names.append(name)
            return fn

        return decorator


def wrap_tool(
    fn: Callable[..., Awaitable[Any]], name: str, errors: ErrorMap | None = None
) -> Callable[..., Awaitable[Any]]:
    """Wrap a tool body: output models to results, alecs errors to tool errors.

    An input problem a service client found (:class:`AkamaiInputError`) becomes an
    :class:`InputError` with its field, problem and allowed values. ``errors`` maps further
    exception types of the module to the tool error to raise instead (the first match wins).

    The wrapper keeps the signature (``functools.wraps``), so the SDK derives the same input and
    output schemas from it.
    """
    translations = dict(errors or {})

    async def call(kwargs: dict[str, Any]) -> Any:
        try:
            return await fn(**kwargs)
        except AkamaiInputError as exc:
            raise InputError(exc.field, exc.problem, allowed=exc.allowed) from None
        except tuple(translations) as exc:
            translate = next(t for k, t in translations.items() if isinstance(exc, k))
            raise translate(exc) from None

    @functools.wraps(fn)
    async def tool(**kwargs: Any) -> Any:
        try:
            result = await call(kwargs)
        except InputError as exc:
            log.info("tool %s: invalid %s", name, exc.field)
            return error_result(exc)
        except AlecsError as exc:
            status = getattr(exc, "status", None)
            log.info(
                "tool %s failed: %s%s", name, type(exc).__name__, f" {status}" if status else ""
            )
            return error_result(exc)
        return to_result(result)

    return tool

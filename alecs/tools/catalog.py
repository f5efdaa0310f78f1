"""Catalog tools: every Akamai API operation through four tools (toolset `catalog`).

- `api-search`: plain words to ranked operations (method, path, summary, API).
- `api-describe`: one operation: parameters with types and required flags, the body schema
  trimmed to what a model needs, an example call, media types, whether it writes.
- `api-read`: any operation that changes nothing (GET, and POSTs the catalog marks read-only,
  such as searches and Edge Diagnostics runs); offered under --read-only too.
- `api-call`: any method. Validated against the operation before anything is sent (an unknown
  path names the nearest operations; a missing or mistyped parameter or body field is a tool
  error naming it); sent through the one Transport with the operation's rate-limit family.

Confirmation policy of `api-call` (the curated tools' rule: production changes and deletions
ask): DELETE always asks; a write asks when it targets PRODUCTION, read from the path (a
`production` segment: `/ccu/v3/delete/url/production`, `.../environments/PRODUCTION/activate`),
the query (`network=PRODUCTION`) or the body (`network`, `environment`, `targetNetwork` and the
like, at the top or one level down, equal to PRODUCTION/PROD); Global Traffic Management has no
staging network, so its writes ask too. Like `purge-invalidate`, Fast Purge invalidation never
asks (content is revalidated, not removed); like `dns-record-upsert`, Edge DNS changes other than
deletions do not ask. `dry_run: true` validates and
returns the request without sending it (and without asking). Operations that only read (GET,
and POSTs the catalog marks as not writing, such as searches and diagnostics) never ask.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlsplit

from pydantic import BaseModel, BeforeValidator, Field

from alecs import catalog
from alecs.akamai._base import JsonValue
from alecs.catalog import Operation, UnknownOperation
from alecs.catalog.model import default_catalog
from alecs.catalog.validate import validate_request
from alecs.tools._common import (
    AccountSwitchKey,
    ConfirmArg,
    Confirmed,
    Ctx,
    Customer,
    InputError,
    ToolOutput,
    app_state,
    confirmation,
    resolve_section,
    tool,
    upper_text,
)

MAX_BODY_CHARS = 200_000
_USEFUL_HEADERS = (
    "content-type",
    "location",
    "etag",
    "last-modified",
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "akamai-ratelimit-next",
    "x-request-id",
    "x-akamai-request-id",
    "link",
)
_NETWORK_FIELDS = {"network", "environment", "targetnetwork", "targetenvironment", "env"}
# GTM has no staging network: every change is live at once.
_LIVE_APIS = {"config-gtm"}
# Writes whose curated twin never asks (purge-invalidate: stale content is revalidated, the
# routine and safe way to refresh content).
_NEVER_ASK = ("/ccu/v3/invalidate/",)

# --------------------------------------------------------------------------- arguments

Method = Annotated[
    Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    BeforeValidator(upper_text),
    Field(description="HTTP method of the operation."),
]
Path = Annotated[
    str,
    Field(
        min_length=2,
        max_length=2000,
        pattern=r"^/",
        description="Concrete path with the API's base path, e.g. /appsec/v1/configs/12/versions"
        " (a ?query is allowed).",
    ),
]
Query = Annotated[
    dict[str, str | int | float | bool | list[str | int]] | None,
    Field(description="Query parameters by their spec names."),
]
Body = Annotated[
    dict[str, Any] | list[Any] | str | None,
    Field(description="Request body: JSON, or text for non-JSON media types."),
]
Headers = Annotated[
    dict[str, str] | None,
    Field(description="Extra headers, e.g. Content-Type/Accept for vendor media types, If-Match."),
]
ApiFilter = Annotated[
    str | None,
    Field(max_length=80, description="Only this API (appsec, edgeworkers, config-gtm/v1, ...)."),
]


# --------------------------------------------------------------------------- outputs


class ApiHit(BaseModel):
    method: str
    path: str
    summary: str
    api: str
    operation_id: str
    writes: bool


class ApiSearchResult(ToolOutput):
    """Ranked operations; describe one with api-describe, call it with api-read/api-call."""

    query: str
    hits: list[ApiHit]

    def summary(self) -> str:
        if not self.hits:
            return f"No operation matches {self.query!r}."
        lines = [f"{len(self.hits)} operation(s) for {self.query!r}:"]
        lines += [f"- {h.method} {h.path}: {h.summary} ({h.api})" for h in self.hits]
        return "\n".join(lines)


class ApiDescription(ToolOutput):
    """One operation as api-describe shows it."""

    operation: dict[str, Any]

    def summary(self) -> str:
        op = self.operation
        req = [p["name"] for p in op.get("parameters", []) if p.get("required")]
        writes = "changes things" if op.get("writes") else "read-only"
        need = f"; required: {', '.join(req)}" if req else ""
        body = "; takes a body" if op.get("body") else ""
        return f"{op['method']} {op['path']}: {op['summary']} ({writes}{need}{body})"


class ApiCallResult(ToolOutput):
    """The answer of one API call (or, with dry_run, the request that would be sent)."""

    status: int | None = Field(description="HTTP status; null on a dry run.")
    operation: str = Field(description="METHOD /path/template of the matched operation.")
    api: str
    headers: dict[str, str] = Field(default_factory=dict)
    body: JsonValue = Field(None, description="JSON, or text for other media types.")
    truncated: bool = False
    dry_run: bool = False
    request: dict[str, Any] | None = None

    def summary(self) -> str:
        if self.dry_run:
            return f"Dry run: {self.operation} validated; nothing was sent."
        size = ""
        if isinstance(self.body, list):
            size = f", {len(self.body)} items"
        elif isinstance(self.body, dict):
            size = f", {len(self.body)} fields"
        cut = " (body truncated)" if self.truncated else ""
        return f"{self.operation} -> {self.status}{size}{cut}"


# --------------------------------------------------------------------------- helpers

_RESERVED_HEADERS = {"authorization", "host", "content-length", "transfer-encoding", "connection"}
# RFC 9110: a header name is a token; a value is visible ASCII, spaces and tabs (no CR or LF).
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_HEADER_VALUE = re.compile(r"^[\t\x20-\x7e]*$")

# Required headers alecs fills in when the call leaves them out (the curated tools' defaults).
HEADER_DEFAULTS = {"papi-use-prefixes": "true"}


@dataclass(frozen=True)
class Prepared:
    """A validated request: the operation, the path without its query, the query, the headers
    (defaults filled in), the body as it will be sent and whether it goes as JSON."""

    op: Operation
    path: str
    query: dict[str, Any]
    headers: dict[str, str]
    body: Any
    as_json: bool


def _split(path: str, query: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    parts = urlsplit(path)
    merged: dict[str, Any] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        merged[key] = [*merged[key], value] if isinstance(merged.get(key), list) else value
    for key, value in (query or {}).items():
        merged[key] = value
    return parts.path, merged


def _query_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [_query_text(v) for v in value]
    return str(value)


def _resolve(method: str, path: str) -> tuple[Operation, dict[str, str]]:
    """The operation and path parameters, or an InputError naming the nearest operations."""
    found = catalog.match(method, path)
    if found is not None:
        return found.operation, found.path_params
    near = catalog.nearest(default_catalog(), method, path)
    other = [o for o in near if o.regex.match(path)]
    if other:
        methods = sorted(
            {
                o.method
                for o in default_catalog().operations(other[0].api.name)
                if o.regex.match(path)
            }
        )
        raise InputError(
            "method",
            f"{path} has no {method} operation; it takes {', '.join(methods)}",
            allowed=methods,
        )
    raise InputError(
        "path",
        f"no Akamai API operation matches {method} {path}; nearest: "
        + "; ".join(f"{o.ref} ({o.summary})" for o in near),
        allowed="a path from api-search or api-describe, base path included",
    )


def _check(
    method: str,
    path: str,
    query: dict[str, Any] | None,
    body: Any,
    headers: dict[str, str] | None,
    *,
    read_only: bool = False,
) -> Prepared:
    clean, merged = _split(path, query)
    for name, value in (headers or {}).items():
        if not _HEADER_NAME.match(name):
            raise InputError(
                f"headers.{name}",
                "not a valid header name",
                allowed="letters, digits and !#$%&'*+-.^_`|~ (no spaces, at least one character)",
            )
        if name.lower() in _RESERVED_HEADERS:
            raise InputError(
                f"headers.{name}", "set by alecs (signing and transport); leave it out"
            )
        if not _HEADER_VALUE.match(value):
            raise InputError(
                f"headers.{name}",
                "the value has characters a header cannot carry (line breaks, control "
                "characters or non-ASCII text)",
                allowed="printable ASCII, spaces and tabs",
            )
    if "accountSwitchKey" in merged:
        raise InputError("query.accountSwitchKey", "pass it as `account_switch_key` instead")
    op, params = _resolve(method, clean)
    if read_only and op.writes:
        raise InputError(
            "method", f"{op.ref} ({op.summary}) changes things: use api-call", allowed="GET"
        )
    if not op.api.edgegrid:
        raise InputError("path", f"{op.api.title} is not served on the EdgeGrid API host")
    media = list((op.body or {}).get("media") or [])
    as_json = body is not None and (
        not isinstance(body, str) or not media or any("json" in m or m == "*/*" for m in media)
    )
    if as_json and isinstance(body, str):
        try:  # a JSON document passed as text
            body = json.loads(body)
        except ValueError:
            pass  # a JSON string value
    headers = dict(headers or {})
    given = {k.lower() for k in headers}
    for p in op.params:
        default = HEADER_DEFAULTS.get(p.name.lower(), p.schema.get("default"))
        if p.where == "header" and p.required and p.name.lower() not in given and default:
            headers[p.name] = str(default).lower() if isinstance(default, bool) else str(default)
    problems = validate_request(
        op,
        path_params=params,
        query={k: _query_text(v) for k, v in merged.items()},
        body=body,
        headers=headers,
    )
    if problems:
        first = problems[0]
        rest = "; ".join(str(p) for p in problems[1:5])
        message = first.message + (f" (also: {rest})" if rest else "")
        hint = None if "allowed:" in message else f"see api-describe {op.ref!r}"
        raise InputError(first.field, message, allowed=hint)
    return Prepared(op, clean, merged, headers, body, as_json)


def _is_production(value: Any) -> bool:
    return isinstance(value, str) and value.strip().upper() in ("PRODUCTION", "PROD")


def _targets_production(path: str, query: dict[str, Any] | None, body: Any) -> bool:
    clean, merged = _split(path, query)
    if any(seg.lower() == "production" for seg in clean.split("/")):
        return True
    if any(_is_production(v) for k, v in merged.items() if k.lower() in _NETWORK_FIELDS):
        return True
    layers = [body] if isinstance(body, dict) else []
    if isinstance(body, dict):
        layers += [v for v in body.values() if isinstance(v, dict)]
    return any(
        _is_production(v)
        for layer in layers
        for k, v in layer.items()
        if k.lower() in _NETWORK_FIELDS
    )


def _ask_call(
    method: str,
    path: str,
    query: dict[str, Any] | None,
    body: Any,
    headers: dict[str, str] | None,
    dry_run: bool,
) -> str | None:
    """The question before a write (None: this call needs none, or it is invalid and the tool
    body refuses it before anything is sent)."""
    method = str(method).strip().upper()
    if dry_run or method in ("GET", "HEAD"):
        return None
    clean, _ = _split(path, query)
    try:
        op = _check(method, path, query, body, headers).op
    except InputError:
        return None  # the tool body names the problem; nothing is sent
    if method == "DELETE":
        return f"Delete via {op.ref} ({op.summary}) at {clean}? This cannot be undone."
    if not op.writes or clean.startswith(_NEVER_ASK):
        return None
    if _targets_production(path, query, body):
        return f"{op.summary} on PRODUCTION ({method} {clean})? This changes the live site."
    if op.api.api in _LIVE_APIS:
        return f"{op.summary} ({method} {clean})? {op.api.title} changes take effect at once."
    return None


def _decode(response: Any) -> tuple[Any, bool]:
    ctype = response.headers.get("content-type", "")
    raw = response.content
    if not raw:
        return None, False
    if "json" in ctype:
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        else:
            text = json.dumps(value)
            if len(text) <= MAX_BODY_CHARS:
                return value, False
            return text[:MAX_BODY_CHARS], True
    if ctype.startswith("text/") or "xml" in ctype or "csv" in ctype or not ctype:
        text = raw.decode("utf-8", "replace")
        return text[:MAX_BODY_CHARS], len(text) > MAX_BODY_CHARS
    return f"({len(raw)} bytes of {ctype})", False


async def _send(
    ctx: Ctx, req: Prepared, customer: str | None, account_switch_key: str | None
) -> ApiCallResult:
    op, method = req.op, req.op.method
    state = app_state(ctx)
    section = resolve_section(ctx, customer)
    json_body = req.body if req.as_json else None
    content = req.body.encode() if isinstance(req.body, str) and not req.as_json else None
    send_headers = dict(req.headers)
    if content is not None and not any(k.lower() == "content-type" for k in send_headers):
        media = list((op.body or {}).get("media") or ["text/plain"])
        send_headers["Content-Type"] = media[0]
    response = await state.transport.request(
        section,
        method,
        req.path,
        params={k: _query_text(v) for k, v in req.query.items()} or None,
        json=json_body,
        content=content,
        headers=send_headers or None,
        account_switch_key=account_switch_key or None,
        api_family=op.family,
    )
    value, truncated = _decode(response)
    useful = {k: v for k, v in response.headers.items() if k.lower() in _USEFUL_HEADERS}
    return ApiCallResult(
        status=response.status_code,
        operation=op.ref,
        api=op.api.name,
        headers=useful,
        body=value,
        truncated=truncated,
    )


# --------------------------------------------------------------------------- tools


@tool(
    "api-search",
    toolset="catalog",
    kind="read",
    title="Search Akamai API operations",
    open_world=False,
)
async def api_search(
    query: Annotated[
        str,
        Field(min_length=1, max_length=300, description="Plain words: 'security configurations'."),
    ],
    api: ApiFilter = None,
    limit: Annotated[int, Field(ge=1, le=25)] = 8,
) -> ApiSearchResult:
    """Find operations of every Akamai API (1,600+) by plain words, best first.

    Use for anything the curated tools do not cover; then api-describe one and call it."""
    if api is not None and default_catalog().find_api(api) is None:
        known = sorted({a.api for a in default_catalog().apis()})
        raise InputError("api", f"unknown API {api!r}", allowed=known)
    hits = catalog.search(query, api=api, limit=limit)
    return ApiSearchResult(
        query=query,
        hits=[
            ApiHit(
                method=h.operation.method,
                path=h.operation.path,
                summary=h.operation.summary,
                api=h.operation.api.name,
                operation_id=h.operation.id,
                writes=h.operation.writes,
            )
            for h in hits
        ],
    )


@tool(
    "api-describe",
    toolset="catalog",
    kind="read",
    title="Describe an Akamai API operation",
    open_world=False,
)
async def api_describe(
    operation: Annotated[
        str,
        Field(
            min_length=1,
            max_length=2000,
            description="'METHOD /path/template' (from api-search) or an operationId.",
        ),
    ],
    api: ApiFilter = None,
) -> ApiDescription:
    """Parameters (types, required), body schema, an example call, media types, writes."""
    try:
        described = catalog.describe(operation, api=api)
    except UnknownOperation as exc:
        near = [f"{o.ref} ({o.api.name})" for o in exc.candidates[:5]]
        raise InputError("operation", str(exc), allowed=near) from None
    except KeyError as exc:
        raise InputError("api", str(exc.args[0])) from None
    return ApiDescription(operation=described)


@tool("api-read", toolset="catalog", kind="read", title="Read from any Akamai API")
async def api_read(
    ctx: Ctx,
    path: Path,
    method: Annotated[
        Literal["GET", "POST"],
        BeforeValidator(upper_text),
        Field(description="GET, or POST for read-only operations (searches, diagnostics)."),
    ] = "GET",
    query: Query = None,
    body: Body = None,
    headers: Headers = None,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
) -> ApiCallResult:
    """Call an operation that changes nothing (see api-search): any GET, or a POST the catalog
    marks read-only. Validated first. Also offered under --read-only."""
    req = _check(method, path, query, body, headers, read_only=True)
    return await _send(ctx, req, customer, account_switch_key)


@tool(
    "api-call",
    toolset="catalog",
    kind="write",
    destructive=True,
    title="Call any Akamai API operation",
)
async def api_call(
    ctx: Ctx,
    confirmed: Annotated[Confirmed, confirmation(_ask_call)],
    method: Method,
    path: Path,
    query: Query = None,
    body: Body = None,
    headers: Headers = None,
    dry_run: Annotated[
        bool, Field(description="Validate and show the request; send nothing.")
    ] = False,
    customer: Customer = None,
    account_switch_key: AccountSwitchKey = None,
    confirm: ConfirmArg = False,
) -> ApiCallResult:
    """Call any catalog operation (find it with api-search, read api-describe first).

    Validated against the spec before anything is sent. DELETE and PRODUCTION changes ask."""
    req = _check(method, path, query, body, headers)
    op = req.op
    if dry_run:
        return ApiCallResult(
            status=None,
            operation=op.ref,
            api=op.api.name,
            dry_run=True,
            request={
                "method": op.method,
                "path": req.path,
                "query": {k: _query_text(v) for k, v in req.query.items()},
                "headers": req.headers,
                "body": req.body,
                "writes": op.writes,
                "rate_limit_family": op.family,
            },
        )
    return await _send(ctx, req, customer, account_switch_key)

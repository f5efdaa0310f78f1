"""The spec-driven responder: answers every Akamai operation that has no stateful simulator.

The sandbox calls `spec_response` for a request that matches no simulator route, after the
EdgeGrid signature was verified and the rate limits, faults and counters applied, so all of them
hold for these operations too. It returns `(status, headers, body)` when `method` and `path` are
an operation of an Akamai API, or None when they are not (the sandbox then answers a 404 whose
body says the path is no operation of any Akamai API, or a 405 when only the method is wrong).

What it answers, from the operation catalog (`alecs.catalog`, compiled from Akamai's specs):
- the request validated against the operation: a missing or mistyped parameter, an unknown query
  parameter or a body field the schema does not allow gets a 400 problem+json naming the field
  (the shape Akamai's APIs answer with: `type`, `title`, `status`, `detail`, `errors[]`);
- else the documented success status with a body that validates against the operation's
  response schema: the spec's example when it validates, else one built from the schema; path
  identifiers of the request (`configId`, `edgeWorkerId`, ...) are echoed into the body where
  the body has a field of that name and the value fits, so any well-formed identifier works.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote

from alecs.catalog.match import match as catalog_match
from alecs.catalog.model import Catalog, Operation, default_catalog
from alecs.catalog.schema import deref, is_valid, sample
from alecs.catalog.validate import coerce, validate_request

_lock = threading.Lock()
_bodies: dict[tuple[int, str], Any] = {}


def spec_response(
    method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
) -> tuple[int, dict[str, str], bytes] | None:
    """The answer of the operation `method path` per its API's OpenAPI spec, or None.

    `path` is the raw request path (percent-escapes kept), `query` the raw query string without
    `?`, `headers` the request headers with lowercase names, `body` the request body.
    """
    return respond(default_catalog(), method, path, query, headers, body)


def allowed_methods(path: str) -> list[str]:
    """The methods the catalog documents for `path` (for a 405's `Allow` header when the
    method of a request is the only thing wrong); empty when no operation has this path."""
    from urllib.parse import urlsplit

    from alecs.catalog.match import candidates

    clean = urlsplit(path).path or "/"
    cat = default_catalog()
    return sorted({op.method for op in candidates(cat, clean) if op.regex.match(clean)})


def respond(
    catalog: Catalog,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
) -> tuple[int, dict[str, str], bytes] | None:
    found = catalog_match(catalog, method, path)
    if found is None:
        return None
    op = found.operation
    lower = {k.lower(): v for k, v in headers.items()}
    params: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key in params:
            prev = params[key]
            params[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            params[key] = value
    parsed: Any = None
    body_given = bool(body)
    ctype = lower.get("content-type", "")
    if body:
        if "json" in ctype or (not ctype and body.lstrip()[:1] in (b"{", b"[")):
            try:
                parsed = json.loads(body)
            except ValueError as exc:
                return problem(op, path, "body", f"the request body is not valid JSON: {exc}")
        else:
            parsed = body
    problems = validate_request(
        op,
        path_params=found.path_params,
        query=params,
        body=parsed,
        headers=lower,
        body_given=body_given,
    )
    if problems:
        first = problems[0]
        return problem(
            op,
            path,
            first.field,
            "; ".join(str(p) for p in problems[:5]),
            errors=[{"field": p.field, "detail": p.message} for p in problems[:20]],
        )
    return success(op, path, found.path_params, lower)


def problem(
    op: Operation,
    path: str,
    field: str,
    detail: str,
    *,
    errors: list[dict[str, str]] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """A 400 problem+json the way Akamai's APIs answer a malformed request."""
    doc = {
        "type": f"https://problems.luna.akamaiapis.net/{op.api.api}/bad-request",
        "title": "Bad Request",
        "status": 400,
        "detail": detail,
        "instance": unquote(path),
        "field": field,
        "errors": errors or [{"field": field, "detail": detail}],
    }
    return 400, {"content-type": "application/problem+json"}, json.dumps(doc).encode()


def _media(op: Operation, accept: str) -> str:
    media = list((op.response or {}).get("media") or [])
    if not media:
        return ""
    for m in media:
        if m in accept:
            return m
    json_media = [m for m in media if "json" in m]
    chosen = (json_media or media)[0]
    return "application/json" if chosen == "*/*" else chosen


def response_body(op: Operation) -> Any:
    """The operation's success body: its valid example, else one built from the schema."""
    key = (id(op), op.ref)
    with _lock:
        if key in _bodies:
            return _bodies[key]
    resp = op.response or {}
    schema = resp.get("schema")
    if "example" in resp:
        value = resp["example"]
    elif schema:
        value = sample(schema, op.defs)
    else:
        value = None
    with _lock:
        _bodies[key] = value
    return value


def _echo_ids(op: Operation, value: Any, path_params: Mapping[str, str]) -> Any:
    """Put the request's identifiers where the body has a field of that name."""
    schema = (op.response or {}).get("schema")
    if not isinstance(value, dict) or not path_params or not schema:
        return value
    props = deref(schema, op.defs).get("properties") or {}
    out = dict(value)
    for name, raw in path_params.items():
        if name in out and name in props:
            typed = coerce(raw, props[name], op.defs)
            if type(typed) is type(out[name]):
                out[name] = typed
    if out != value and not is_valid(schema, out, op.defs):
        return value
    return out


def success(
    op: Operation, path: str, path_params: Mapping[str, str], headers: Mapping[str, str]
) -> tuple[int, dict[str, str], bytes]:
    status = op.status
    out_headers: dict[str, str] = {}
    if status in (201, 202) and op.method == "POST":
        out_headers["location"] = unquote(path).rstrip("/") + "/1"
    if status == 204 or op.method == "HEAD":
        return status, out_headers, b""
    media = _media(op, headers.get("accept", ""))
    value = response_body(op)
    if value is None:
        if media and "json" in media:
            return status, {**out_headers, "content-type": media}, b"{}"
        return status, out_headers, b""
    if "json" in media or not media:
        value = _echo_ids(op, value, path_params)
        out_headers["content-type"] = media or "application/json"
        return status, out_headers, json.dumps(value).encode()
    out_headers["content-type"] = media
    text = value if isinstance(value, str) else json.dumps(value)
    return status, out_headers, text.encode()

"""One operation, described for a model: parameters, a trimmed body schema, an example."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from alecs.catalog.model import Operation
from alecs.catalog.schema import deref, is_valid, merge_all_of, sample, types_of
from alecs.catalog.validate import coerce

_MAX_DEPTH = 4
_MAX_PROPS = 40


def type_text(schema: Any, defs: Mapping[str, Any]) -> str:
    """`string`, `integer (1..100)`, `enum: A|B`, `array of string`, `object`."""
    schema = deref(schema, defs)
    if not isinstance(schema, dict) or not schema:
        return "any"
    if "enum" in schema:
        return "enum: " + "|".join(str(v) for v in schema["enum"][:15])
    if "allOf" in schema:
        return type_text(merge_all_of(schema, defs), defs)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return " or ".join(type_text(s, defs) for s in schema[key][:4])
    types = types_of(schema) or ["any"]
    text = "/".join(types)
    if "array" in types:
        text = "array of " + type_text(schema.get("items", {}), defs)
    extras = []
    if "format" in schema:
        extras.append(str(schema["format"]))
    if "minimum" in schema or "maximum" in schema:
        extras.append(f"{schema.get('minimum', '')}..{schema.get('maximum', '')}")
    if "pattern" in schema and len(str(schema["pattern"])) < 60:
        extras.append(f"pattern {schema['pattern']}")
    if "default" in schema and not isinstance(schema["default"], dict | list):
        extras.append(f"default {schema['default']}")
    return f"{text} ({', '.join(extras)})" if extras else text


def outline(
    schema: Any,
    defs: Mapping[str, Any],
    depth: int = 0,
    stack: tuple[str, ...] = (),
    *,
    request: bool = True,
) -> Any:
    """A trimmed, ref-free view of a schema: fields with type, required flag and a short note;
    read-only fields left out of request bodies; deep or recursive parts summarised."""
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str):
        if ref in stack:
            return {"type": "(recursive: same as above)"}
        stack = (*stack, ref)
    schema = deref(schema, defs)
    if not isinstance(schema, dict):
        return "any"
    if "allOf" in schema:
        schema = merge_all_of(schema, defs)
    for key in ("oneOf", "anyOf"):
        if key in schema and "properties" not in schema:
            return {
                key: [outline(s, defs, depth + 1, stack, request=request) for s in schema[key][:4]]
            }
    types = types_of(schema)
    if "object" in types or "properties" in schema:
        props = schema.get("properties") or {}
        if depth >= _MAX_DEPTH:
            return f"object ({len(props)} fields)" if props else "object"
        required = set(schema.get("required") or [])
        fields: dict[str, Any] = {}
        for name, sub in list(props.items())[:_MAX_PROPS]:
            resolved = deref(sub, defs)
            if request and isinstance(resolved, dict) and resolved.get("readOnly"):
                continue
            entry = outline(sub, defs, depth + 1, stack, request=request)
            if isinstance(entry, str):
                entry = {"type": entry}
            if name in required:
                entry = {**entry, "required": True}
            note = resolved.get("description") if isinstance(resolved, dict) else None
            if note and depth < 2:
                entry = {**entry, "note": note}
            fields[name] = entry
        out: dict[str, Any] = {"type": "object", "fields": fields}
        if len(props) > _MAX_PROPS:
            out["more_fields"] = len(props) - _MAX_PROPS
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict) and not props:
            out["values"] = outline(extra, defs, depth + 1, stack, request=request)
        return out
    if "array" in types:
        return {
            "type": "array",
            "items": outline(schema.get("items", {}), defs, depth + 1, stack, request=request),
        }
    return type_text(schema, defs)


def example_for(op: Operation) -> Any:
    """The spec's request example when it validates, else one built from the schema."""
    body = op.body or {}
    if "example" in body:
        return body["example"]
    schema = body.get("schema")
    if not schema:
        return None
    value = sample(schema, op.defs)
    return value


def describe_operation(op: Operation, *, max_bytes: int = 12000) -> dict[str, Any]:
    info = op.api
    params = [
        {
            "name": p.name,
            "in": p.where,
            "required": p.required,
            "type": type_text(p.schema, op.defs),
            **({"description": p.description} if p.description else {}),
        }
        for p in op.params
    ]
    out: dict[str, Any] = {
        "api": info.name,
        "api_title": info.title,
        "operation_id": op.id,
        "method": op.method,
        "path": op.path,
        "summary": op.summary,
        "description": op.description,
        "writes": op.writes,
        "rate_limit_family": info.family,
        "parameters": params,
        "success_status": op.status,
    }
    if op.deprecated:
        out["deprecated"] = True
    if op.body:
        body: dict[str, Any] = {
            "required": bool(op.body.get("required")),
            "media_types": list(op.body.get("media") or []),
        }
        if op.body.get("schema"):
            body["schema"] = outline(op.body["schema"], op.defs)
        out["body"] = body
    req = example_request(op)
    out["example_call"] = {k: v for k, v in req.items() if v not in (None, {}, "")}
    if op.response:
        resp: dict[str, Any] = {"media_types": list(op.response.get("media") or [])}
        if op.response.get("schema"):
            resp["schema"] = outline(op.response["schema"], op.defs, request=False)
        out["response"] = resp
    # Keep the answer within budget: drop the deepest parts first.
    for key in (("response", "schema"), ("example_call", "body"), ("body", "schema")):
        if len(json.dumps(out, default=str)) <= max_bytes:
            break
        holder = out.get(key[0])
        if isinstance(holder, dict) and key[1] in holder:
            holder[key[1]] = "(too large to show; see the API reference)"
    return out


def _param_value(p: Any, defs: Mapping[str, Any]) -> Any:
    if p.example is not None and not isinstance(p.example, bool):
        if is_valid(p.schema, coerce(str(p.example), p.schema, defs), defs):
            return p.example
    return sample(p.schema, defs, p.name) if p.schema else "1"


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_as_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def example_request(op: Operation) -> dict[str, Any]:
    """A request for `op` built from its spec: concrete `path` (base path included), required
    `query` parameters and headers as strings, and the example `body` (None without one)."""
    path = op.path
    query: dict[str, str] = {}
    headers: dict[str, str] = {}
    for p in op.params:
        if p.where == "path":
            value = _as_text(_param_value(p, op.defs))
            path = path.replace("{" + p.name + "}", quote(value, safe="") or "1")
        elif p.where == "query" and p.required:
            query[p.name] = _as_text(_param_value(p, op.defs))
        elif p.where == "header" and p.required:
            headers[p.name] = _as_text(_param_value(p, op.defs))
    body: Any = None
    media = list((op.body or {}).get("media") or [])
    json_media = [m for m in media if "json" in m or m == "*/*"]
    if op.body and json_media:
        body = example_for(op)
        if body is None:
            body = {}
        if json_media[0] not in ("application/json", "*/*"):
            headers["Content-Type"] = json_media[0]
    elif op.body and media:
        example = op.body.get("example")
        body = example if isinstance(example, str) else "example"
        headers["Content-Type"] = media[0]
    return {"method": op.method, "path": path, "query": query, "headers": headers, "body": body}

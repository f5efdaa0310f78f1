"""One operation, described for a model: parameters, a trimmed body schema, an example."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from alecs.catalog.model import Operation
from alecs.catalog.schema import deref, merge_all_of, sample, types_of

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
            ex = example_for(op)
            if ex is not None:
                body["example"] = ex
        out["body"] = body
    if op.response:
        resp: dict[str, Any] = {"media_types": list(op.response.get("media") or [])}
        if op.response.get("schema"):
            resp["schema"] = outline(op.response["schema"], op.defs, request=False)
        out["response"] = resp
    # Keep the answer within budget: drop the deepest parts first.
    for key in (("response", "schema"), ("body", "example"), ("body", "schema")):
        if len(json.dumps(out, default=str)) <= max_bytes:
            break
        holder = out.get(key[0])
        if isinstance(holder, dict) and key[1] in holder:
            holder[key[1]] = "(too large to show; see the API reference)"
    return out

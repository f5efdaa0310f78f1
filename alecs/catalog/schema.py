"""JSON Schema helpers over the catalog's compiled schemas (refs point into one API's `defs`).

`problems` validates and names each failing field by its JSON path; `sample` builds a value that
satisfies a schema (used by the sandbox's spec responder when the spec has no valid example).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import jsonschema

_REF = "#/$defs/"
_MAX_DEPTH = 8


def _root(schema: Any, defs: Mapping[str, Any]) -> Any:
    if isinstance(schema, bool):
        return schema
    root = dict(schema) if isinstance(schema, dict) else {}
    if defs:
        root["$defs"] = defs
    return root


def problems(schema: Any, instance: Any, defs: Mapping[str, Any], limit: int = 10) -> list[str]:
    """Human-readable problems, `at $.field[0].name: message`, most specific first."""
    if not schema:
        return []
    validator = jsonschema.Draft202012Validator(_root(schema, defs))
    errors = sorted(
        validator.iter_errors(instance), key=lambda e: (-len(e.absolute_path), e.message)
    )
    out: list[str] = []
    for err in errors[:limit]:
        best = jsonschema.exceptions.best_match([err]) or err
        out.append(f"at {json_path(best.absolute_path)}: {short_message(best)}")
    return out


def is_valid(schema: Any, instance: Any, defs: Mapping[str, Any]) -> bool:
    if not schema:
        return True
    return jsonschema.Draft202012Validator(_root(schema, defs)).is_valid(instance)


def json_path(path: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def short_message(err: jsonschema.ValidationError) -> str:
    msg = err.message
    if len(msg) > 200:
        msg = msg[:200] + "…"
    return msg


def deref(schema: Any, defs: Mapping[str, Any]) -> Any:
    seen = 0
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and seen < 20:
        ref = schema["$ref"]
        if not ref.startswith(_REF):
            return {}
        schema = defs.get(ref[len(_REF) :], {})
        seen += 1
    return schema


def types_of(schema: Any) -> list[str]:
    t = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [x for x in t if isinstance(x, str)]
    if isinstance(schema, dict):
        if "properties" in schema:
            return ["object"]
        if "items" in schema:
            return ["array"]
    return []


# -- sample values ----------------------------------------------------------------------------

_FORMATS = {
    "date-time": "2024-01-15T10:00:00Z",
    "date": "2024-01-15",
    "time": "10:00:00",
    "email": "user@example.com",
    "uri": "https://www.example.com/",
    "url": "https://www.example.com/",
    "hostname": "www.example.com",
    "ipv4": "192.0.2.10",
    "ipv6": "2001:db8::10",
    "uuid": "123e4567-e89b-12d3-a456-426614174000",
    "byte": "ZXhhbXBsZQ==",
    "int64": "1",
}


def sample(
    schema: Any, defs: Mapping[str, Any], name: str = "", depth: int = 0, minimal: bool = False
) -> Any:
    """A value valid for `schema` in most real cases: every field first, then only the
    required ones when that is what validates."""
    if depth == 0 and not minimal:
        full = _sample(schema, defs, name, 0, False)
        if is_valid(schema, full, defs):
            return full
        small = _sample(schema, defs, name, 0, True)
        return small if is_valid(schema, small, defs) else full
    return _sample(schema, defs, name, depth, minimal)


def _sample(schema: Any, defs: Mapping[str, Any], name: str, depth: int, minimal: bool) -> Any:
    if depth > _MAX_DEPTH or schema is True or not isinstance(schema, dict):
        return {} if depth <= _MAX_DEPTH else None
    schema = deref(schema, defs)
    if not isinstance(schema, dict):
        return None
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        values = [v for v in schema["enum"] if v is not None] or schema["enum"]
        for v in values:
            if is_valid(schema, v, defs):
                return v
        return values[0] if values else None
    if "default" in schema and is_valid(schema, schema["default"], defs):
        return schema["default"]
    if "allOf" in schema:
        merged = merge_all_of(schema, defs)
        return _sample(merged, defs, name, depth + 1, minimal)
    for key in ("oneOf", "anyOf"):
        if schema.get(key):
            base = {k: v for k, v in schema.items() if k != key}
            for alt in schema[key]:
                for small in (minimal, True):
                    merged = _merge(base, deref(alt, defs), defs)
                    candidate = _sample(merged, defs, name, depth + 1, small)
                    if is_valid(schema, candidate, defs):
                        return candidate
            merged = _merge(base, deref(schema[key][0], defs), defs)
            return _sample(merged, defs, name, depth + 1, minimal)
    types = [t for t in types_of(schema) if t != "null"]
    kind = types[0] if types else ("object" if "properties" in schema else "string")
    if kind == "object":
        return _sample_object(schema, defs, depth, minimal)
    if kind == "array":
        item = schema.get("items", {})
        count = max(1, int(schema.get("minItems", 1) or 1))
        if depth >= _MAX_DEPTH - 2 and not schema.get("minItems"):
            return []
        items = [_sample(item, defs, name, depth + 1, minimal) for _ in range(count)]
        if schema.get("uniqueItems") and count > 1:
            items = [_vary(v, i) for i, v in enumerate(items)]
        maximum = schema.get("maxItems")
        return items[:maximum] if isinstance(maximum, int) else items
    if kind in ("integer", "number"):
        return _sample_number(schema, kind)
    if kind == "boolean":
        return True
    return _sample_string(schema, name)


def _vary(value: Any, i: int) -> Any:
    if isinstance(value, dict) and i:
        for key, v in value.items():
            if isinstance(v, str | int) and not isinstance(v, bool):
                return {**value, key: _vary(v, i)}
        return value
    if isinstance(value, str):
        return f"{value}{i}" if i else value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value + i
    return value


def merge_all_of(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> dict[str, Any]:
    merged = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema.get("allOf") or []:
        part = deref(part, defs)
        if isinstance(part, dict) and "allOf" in part:
            part = merge_all_of(part, defs)
        merged = _merge(merged, part, defs)
    return merged


_COMBINE = ("oneOf", "anyOf", "not")


def flatten_all_of(schema: Any, defs: Mapping[str, Any], _stack: tuple[str, ...] = ()) -> Any:
    """`allOf` of object schemas merged into one object schema, everywhere in `schema`.

    Akamai's specs combine parts with `allOf` where a part says `additionalProperties: false`;
    read strictly as JSON Schema, no object could satisfy that (each part forbids the others'
    fields). OpenAPI authors mean one object with all the parts' fields: the merged schema has the
    union of `properties` and `required`, and stays closed if any part was closed. Parts that
    combine further (`oneOf`, `anyOf`, `not`) are left as `allOf`."""
    if isinstance(schema, list):
        return [flatten_all_of(s, defs, _stack) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: flatten_all_of(v, defs, _stack) for k, v in schema.items() if k != "allOf"}
    parts = schema.get("allOf")
    if not isinstance(parts, list):
        return out
    resolved = []
    for part in parts:
        ref = part.get("$ref") if isinstance(part, dict) else None
        if isinstance(ref, str):
            if ref in _stack:
                return {**out, "allOf": flatten_all_of(parts, defs, _stack)}
            target = flatten_all_of(deref(part, defs), defs, (*_stack, ref))
        else:
            target = flatten_all_of(part, defs, _stack)
        resolved.append(target)
    mergeable = all(
        isinstance(p, dict)
        and not any(k in p for k in (*_COMBINE, "allOf"))
        and types_of(p) in ([], ["object"])
        for p in resolved
    ) and not any(k in out for k in _COMBINE)
    if not mergeable:
        return {**out, "allOf": resolved}
    merged: dict[str, Any] = dict(out)
    closed = out.get("additionalProperties") is False
    for part in resolved:
        if part.get("additionalProperties") is False:
            closed = True
        merged = _merge(
            merged, {k: v for k, v in part.items() if k != "additionalProperties"}, defs
        )
        extra = part.get("additionalProperties")
        if isinstance(extra, dict) and "additionalProperties" not in merged:
            merged["additionalProperties"] = extra
    if closed:
        merged["additionalProperties"] = False
    if "properties" in merged and "type" not in merged:
        merged["type"] = "object"
    return merged


def _merge(a: Mapping[str, Any], b: Any, defs: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(b, dict):
        return dict(a)
    out = dict(a)
    for key, value in b.items():
        if key == "properties":
            props = dict(out.get("properties") or {})
            props.update(value)
            out["properties"] = props
        elif key == "required":
            out["required"] = sorted({*(out.get("required") or []), *value})
        elif key not in out:
            out[key] = value
    return out


def _sample_object(
    schema: Mapping[str, Any], defs: Mapping[str, Any], depth: int, minimal: bool
) -> Any:
    props = schema.get("properties") or {}
    required = [r for r in schema.get("required") or [] if isinstance(r, str)]
    out: dict[str, Any] = {}
    for key, sub in props.items():
        if key in required or (depth < 4 and not minimal):
            value = _sample(sub, defs, key, depth + 1, minimal)
            if value is None and key not in required:
                continue
            out[key] = value
    for key in required:
        if key not in out:
            extra = schema.get("additionalProperties")
            out[key] = _sample(
                extra if isinstance(extra, dict) else {}, defs, key, depth + 1, minimal
            )
    minimum = schema.get("minProperties")
    if isinstance(minimum, int) and len(out) < minimum:
        extra = schema.get("additionalProperties")
        for i in range(minimum - len(out)):
            sub = extra if isinstance(extra, dict) else {}
            out[f"key{i}"] = _sample(sub, defs, "", depth + 1, minimal)
    if not is_valid(schema, out, defs) and any(k not in required for k in out):
        trimmed = {k: v for k, v in out.items() if k in required}
        if is_valid(schema, trimmed, defs):
            return trimmed
    return out


def _sample_number(schema: Mapping[str, Any], kind: str) -> int | float:
    low = schema.get("minimum")
    high = schema.get("maximum")
    ex_low = schema.get("exclusiveMinimum")
    ex_high = schema.get("exclusiveMaximum")
    value: float = 1
    if isinstance(low, int | float):
        value = max(value, low) if high is None or high >= 1 else low
        value = low if high is not None and high < value else value
    if isinstance(ex_low, int | float) and value <= ex_low:
        value = ex_low + 1
    if isinstance(high, int | float) and value > high:
        value = high
    if isinstance(ex_high, int | float) and value >= ex_high:
        value = ex_high - 1
    step = schema.get("multipleOf")
    if isinstance(step, int | float) and step > 0:
        value = step * max(1, round(value / step))
    return int(value) if kind == "integer" else float(value)


def _sample_string(schema: Mapping[str, Any], name: str) -> str:
    fmt = schema.get("format")
    pattern = schema.get("pattern")
    candidates: list[str] = []
    if isinstance(fmt, str) and fmt in _FORMATS:
        candidates.append(_FORMATS[fmt])
    if isinstance(pattern, str):
        generated = regex_sample(pattern)
        if generated is not None:
            candidates.append(generated)
    lname = name.lower()
    if "host" in lname or "domain" in lname:
        candidates.append("www.example.com")
    if "email" in lname:
        candidates.append("user@example.com")
    candidates.append("example")
    low = int(schema.get("minLength") or 0)
    high = schema.get("maxLength")
    padded = [c + (c[-1:] or "x") * max(0, low - len(c)) for c in candidates]
    for c in padded + candidates:
        value = c + "x" * max(0, low - len(c))
        if isinstance(high, int) and len(value) > high:
            value = value[:high]
        if isinstance(pattern, str):
            try:
                if not re.search(pattern, value):
                    continue
            except re.error:
                pass
        return value
    value = "x" * max(low, 1)
    return value[:high] if isinstance(high, int) else value


def regex_sample(pattern: str) -> str | None:
    """One string matching a simple regular expression (literals, classes, groups, repeats)."""
    try:
        import re._parser as sre_parse  # Python 3.11+
    except ImportError:  # pragma: no cover
        import sre_parse  # type: ignore[no-redef]
    try:
        parsed = sre_parse.parse(pattern)
    except Exception:
        return None
    out: list[str] = []

    def emit(items: Any, depth: int = 0) -> None:
        if depth > 20:
            return
        for op, arg in items:
            name = str(op)
            if name == "LITERAL":
                out.append(chr(arg))
            elif name == "NOT_LITERAL":
                out.append("a" if chr(arg) != "a" else "b")
            elif name == "ANY":
                out.append("a")
            elif name == "IN":
                out.append(_class_char(arg))
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, _high, sub = arg
                for _ in range(max(low, 1) if low else 1):
                    emit(sub, depth + 1)
            elif name == "SUBPATTERN":
                emit(arg[-1], depth + 1)
            elif name == "BRANCH":
                emit(arg[1][0], depth + 1)
            elif name in ("AT", "ASSERT", "ASSERT_NOT", "GROUPREF"):
                continue
            elif name == "CATEGORY":
                out.append(_category_char(arg))
            else:
                continue

    try:
        emit(parsed)
    except Exception:
        return None
    value = "".join(out)
    try:
        return value if re.search(pattern, value) else None
    except re.error:
        return None


def _category_char(cat: Any) -> str:
    name = str(cat)
    if "DIGIT" in name and "NOT" not in name:
        return "1"
    if "SPACE" in name and "NOT" not in name:
        return " "
    return "a"


def _class_char(items: Any) -> str:
    negate = False
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif negate:
            continue
        elif name == "LITERAL":
            return chr(arg)
        elif name == "RANGE":
            low, high = arg
            for preferred in "a1A":
                if low <= ord(preferred) <= high:
                    return preferred
            return chr(low)
        elif name == "CATEGORY":
            return _category_char(arg)
    return "a"

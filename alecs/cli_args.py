"""`alecs call` arguments: `key=value` pairs read by the tool's input schema, and `--help`.

A value becomes what the parameter's JSON schema says: `name=true` stays the string "true" for
a string parameter and is a boolean only for a boolean one; numbers, arrays and objects are
parsed only where the schema allows them. An array parameter also takes one bare item
(`types=CNAME` -> `["CNAME"]`). A value that does not fit stays a string, so the server's
validation names the field and what is allowed. Keys the schema does not know are passed as
JSON when they parse as JSON (the server then says they are not arguments of the tool).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from alecs.closed_inputs import snake_case

Schema = Mapping[str, Any]


def _resolve(schema: Schema, root: Schema) -> Schema:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        node: Any = root
        for part in ref[2:].split("/"):
            node = node.get(part, {}) if isinstance(node, Mapping) else {}
        return _resolve(node, root) if isinstance(node, Mapping) else {}
    return schema


def _branches(schema: Schema, root: Schema) -> list[Schema]:
    """The alternatives of a property schema (anyOf/oneOf flattened, $ref resolved)."""
    schema = _resolve(schema, root)
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            out: list[Schema] = []
            for branch in schema[key]:
                out.extend(_branches(branch, root))
            return out
    types = schema.get("type")
    if isinstance(types, list):
        return [{**schema, "type": t} for t in types]
    return [schema]


def _type_of(branch: Schema) -> str:
    if "type" in branch:
        return str(branch["type"])
    if "enum" in branch or "const" in branch:
        values = branch.get("enum") or [branch.get("const")]
        return "string" if all(isinstance(v, str) for v in values) else "any"
    return "any"


def _bool(raw: str) -> bool | None:
    text = raw.strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    return None


def _json(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return _NOPE


_NOPE = object()


def coerce_value(raw: str, schema: Schema, root: Schema | None = None) -> Any:
    """One `key=value` value as the parameter's schema types it (see the module docstring)."""
    root = root if root is not None else schema
    branches = _branches(schema, root)
    types = [_type_of(b) for b in branches]
    if "any" in types:
        parsed = _json(raw)
        return raw if parsed is _NOPE else parsed
    if "string" in types:
        if raw == "null" and "null" in types:
            return None
        return raw
    if raw == "null" and "null" in types:
        return None
    for branch, kind in zip(branches, types, strict=True):
        if kind == "boolean":
            value = _bool(raw)
            if value is not None:
                return value
        elif kind == "integer":
            try:
                return int(raw.strip())
            except ValueError:
                pass
        elif kind == "number":
            try:
                number = float(raw.strip())
            except ValueError:
                continue
            return int(number) if number.is_integer() and "." not in raw else number
        elif kind == "array":
            parsed = _json(raw) if raw.lstrip().startswith("[") else _NOPE
            if isinstance(parsed, list):
                return parsed
            items = branch.get("items")
            return [coerce_value(raw, items, root) if isinstance(items, Mapping) else raw]
        elif kind == "object":
            parsed = _json(raw)
            if isinstance(parsed, dict):
                return parsed
    return raw


def parse_pairs(pairs: Sequence[str], input_schema: Schema | None = None) -> dict[str, Any]:
    """`key=value` pairs into tool arguments, typed by `input_schema` when given.

    Without a schema (or for a key it does not list), a value that parses as JSON is JSON,
    else a string; a camelCase alias is typed as the parameter it names. Raises ValueError
    for a pair without `=` and for a key given twice.
    """
    properties: Mapping[str, Any] = (input_schema or {}).get("properties") or {}
    arguments: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"expected key=value, got {pair!r}")
        if key in arguments:
            raise ValueError(f"{key} is given twice; give each argument once")
        # a camelCase alias (propertyId=...) is typed by the parameter it stands for
        schema = properties.get(key, properties.get(snake_case(key)))
        if isinstance(schema, Mapping):
            arguments[key] = coerce_value(raw, schema, input_schema)
        else:
            parsed = _json(raw)
            arguments[key] = raw if parsed is _NOPE else parsed
    return arguments


def type_text(schema: Schema, root: Schema | None = None) -> str:
    """`string`, `integer | null`, `array of string`, `STAGING | PRODUCTION`."""
    root = root if root is not None else schema
    parts: list[str] = []
    for branch in _branches(schema, root):
        if "enum" in branch:
            text = " | ".join(str(v) for v in branch["enum"])
        else:
            kind = _type_of(branch)
            if kind == "array" and isinstance(branch.get("items"), Mapping):
                text = f"array of {type_text(branch['items'], root)}"
            elif kind == "any":
                text = "any JSON"
            else:
                text = kind
        if text not in parts:
            parts.append(text)
    return " | ".join(parts) or "any JSON"


def tool_help(tool: Any, width: int = 100) -> str:
    """What `alecs call TOOL --help` prints: title, description, then each parameter with its
    type, whether it is required or its default, and its description."""
    schema: Schema = tool.input_schema or {}
    properties: Mapping[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    lines = [f"alecs call {tool.name} [key=value ...]"]
    if tool.title:
        lines += ["", tool.title]
    if tool.description:
        lines += ["", tool.description.strip()]
    lines += ["", "Parameters:"]
    if not properties:
        lines.append("  (none)")
    for name, prop in properties.items():
        if not isinstance(prop, Mapping):
            continue
        if name in required:
            status = "required"
        elif "default" in prop:
            status = f"default: {json.dumps(prop['default'])}"
        else:
            status = "optional"
        lines.append(f"  {name}  ({type_text(prop, schema)}; {status})")
        description = prop.get("description")
        if description:
            lines.extend(
                textwrap.wrap(
                    str(description),
                    width=width,
                    initial_indent="      ",
                    subsequent_indent="      ",
                )
            )
    lines += [
        "",
        "Values are read by each parameter's type: strings as given, numbers and booleans "
        '(true/false) where the parameter takes them, arrays as JSON (\'["a","b"]\') or one '
        "bare item, objects as JSON. camelCase names work too (propertyId=...); an unknown "
        "name is refused with the closest ones. Production changes need confirm=true when "
        "not asked interactively.",
    ]
    return "\n".join(lines)

"""Rule trees in the sandbox: PAPI's validation (schema errors, errors and warnings) and JSON Patch.

Two kinds of problems, as PAPI reports them:

- A rule tree that does not match the rule format's schema (an unknown behavior or criterion,
  a behavior without `name` or `options`, a top-level rule not named `default`, an option of
  the wrong type, outside its enum, not matching its pattern or missing while required, a
  `comments` longer than 10,000 characters) is refused with `400 json-schema-invalid`
  ("Input does not match schema") and an `errors[]` entry per problem. Nothing is saved.
  The schema is the sandbox's own rule format, `data/rule-format.json` (served by
  `GET /papi/v1/schemas/products/{productId}/{ruleFormat}`): PAPI's shape
  (`definitions/catalog/behaviors/<name>`) for the behaviors and criteria the sandbox knows.
- A tree that fits the schema but would not work is saved, and the response carries `errors`
  (they block activation) and `warnings` (acknowledged at activation), each like
  `{"type", "title", "detail", "errorLocation"}`.

`apply_json_patch(doc, ops)` implements RFC 6902 (add, remove, replace, move, copy, test) for
`PATCH .../rules` with `Content-Type: application/json-patch+json`.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from typing import Any

from alecs.sandbox.seed import BEHAVIORS, CRITERIA, load_data

PROBLEMS = "https://problems.luna.akamaiapis.net/papi/v1"
VALIDATION = "https://problems.luna.akamaiapis.net/papi/v0/validation"
SCHEMA_INVALID_TYPE = f"{PROBLEMS}/json-schema-invalid"
SCHEMA_INVALID_TITLE = "Input does not match schema"
SCHEMA_INVALID_DETAIL = "Your input has a syntax problem.  Please double check against the schema."


class SchemaProblem(Exception):
    """The rule tree does not match the schema: `problems` are PAPI's nested `errors[]`."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(problems)} schema problem(s)")
        self.problems = problems


class PatchError(Exception):
    """A JSON Patch operation could not be applied (RFC 6902)."""


def _enum_text(values: frozenset[str]) -> str:
    return "[" + ",".join(f'"{v}"' for v in sorted(values)) + "]"


def _schema_error(location: str, detail: str, kind: str) -> dict[str, Any]:
    return {
        "type": f"{PROBLEMS}/schema/{kind}",
        "title": SCHEMA_INVALID_TITLE,
        "detail": f"{detail} (at {location})",
    }


@functools.cache
def rule_format_schema() -> dict[str, Any]:
    """The sandbox's rule format schema (read once; do not modify the result)."""
    return load_data("rule-format.json")


def catalog(kind: str) -> dict[str, Any]:
    """`behaviors` or `criteria` of the rule format catalog: name -> JSON schema."""
    return rule_format_schema()["definitions"]["catalog"][kind]


_JSON_TYPES = {
    "string": str,
    "boolean": bool,
    "object": dict,
    "array": list,
    "null": type(None),
}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    for name, kind in _JSON_TYPES.items():
        if isinstance(value, kind):
            return name
    return "unknown"


def _type_ok(value: Any, allowed: list[str]) -> bool:
    actual = _json_type(value)
    return actual in allowed or (actual == "integer" and "number" in allowed)


def _short(value: str) -> str:
    return value if len(value) <= 40 else value[:37] + "..."


def check_value(value: Any, schema: dict[str, Any], where: str, out: list[dict[str, Any]]) -> None:
    """Check `value` against a small JSON Schema subset (type, enum, required, properties,
    items, maxLength, pattern, minimum, maximum), adding PAPI-style schema errors to `out`."""
    allowed = schema.get("type")
    if allowed is not None:
        allowed = [allowed] if isinstance(allowed, str) else list(allowed)
        if not _type_ok(value, allowed):
            out.append(
                _schema_error(
                    where,
                    f"instance type ({_json_type(value)}) does not match any allowed primitive "
                    f"type (allowed: {json.dumps(allowed, separators=(',', ':'))})",
                    "type",
                )
            )
            return
    if "enum" in schema and value not in schema["enum"]:
        out.append(
            _schema_error(
                where,
                f"instance value ({json.dumps(value)}) not found in enum (possible values: "
                f"{json.dumps(schema['enum'], separators=(',', ':'))})",
                "enum",
            )
        )
    if isinstance(value, str):
        limit = schema.get("maxLength")
        if limit is not None and len(value) > limit:
            out.append(
                _schema_error(
                    where,
                    f'string "{_short(value)}" is too long (length: {len(value)}, maximum '
                    f"allowed: {limit})",
                    "maxLength",
                )
            )
        pattern = schema.get("pattern")
        if pattern is not None and not re.search(pattern, value):
            out.append(
                _schema_error(
                    where,
                    f'ECMA 262 regex "{pattern}" does not match input string "{_short(value)}"',
                    "pattern",
                )
            )
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            out.append(
                _schema_error(
                    where,
                    f"numeric instance is lower than the required minimum (minimum: "
                    f"{schema['minimum']}, found: {value})",
                    "minimum",
                )
            )
        if "maximum" in schema and value > schema["maximum"]:
            out.append(
                _schema_error(
                    where,
                    f"numeric instance is greater than the required maximum (maximum: "
                    f"{schema['maximum']}, found: {value})",
                    "maximum",
                )
            )
    if isinstance(value, dict):
        missing = [k for k in schema.get("required", ()) if k not in value]
        if missing:
            out.append(
                _schema_error(
                    where,
                    f"object has missing required properties "
                    f"({json.dumps(missing, separators=(',', ':'))})",
                    "required",
                )
            )
        for key, sub in (schema.get("properties") or {}).items():
            if key in value and "$ref" not in sub:
                check_value(value[key], sub, f"{where}/{key}", out)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        if "$ref" not in schema["items"]:
            for i, item in enumerate(value):
                check_value(item, schema["items"], f"{where}/{i}", out)


def _check_features(
    items: Any, where: str, catalog: frozenset[str], kind: str, out: list[dict[str, Any]]
) -> None:
    if items is None:
        return
    if not isinstance(items, list):
        out.append(_schema_error(where, "instance is not an array", "type"))
        return
    for i, item in enumerate(items):
        loc = f"{where}/{i}"
        if not isinstance(item, dict):
            out.append(_schema_error(loc, "instance is not an object", "type"))
            continue
        name = item.get("name")
        if not isinstance(name, str):
            out.append(_schema_error(f"{loc}/name", "object has missing required name", "required"))
            continue
        if name not in catalog:
            out.append(
                _schema_error(
                    f"{loc}/name",
                    f'instance value ("{name}") not found in enum (possible values: '
                    f"{_enum_text(catalog)})",
                    f"unknown_{kind}",
                )
            )
        if not isinstance(item.get("options"), dict):
            out.append(
                _schema_error(f"{loc}/options", "object has missing required options", "required")
            )
        elif name in catalog:
            schema = _catalog_schema(kind, name)
            if schema is not None:
                check_value(item["options"], schema, f"{loc}/options", out)


def _catalog_schema(kind: str, name: str) -> dict[str, Any] | None:
    entry = catalog("behaviors" if kind == "behavior" else "criteria").get(name)
    return None if entry is None else entry["properties"]["options"]


def _check_rule(rule: Any, where: str, out: list[dict[str, Any]], *, top: bool) -> None:
    if not isinstance(rule, dict):
        out.append(_schema_error(where, "instance is not an object", "type"))
        return
    name = rule.get("name")
    if not isinstance(name, str):
        out.append(_schema_error(f"{where}/name", "object has missing required name", "required"))
    elif top and name != "default":
        out.append(
            _schema_error(
                f"{where}/name", f'the top-level rule must be named "default", not "{name}"', "enum"
            )
        )
    if top and "behaviors" not in rule:
        out.append(_schema_error(where, "object has missing required behaviors", "required"))
    rule_props = rule_format_schema()["definitions"]["rule"]["properties"]
    for key in ("name", "comments", "criteriaMustSatisfy", "uuid", "options"):
        if key in rule and not (key == "name" and not isinstance(rule[key], str)):
            check_value(rule[key], rule_props[key], f"{where}/{key}", out)
    _check_features(rule.get("behaviors"), f"{where}/behaviors", BEHAVIORS, "behavior", out)
    _check_features(rule.get("criteria"), f"{where}/criteria", CRITERIA, "criterion", out)
    children = rule.get("children")
    if children is None:
        return
    if not isinstance(children, list):
        out.append(_schema_error(f"{where}/children", "instance is not an array", "type"))
        return
    for i, child in enumerate(children):
        _check_rule(child, f"{where}/children/{i}", out, top=False)


def check_schema(body: Any) -> dict[str, Any]:
    """The `rules` object of a PUT body, or SchemaProblem listing what does not fit."""
    if not isinstance(body, dict) or not isinstance(body.get("rules"), dict):
        raise SchemaProblem(
            [_schema_error("/rules", "object has missing required rules", "required")]
        )
    problems: list[dict[str, Any]] = []
    _check_rule(body["rules"], "/rules", problems, top=True)
    if problems:
        raise SchemaProblem(problems)
    return body["rules"]


def walk(rule: dict[str, Any]):
    """Every rule of a tree, the top rule first."""
    for found, _where in _walk(rule, "/rules"):
        yield found


def _walk(rule: dict[str, Any], where: str):
    yield rule, where
    for i, child in enumerate(rule.get("children") or []):
        if isinstance(child, dict):
            yield from _walk(child, f"{where}/children/{i}")


def validate(rules: dict[str, Any], instance: str) -> tuple[list[dict], list[dict]]:
    """PAPI's errors (block activation) and warnings (need acknowledging) for a rule tree."""
    errors: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    counter = iter(range(100, 10_000))

    def problem(kind: str, title: str, detail: str, location: str, **extra: Any) -> dict:
        return {
            "type": f"{VALIDATION}/{kind}",
            "title": title,
            "detail": detail,
            "instance": f"{instance}#err_{next(counter)}",
            "errorLocation": f"#{location}",
            **extra,
        }

    behaviors = rules.get("behaviors") or []
    names = [b.get("name") for b in behaviors if isinstance(b, dict)]
    for required, label in (("origin", "Origin Server"), ("cpCode", "Content Provider Code")):
        if required not in names:
            errors.append(
                problem(
                    "required_behavior",
                    "Missing required behavior in default rule",
                    f"In order for this property to work correctly behavior {label} needs to "
                    "be present in the default section",
                    "/rules/behaviors",
                    behaviorName=required,
                )
            )
    for i, behavior in enumerate(behaviors):
        if not isinstance(behavior, dict):
            continue
        options = behavior.get("options") or {}
        loc = f"/rules/behaviors/{i}/options"
        if behavior.get("name") == "origin" and options.get("originType", "CUSTOMER") == "CUSTOMER":
            if not str(options.get("hostname") or "").strip():
                errors.append(
                    problem(
                        "option_empty",
                        "Empty option",
                        "The Origin Server Hostname option in `Origin Server` must not be empty.",
                        f"{loc}/hostname",
                    )
                )
        if behavior.get("name") == "cpCode":
            value = options.get("value")
            if not isinstance(value, dict) or not value.get("id"):
                errors.append(
                    problem(
                        "attribute_required",
                        "Missing required option",
                        "The Content Provider Code option in `Content Provider Code` is "
                        "required: choose a CP code.",
                        f"{loc}/value",
                    )
                )
    has_caching = any(
        isinstance(b, dict) and b.get("name") == "caching"
        for rule, _ in _walk(rules, "/rules")
        for b in rule.get("behaviors") or []
    )
    if not has_caching:
        warnings.append(
            problem(
                "no_caching_behavior",
                "No caching behavior",
                "The rule tree has no `Caching` behavior, so edge servers fall back to the "
                "cache-control headers of the origin. Add a Caching behavior to control TTLs.",
                "/rules",
            )
        )
    for w in warnings:
        digest = hashlib.sha1(f"{w['type']}{w['errorLocation']}".encode()).hexdigest()
        w["messageId"] = f"msg_{digest}"
    return errors, warnings


# ---------------------------------------------------------------------------------------------
# JSON Patch (RFC 6902)


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"the JSON Pointer {path!r} must start with '/'")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str], path: str) -> Any:
    node = doc
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise PatchError(f"the path {path!r} does not exist in the rule tree")
    return node


def _get(doc: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        return doc
    parent = _parent(doc, parts, path)
    last = parts[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent[int(last)]
    raise PatchError(f"the path {path!r} does not exist in the rule tree")


def _remove(doc: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        raise PatchError("cannot remove the whole document")
    parent = _parent(doc, parts, path)
    last = parts[-1]
    if isinstance(parent, dict) and last in parent:
        return parent.pop(last)
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent.pop(int(last))
    raise PatchError(f"the path {path!r} does not exist in the rule tree")


def _add(doc: Any, path: str, value: Any) -> Any:
    parts = _pointer(path)
    if not parts:
        return value
    parent = _parent(doc, parts, path)
    last = parts[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-":
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent):
            parent.insert(int(last), value)
        else:
            raise PatchError(f"the array index in {path!r} is out of range")
    else:
        raise PatchError(f"the path {path!r} does not point into an object or array")
    return doc


def apply_json_patch(document: Any, operations: Any) -> Any:
    """Apply RFC 6902 operations to a copy of `document`; PatchError on the first failure."""
    if not isinstance(operations, list):
        raise PatchError("a JSON Patch body is an array of operations")
    doc = copy.deepcopy(document)
    for n, op in enumerate(operations):
        if not isinstance(op, dict) or not isinstance(op.get("path"), str):
            raise PatchError(f"operation {n} needs 'op' and a string 'path'")
        kind, path = op.get("op"), op["path"]
        if kind in ("add", "replace", "test") and "value" not in op:
            raise PatchError(f"operation {n} ({kind}) needs a 'value'")
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op["value"]))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            _get(doc, path)
            if _pointer(path):
                _remove(doc, path)
            doc = _add(doc, path, copy.deepcopy(op["value"]))
        elif kind in ("move", "copy"):
            source = op.get("from")
            if not isinstance(source, str):
                raise PatchError(f"operation {n} ({kind}) needs a string 'from'")
            value = _remove(doc, source) if kind == "move" else copy.deepcopy(_get(doc, source))
            doc = _add(doc, path, value)
        elif kind == "test":
            if _get(doc, path) != op["value"]:
                raise PatchError(f"test failed at {path!r}")
        else:
            raise PatchError(f"operation {n}: unknown op {kind!r}")
    return doc

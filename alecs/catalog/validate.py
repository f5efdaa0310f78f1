"""Check a request against its catalog operation before anything is sent.

Each problem names the field (`query.contractId`, `body.$.rules[0].name`, `path.configId`,
`header.If-Match`) and what the operation allows.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema

from alecs.catalog.model import Operation, Param
from alecs.catalog.schema import deref, json_path, short_message, types_of

# Added by the transport for every call (account switch) or harmless everywhere.
ALWAYS_ALLOWED_QUERY = {"accountSwitchKey"}


@dataclass(frozen=True, slots=True)
class Problem:
    field: str  # "query.contractId", "body.$.name", "path.configId", "header.If-Match", "body"
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _required_skip_read_only(
    validator: Any, required: Any, instance: Any, schema: Mapping[str, Any]
) -> Iterator[jsonschema.ValidationError]:
    """`required` for requests: a readOnly property is the server's to fill in (OpenAPI 3.0)."""
    if not validator.is_type(instance, "object"):
        return
    props = schema.get("properties") or {}
    defs = validator.schema.get("$defs", {}) if isinstance(validator.schema, dict) else {}
    for name in required:
        if name in instance:
            continue
        prop = deref(props.get(name), defs)
        if isinstance(prop, dict) and prop.get("readOnly"):
            continue
        yield jsonschema.ValidationError(f"{name!r} is a required property")


_RequestValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, {"required": _required_skip_read_only}
)


def body_problems(schema: Any, body: Any, defs: Mapping[str, Any], limit: int = 8) -> list[Problem]:
    if not schema:
        return []
    root = dict(schema) if isinstance(schema, dict) else {}
    root["$defs"] = defs
    errors = list(_RequestValidator(root).iter_errors(body))
    out = []
    for err in sorted(errors, key=lambda e: (-len(e.absolute_path), e.message))[:limit]:
        best = jsonschema.exceptions.best_match([err]) or err
        where = json_path(best.absolute_path)
        message = short_message(best)
        if best.validator == "additionalProperties":
            allowed = sorted((deref(best.schema, defs).get("properties") or {}).keys())
            if allowed:
                message += f"; allowed: {', '.join(allowed[:25])}"
        out.append(Problem(f"body.{where}", message))
    return out


def coerce(value: Any, schema: Mapping[str, Any], defs: Mapping[str, Any]) -> Any:
    """A query/path/header string read the way the schema types it."""
    schema = deref(schema, defs)
    if not isinstance(value, str):
        return value
    types = types_of(schema)
    if "integer" in types:
        try:
            return int(value)
        except ValueError:
            return value
    if "number" in types:
        try:
            return float(value)
        except ValueError:
            return value
    if "boolean" in types and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if "object" in types and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    if "array" in types:
        item = schema.get("items") or {}
        return [coerce(v, item, defs) for v in value.split(",")] if value else []
    return value


def _param_problem(p: Param, value: Any, defs: Mapping[str, Any]) -> Problem | None:
    schema = p.schema
    if not schema:
        return None
    typed = coerce(value, schema, defs)
    root = dict(schema)
    root["$defs"] = defs
    err = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(root).iter_errors(typed))
    if err is None:
        return None
    allowed = _describe_type(schema, defs)
    return Problem(
        f"{p.where}.{p.name}", f"{value!r} is not valid ({short_message(err)}); {allowed}"
    )


def _describe_type(schema: Mapping[str, Any], defs: Mapping[str, Any]) -> str:
    schema = deref(schema, defs)
    parts = []
    if "enum" in schema:
        parts.append("one of " + ", ".join(repr(v) for v in schema["enum"][:20]))
    else:
        t = types_of(schema)
        if t:
            parts.append("expects " + "/".join(t))
        if "pattern" in schema:
            parts.append(f"matching {schema['pattern']}")
        if "minimum" in schema or "maximum" in schema:
            parts.append(f"range {schema.get('minimum', '')}..{schema.get('maximum', '')}")
    return ", ".join(parts) or "see api-describe"


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    lower = [k for k in known if k.lower() == name.lower()]
    hint = lower or close
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def validate_request(
    op: Operation,
    *,
    path_params: Mapping[str, str] | None = None,
    query: Mapping[str, Any] | None = None,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    body_given: bool | None = None,
) -> list[Problem]:
    """Problems with a request for `op` (empty when it is well-formed).

    `query` values may be strings (as sent) or typed values; lists mean repeated parameters.
    `body` is the parsed JSON body (None when there is none)."""
    defs = op.defs
    problems: list[Problem] = []
    path_params = path_params or {}
    query = dict(query or {})
    lower_headers = {k.lower(): v for k, v in (headers or {}).items()}
    known_query = [p.name for p in op.params if p.where == "query"]
    for p in op.params:
        if p.where == "path":
            value: Any = path_params.get(p.name)
        elif p.where == "query":
            value = query.get(p.name)
        elif p.where == "header":
            value = lower_headers.get(p.name.lower())
        else:
            continue
        if value is None or (value == "" and p.where == "path"):
            if p.required:
                problems.append(
                    Problem(f"{p.where}.{p.name}", f"required; {_describe_type(p.schema, defs)}")
                )
            continue
        values = (
            value
            if isinstance(value, list) and "array" not in types_of(deref(p.schema, defs))
            else [value]
        )
        for v in values:
            if isinstance(v, bool):
                v = "true" if v else "false"
            elif isinstance(v, int | float):
                v = str(v)
            problem = _param_problem(p, v, defs)
            if problem:
                problems.append(problem)
                break
    for name in query:
        if name not in known_query and name not in ALWAYS_ALLOWED_QUERY:
            allowed = ", ".join(known_query) or "none"
            problems.append(
                Problem(
                    f"query.{name}",
                    f"not a parameter of {op.ref}{_suggest(name, known_query)}; allowed: {allowed}",
                )
            )
    spec_body = op.body
    has_body = body is not None if body_given is None else body_given
    if spec_body:
        if not has_body:
            if spec_body.get("required"):
                problems.append(Problem("body", "required; see api-describe for its schema"))
        else:
            media = spec_body.get("media") or []
            if not isinstance(body, bytes | str) or any("json" in m for m in media):
                problems.extend(body_problems(spec_body.get("schema"), body, defs))
    elif has_body and op.method in ("GET", "DELETE", "HEAD"):
        problems.append(Problem("body", f"{op.ref} takes no request body"))
    return problems

"""Validate requests and responses against Akamai's official OpenAPI specs.

The specs live outside the repository, at `<repo>/../shared/akamai-apis` (override with the
`ALECS_AKAMAI_APIS` environment variable). Tests that need them skip with a clear reason when the
folder is absent.

    from openapi_schema import validate_response, validate_request, require_specs

    require_specs()   # pytest.skip(...) when the specs are not there
    validate_response(api="papi/v1", method="GET", path="/papi/v1/contracts", status=200,
                      body=resp.json())
    validate_request(api="papi/v1", method="POST",
                     path="/papi/v1/cpcodes?contractId=ctr_1&groupId=grp_2",
                     body={"productId": "prd_Fresca", "cpcodeName": "x"},
                     headers={"PAPI-Use-Prefixes": "true"})

`path` is the request path with or without the API's base path (`/papi/v1`) and may carry a
query string. A failed check raises `SchemaMismatch` (an AssertionError) naming the operation,
the JSON path of each problem and what the schema wanted.

How specs are loaded: a bundled `openapi.json` when the API folder has one (config-dns, cps,
ccu, network-lists, ...); otherwise (PAPI) every top-level `*.yaml` with an `openapi` key, with
all file-relative `$ref`s inlined. Schemas are normalised for jsonschema (Draft 7): OpenAPI 3.0
`nullable`, boolean `exclusiveMinimum/Maximum`, and `id`/`$schema`/`x-*`/`example` dropped.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
_DROP_KEYS = {"id", "$schema", "example", "examples", "xml", "externalDocs", "discriminator"}
_SCHEMA_MAPS = {"properties", "patternProperties", "definitions", "$defs", "dependentSchemas"}
_SCHEMA_ONE = {"items", "additionalProperties", "not", "contains", "propertyNames", "if", "then"}
_SCHEMA_ONE |= {"else", "additionalItems", "unevaluatedProperties", "unevaluatedItems"}
_SCHEMA_LIST = {"allOf", "anyOf", "oneOf", "prefixItems"}


class SchemaMismatch(AssertionError):
    """A request or response does not match the official schema."""


def specs_root() -> Path:
    env = os.environ.get("ALECS_AKAMAI_APIS")
    if env:
        return Path(env)
    return (REPO_ROOT.parent / "shared" / "akamai-apis").resolve()


def specs_available(api: str | None = None) -> bool:
    root = specs_root() / "apis"
    return (root / api).is_dir() if api else root.is_dir()


def require_specs(api: str | None = None) -> Path:
    """The specs folder, or skip the calling test with the reason."""
    import pytest

    if not specs_available(api):
        where = specs_root() / "apis" / (api or "")
        pytest.skip(
            f"Akamai's OpenAPI specs are not at {where} (expected <repo>/../shared/akamai-apis; "
            "set ALECS_AKAMAI_APIS to point elsewhere)"
        )
    return specs_root()


# ---------------------------------------------------------------------------------------------
# Loading


def _load_file(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is 10x faster
    return yaml.load(text, Loader=loader)


class _Resolver:
    """Inlines file-relative `$ref`s (with optional `#/json/pointer` fragments)."""

    def __init__(self) -> None:
        self._files: dict[Path, Any] = {}

    def file(self, path: Path) -> Any:
        path = path.resolve()
        if path not in self._files:
            self._files[path] = _load_file(path)
        return self._files[path]

    def resolve(self, node: Any, base: Path, stack: tuple[str, ...] = ()) -> Any:
        if isinstance(node, list):
            return [self.resolve(v, base, stack) for v in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            file_part, _, fragment = ref.partition("#")
            target_path = (base.parent / file_part).resolve() if file_part else base.resolve()
            key = f"{target_path}#{fragment}"
            if key in stack:  # a recursive schema: accept anything below this point
                return {}
            if target_path.suffix not in (".yaml", ".yml", ".json"):
                return {}
            target = self.file(target_path)
            for part in [p for p in fragment.split("/") if p]:
                part = part.replace("~1", "/").replace("~0", "~")
                target = target[int(part)] if isinstance(target, list) else target[part]
            resolved = self.resolve(target, target_path, (*stack, key))
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            if siblings and isinstance(resolved, dict):
                resolved = {**resolved, **self.resolve(siblings, base, stack)}
            return resolved
        out = {}
        for k, v in node.items():
            if k in ("example", "examples"):  # examples may be XML or huge: not needed
                continue
            out[k] = self.resolve(v, base, stack)
        return out


@dataclass
class Operation:
    method: str
    template: str  # relative to the base path, e.g. "/cpcodes/{cpcodeId}"
    spec: dict[str, Any]
    parameters: list[dict[str, Any]]


class ApiSpec:
    """One API's operations, with `$ref`s resolved."""

    def __init__(self, api: str) -> None:
        self.api = api
        folder = specs_root() / "apis" / api
        if not folder.is_dir():
            raise FileNotFoundError(f"no OpenAPI spec folder {folder}")
        bundled = folder / "openapi.json"
        docs: list[dict[str, Any]] = []
        if bundled.is_file():
            docs.append(_Resolver().resolve(_load_file(bundled), bundled))
        else:
            resolver = _Resolver()
            for path in sorted(folder.glob("*.yaml")):
                raw = resolver.file(path)
                if isinstance(raw, dict) and "openapi" in raw and "paths" in raw:
                    docs.append(resolver.resolve(raw, path))
        if not docs:
            raise FileNotFoundError(f"no OpenAPI documents in {folder}")
        self.openapi_version = str(docs[0].get("openapi", "3.0"))
        self.base_path = urlsplit(docs[0]["servers"][0]["url"].replace("{hostname}", "h")).path
        self.base_path = self.base_path.rstrip("/")
        self.operations: list[Operation] = []
        for doc in docs:
            for template, item in (doc.get("paths") or {}).items():
                shared = item.get("parameters", [])
                for method in METHODS:
                    if method in item:
                        op = item[method]
                        params = _merge_params(shared, op.get("parameters", []))
                        self.operations.append(Operation(method.upper(), template, op, params))

    def find(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        """The operation for a request path (with or without base path and query)."""
        rel = urlsplit(path).path
        if self.base_path and rel.startswith(self.base_path + "/"):
            rel = rel[len(self.base_path) :]
        candidates = []
        for op in self.operations:
            if op.method != method.upper():
                continue
            m = _template_regex(op.template).match(rel)
            if m:
                candidates.append((op.template.count("{"), op, m))
        if not candidates:
            raise SchemaMismatch(f"{self.api}: no operation {method.upper()} {rel} in the spec")
        _, op, m = min(candidates, key=lambda c: c[0])
        names = re.findall(r"\{([^}]+)\}", op.template)
        values = list(m.groups())
        return op, dict(zip(names, values, strict=True))


@lru_cache(maxsize=4096)
def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile("^" + "([^/]+)".join(re.escape(p) for p in parts) + "$")


def _merge_params(shared: list[Any], own: list[Any]) -> list[dict[str, Any]]:
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for p in [*shared, *own]:
        if isinstance(p, dict) and "name" in p:
            merged[(p["name"], p.get("in", ""))] = p
    return list(merged.values())


@cache
def load_api(api: str) -> ApiSpec:
    return ApiSpec(api)


# ---------------------------------------------------------------------------------------------
# Schema normalisation and validation


def normalize_schema(schema: Any) -> Any:
    """OpenAPI schema -> JSON Schema Draft 7."""
    if isinstance(schema, list):
        return [normalize_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROP_KEYS or key.startswith("x-"):
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: normalize_schema(s) for name, s in value.items()}
        elif key in _SCHEMA_ONE or key in _SCHEMA_LIST:
            out[key] = normalize_schema(value)
        else:
            out[key] = value
    if out.pop("nullable", False) is True:
        t = out.get("type")
        if isinstance(t, str):
            out["type"] = [t, "null"]
        elif isinstance(t, list) and "null" not in t:
            out["type"] = [*t, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    for bound, exclusive in (("maximum", "exclusiveMaximum"), ("minimum", "exclusiveMinimum")):
        if isinstance(out.get(exclusive), bool):
            if out.pop(exclusive) and bound in out:
                out[exclusive] = out.pop(bound)
    return out


def _check(schema: Any, instance: Any, what: str) -> None:
    import jsonschema

    validator = jsonschema.Draft7Validator(normalize_schema(schema))
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{what} does not match the official schema ({len(errors)} problem(s)):"]
        for err in errors[:10]:
            where = "$" + "".join(
                f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path
            )
            lines.append(f"  at {where}: {err.message}")
        raise SchemaMismatch("\n".join(lines))


def _pick_content(content: dict[str, Any], content_type: str | None) -> tuple[str, Any]:
    if content_type:
        ctype = content_type.split(";")[0].strip()
        if ctype in content:
            return ctype, content[ctype]
        raise SchemaMismatch(f"content type {ctype!r} not in the spec: {sorted(content)}")
    for preferred in ("application/json", "application/problem+json"):
        if preferred in content:
            return preferred, content[preferred]
    ctype = next(iter(content))
    return ctype, content[ctype]


def response_schema(
    *, api: str, method: str, path: str, status: int, content_type: str | None = None
) -> dict[str, Any] | None:
    """The schema of a response (None when the spec declares no body)."""
    op, _ = load_api(api).find(method, path)
    responses = {str(k): v for k, v in (op.spec.get("responses") or {}).items()}
    response = (
        responses.get(str(status))
        or responses.get(f"{str(status)[0]}XX")
        or responses.get("default")
    )
    if response is None:
        raise SchemaMismatch(
            f"{api}: {method.upper()} {op.template} declares no response {status}; "
            f"declared: {sorted(responses)}"
        )
    content = response.get("content") or {}
    if not content:
        return None
    _, media = _pick_content(content, content_type)
    return media.get("schema") or {}


def validate_response(
    *,
    api: str,
    method: str,
    path: str,
    status: int,
    body: Any,
    content_type: str | None = None,
) -> None:
    """Check a response body against the spec; raise SchemaMismatch if it does not fit."""
    schema = response_schema(
        api=api, method=method, path=path, status=status, content_type=content_type
    )
    what = f"{method.upper()} {urlsplit(path).path} -> {status} response"
    if schema is None:
        if body not in (None, b"", ""):
            raise SchemaMismatch(f"{what}: the spec declares no body, got one")
        return
    _check(schema, body, what)


def _coerce(value: str, schema: dict[str, Any]) -> Any:
    t = schema.get("type")
    types = t if isinstance(t, list) else [t]
    try:
        if "integer" in types:
            return int(value)
        if "number" in types:
            return float(value)
    except ValueError:
        return value
    if "boolean" in types and value in ("true", "false"):
        return value == "true"
    if "array" in types:
        return value.split(",")
    return value


def validate_request(
    *,
    api: str,
    method: str,
    path: str,
    body: Any = None,
    query: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    content_type: str | None = None,
) -> None:
    """Check path parameters, query parameters (from `path`'s query string and/or `query`),
    required headers (only when `headers` is given) and the JSON body against the spec."""
    op, path_params = load_api(api).find(method, path)
    what = f"{method.upper()} {op.template} request"
    params: dict[str, Any] = {
        k: v[0] for k, v in parse_qs(urlsplit(path).query, keep_blank_values=True).items()
    }
    params.update({k: str(v) for k, v in (query or {}).items()})
    lower_headers = {k.lower(): v for k, v in (headers or {}).items()}
    problems: list[str] = []
    for p in op.parameters:
        name, where, schema = p["name"], p.get("in"), p.get("schema") or {}
        if where == "path":
            value: Any = path_params.get(name)
        elif where == "query":
            value = params.get(name)
        elif where == "header" and headers is not None:
            value = lower_headers.get(name.lower())
        else:
            continue
        if value is None:
            if p.get("required"):
                problems.append(f"missing required {where} parameter '{name}'")
            continue
        try:
            _check(schema, _coerce(value, schema), f"{where} parameter '{name}'")
        except SchemaMismatch as exc:
            problems.append(str(exc).replace("\n", " "))
    spec_body = op.spec.get("requestBody")
    if spec_body:
        content = spec_body.get("content") or {}
        if body is None:
            if spec_body.get("required"):
                problems.append("missing required request body")
        elif content:
            _, media = _pick_content(content, content_type)
            try:
                _check(media.get("schema") or {}, body, "body")
            except SchemaMismatch as exc:
                problems.append(str(exc))
    elif body not in (None, b"", ""):
        problems.append("the spec declares no request body, got one")
    if problems:
        raise SchemaMismatch(f"{what}:\n  " + "\n  ".join(problems))

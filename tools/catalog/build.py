"""Compile Akamai's OpenAPI specs into alecs's operation catalog (`alecs/catalog/data/`).

    python -m tools.catalog [--specs DIR] [--out DIR] [--check]

One gzipped JSON file per API version (`<api>-<version>.json.gz`) plus `index.json` (APIs,
operation counts, the rate-limit family of each, and the report of what was repaired, chosen or
skipped). Schemas keep what validation and a model need (types, properties, required, enums,
formats, bounds, short descriptions); each `$ref` target is stored once per API under `defs`.
Examples are kept only when they validate against their schema.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from alecs.catalog.schema import flatten_all_of, is_valid
from tools.catalog.specs import (
    REPO_ROOT,
    Documents,
    RawOperation,
    SpecFolder,
    all_folders,
    index_titles,
    read_folder,
    specs_root,
)

OUT_DIR = REPO_ROOT / "alecs" / "catalog" / "data"
FORMAT_VERSION = 1
MAX_EXAMPLE_BYTES = 6000
DESC_CHARS = 160
OP_DESC_CHARS = 300

NOTICE = """\
The files in this folder (*.json.gz, index.json) are derived from Akamai's OpenAPI
specifications (https://github.com/akamai/akamai-apis), Copyright Akamai Technologies, Inc.,
licensed under the Apache License, Version 2.0 (the LICENSE file in this folder).

Changes: alecs's builder (tools/catalog) compiled the specifications into a compact catalog:
operations with their parameters, schemas trimmed to their validation keywords and shortened
descriptions, and only those examples that validate against their schemas. The known
publishing quirks (non-strict YAML, references with the wrong letter case) were repaired as
listed in index.json ("notes").
"""

# Fields kept in compiled schemas besides sub-schemas and `description`.
_KEEP = {
    "type", "enum", "format", "pattern", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
    "required", "default", "const", "readOnly", "writeOnly", "multipleOf", "minProperties",
    "maxProperties",
}  # fmt: skip
_SUB_ONE = {"items", "not", "additionalProperties"}
_SUB_LIST = {"allOf", "anyOf", "oneOf"}
_SUB_MAP = {"properties", "patternProperties"}

# API family for the client-side rate limiter when the base path's first segment is not it.
_FAMILY_OVERRIDES = {"edge-data-stream": "edge-data-stream", "netstorage-usage-api": "netstorage"}

# POSTs that read (run a query or a diagnostic) rather than change anything, by summary verb.
_READ_VERBS = {
    "get", "list", "search", "find", "translate", "verify", "locate", "validate", "check",
    "query", "view", "fetch", "retrieve", "diagnose", "lookup",
}  # fmt: skip
_READ_POST_IDS = re.compile(
    r"(^|-)(search|find|verify|validate|translate|dig|mtr|curl|grep|estats|locate|try-it)(-|$)"
)


def clean_text(text: Any, limit: int) -> str:
    """Markdown links and emphasis out, whitespace folded, cut at a sentence within `limit`."""
    if not isinstance(text, str):
        return ""
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[_*`]{1,2}([^_*`]+)[_*`]{1,2}", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    dot = cut.rfind(". ")
    if dot > limit // 3:
        return cut[: dot + 1]
    return cut.rsplit(" ", 1)[0] + "…"


class Compiler:
    """Compiles one SpecFolder's operations; schemas referenced by `$ref` land in `defs`."""

    def __init__(self, spec: SpecFolder) -> None:
        self.spec = spec
        self.docs: Documents = spec.docs
        self.defs: dict[str, Any] = {}
        self._ids: dict[str, str] = {}
        self.notes: list[str] = []
        self.examples_dropped = 0
        self.examples_kept = 0

    # -- schemas ---------------------------------------------------------------------------

    def _def_id(self, key: str) -> str:
        name = key.rsplit("/", 1)[-1].split("#")[0]
        name = re.sub(r"\.(ya?ml|json)$", "", name) or "s"
        frag = key.split("#", 1)[1] if "#" in key else ""
        if frag:
            name = frag.rsplit("/", 1)[-1] or name
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:48]
        candidate, n = name, 2
        while candidate in self.defs:
            candidate, n = f"{name}.{n}", n + 1
        return candidate

    def schema(self, node: Any, base: Path, depth: int = 0) -> Any:
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict):
            return {}
        if isinstance(node.get("$ref"), str):
            target, tbase, key = self.docs.deref(node, base)
            if key is None:
                return self.schema(target, tbase, depth + 1)
            if key not in self._ids:
                sid = self._def_id(key)
                self._ids[key] = sid
                self.defs[sid] = {}  # reserved: recursive references resolve to it
                self.defs[sid] = self.schema(target, tbase, depth + 1)
            return {"$ref": f"#/$defs/{self._ids[key]}"}
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _KEEP:
                if isinstance(value, dict) and "$ref" in value:
                    value = self.docs.inline(value, base)  # `enum: {$ref: values.yaml}`
                if key in ("required", "enum") and not isinstance(value, list):
                    continue
                out[key] = value
            elif key == "description":
                text = clean_text(value, DESC_CHARS)
                if text:
                    out["description"] = text
            elif key in _SUB_ONE:
                out[key] = value if isinstance(value, bool) else self.schema(value, base, depth + 1)
            elif key in _SUB_LIST and isinstance(value, list):
                out[key] = [self.schema(v, base, depth + 1) for v in value]
            elif key in _SUB_MAP and isinstance(value, dict):
                out[key] = {str(k): self.schema(v, base, depth + 1) for k, v in value.items()}
        if node.get("nullable") is True:
            t = out.get("type")
            if isinstance(t, str):
                out["type"] = [t, "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        for bound, exclusive in (("maximum", "exclusiveMaximum"), ("minimum", "exclusiveMinimum")):
            if isinstance(out.get(exclusive), bool):
                if out.pop(exclusive) and bound in out:
                    out[exclusive] = out.pop(bound)
        if isinstance(out.get("type"), str) and out["type"] not in (
            "string", "integer", "number", "boolean", "array", "object", "null"
        ):  # fmt: skip
            out.pop("type")
        return out

    # -- examples --------------------------------------------------------------------------

    def _example_of(self, media: dict[str, Any], base: Path, schema_node: Any) -> Any:
        ex = media.get("example")
        if ex is None and isinstance(media.get("examples"), dict) and media["examples"]:
            first = next(iter(media["examples"].values()))
            first, fbase, _ = self.docs.deref(first, base)
            if isinstance(first, dict) and "value" in first:
                ex = first["value"]
                base = fbase
        if ex is None and isinstance(schema_node, dict):
            try:
                resolved, _, _ = self.docs.deref(schema_node, base)
            except Exception:
                resolved = None
            if isinstance(resolved, dict):
                ex = resolved.get("example")
        if ex is None:
            return None
        try:
            return self.docs.inline(ex, base)
        except Exception:
            return None

    def sized_example(self, example: Any) -> Any:
        """The example when it is JSON and small enough to ship, else None."""
        if example is None:
            return None
        try:
            size = len(json.dumps(example, separators=(",", ":")))
        except (TypeError, ValueError):
            return None
        if size > MAX_EXAMPLE_BYTES:
            self.examples_dropped += 1
            return None
        return example

    def check_examples(self, op: dict[str, Any], defs: dict[str, Any]) -> None:
        """Keep an example only when it validates against its (final) schema."""
        for key in ("body", "response"):
            part = op.get(key)
            if not isinstance(part, dict) or "example" not in part:
                continue
            media = part.get("media") or []
            if not any("json" in m or m == "*/*" for m in media):
                continue
            if part.get("schema") and is_valid(part["schema"], part["example"], defs):
                self.examples_kept += 1
            else:
                del part["example"]
                self.examples_dropped += 1

    # -- operations ------------------------------------------------------------------------

    def _params(self, raw: RawOperation) -> list[dict[str, Any]]:
        merged: dict[tuple[str, str], dict[str, Any]] = {}
        for p, base in [(p, raw.base) for p in raw.shared_params] + [
            (p, raw.base) for p in raw.op.get("parameters") or []
        ]:
            node, pbase, _ = self.docs.deref(p, base)
            if not isinstance(node, dict) or "name" not in node:
                continue
            where = node.get("in", "query")
            name = str(node["name"])
            if where == "header" and name.lower() in ("accept", "content-type", "authorization"):
                continue
            out: dict[str, Any] = {"name": name, "in": where}
            if node.get("required") or where == "path":
                out["required"] = True
            schema = self.schema(node.get("schema") or {}, pbase)
            if schema:
                out["schema"] = schema
            desc = clean_text(node.get("description"), DESC_CHARS)
            if desc:
                out["description"] = desc
            if node.get("style") or node.get("explode") is not None:
                explode = "" if node.get("explode", True) else ",noexplode"
                out["style"] = f"{node.get('style', 'form')}{explode}"
            ex = node.get("example")
            if isinstance(ex, str | int | float | bool):
                out["example"] = ex
            merged[(where, name)] = out
        return list(merged.values())

    def _content(self, content: dict[str, Any], base: Path) -> dict[str, Any] | None:
        if not isinstance(content, dict) or not content:
            return None
        media_types = [str(m) for m in content]
        json_types = [m for m in media_types if "json" in m]
        chosen = (json_types or media_types)[0]
        media, mbase, _ = self.docs.deref(content[chosen], base)
        media = media if isinstance(media, dict) else {}
        schema_node = media.get("schema")
        schema = self.schema(schema_node, mbase) if schema_node is not None else {}
        out: dict[str, Any] = {"media": media_types, "schema": schema}
        try:
            example = self._example_of(media, mbase, schema_node)
        except Exception as exc:  # a missing example file: the responder builds one instead
            self.notes.append(f"example not loaded ({type(exc).__name__}: {Path(str(exc)).name})")
            example = None
        if "json" in chosen or chosen == "*/*":
            example = self.sized_example(example)  # checked against the final schema later
        elif not isinstance(example, str) or len(example) > MAX_EXAMPLE_BYTES:
            example = None
        if example is not None:
            out["example"] = example
        return out

    def operation(self, raw: RawOperation) -> dict[str, Any]:
        op = raw.op
        base = raw.base
        summary = clean_text(op.get("summary"), 200)
        out: dict[str, Any] = {
            "id": str(op.get("operationId") or ""),
            "method": raw.method,
            "path": self.spec.base_path + raw.template,
            "summary": summary,
        }
        desc = clean_text(op.get("description"), OP_DESC_CHARS)
        if desc and desc != summary:
            out["description"] = desc
        if op.get("tags"):
            out["tags"] = [str(t) for t in op["tags"]]
        params = self._params(raw)
        if params:
            out["params"] = params
        if op.get("requestBody"):
            rb, rbase, _ = self.docs.deref(op["requestBody"], base)
            body = self._content(rb.get("content") or {}, rbase) or {"media": [], "schema": {}}
            body["required"] = bool(rb.get("required"))
            out["body"] = body
        responses = {str(k): v for k, v in (op.get("responses") or {}).items()}
        ok = sorted(s for s in responses if re.fullmatch(r"2\d\d", s))
        if not ok and "2XX" in responses:
            ok = ["200"]
            responses["200"] = responses["2XX"]
        if not ok:
            ok = ["200"]
            self.notes.append(f"{raw.method} {out['path']}: no 2xx response documented; 200")
        out["ok"] = ok
        resp_node = responses.get(ok[0])
        if resp_node is not None:
            resp, rbase, _ = self.docs.deref(resp_node, base)
            content = self._content((resp or {}).get("content") or {}, rbase)
            if content:
                out["response"] = content
        out["writes"] = writes(raw.method, summary, out["id"])
        if op.get("deprecated"):
            out["deprecated"] = True
        return out


def response_conflict(op: dict[str, Any], defs: dict[str, Any]) -> dict[str, str] | None:
    """When no body can satisfy an operation's JSON response schema as published (a field both
    required and forbidden, an enum of booleans typed string, ...), the problem; else None."""
    resp = op.get("response")
    if not isinstance(resp, dict) or not resp.get("schema") or "example" in resp:
        return None
    if not any("json" in m or m == "*/*" for m in resp.get("media") or []):
        return None
    from alecs.catalog.schema import problems, sample

    value = sample(resp["schema"], defs)
    found = problems(resp["schema"], value, defs, limit=1)
    return {"problem": found[0]} if found else None


def request_conflicts(out_dir: Path) -> list[dict[str, str]]:
    """Operations whose request built from the spec (`example_request`) does not pass the
    spec's own validation: the spec contradicts itself there (reported, not hidden)."""
    from alecs.catalog.describe import example_request
    from alecs.catalog.match import match
    from alecs.catalog.model import Catalog
    from alecs.catalog.validate import validate_request

    catalog = Catalog(out_dir)
    found = []
    for info in catalog.apis():
        if not info.edgegrid:
            continue  # not served on the EdgeGrid host: neither api-call nor the sandbox
        for op in catalog.api(info.name).operations:
            req = example_request(op)
            m = match(catalog, op.method, req["path"])
            params = m.path_params if m and m.operation is op else {}
            problems = validate_request(
                op, path_params=params, query=req["query"], body=req["body"], headers=req["headers"]
            )
            if m is None or m.operation is not op:
                problems = problems or ["the example path matches another operation"]
            if problems:
                found.append(
                    {"api": info.name, "operation": op.ref, "problem": str(problems[0])[:300]}
                )
    return found


def writes(method: str, summary: str, op_id: str) -> bool:
    """Whether an operation changes anything (GET never; a POST that searches or runs a
    diagnostic does not)."""
    if method in ("GET", "HEAD", "OPTIONS"):
        return False
    if method != "POST":
        return True
    first = (summary.split() or [""])[0].lower()
    return not (first in _READ_VERBS or _READ_POST_IDS.search(op_id.lower() or "-"))


def family_for(api: str, base_path: str, first_path: str) -> str:
    from alecs.transport.ratelimit import family_for_path

    if api in _FAMILY_OVERRIDES:
        return _FAMILY_OVERRIDES[api]
    return family_for_path(base_path or first_path)


def _flatten_op(op: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    for key in ("body", "response"):
        if isinstance(op.get(key), dict) and op[key].get("schema"):
            op[key] = {**op[key], "schema": flatten_all_of(op[key]["schema"], defs)}
    return op


def _dedupe_defs(defs: dict[str, Any], ops: list[dict[str, Any]]) -> dict[str, Any]:
    """Identical definitions (same schema from two files) stored once."""
    while True:
        by_hash: dict[str, str] = {}
        rename: dict[str, str] = {}
        for sid, schema in defs.items():
            h = hashlib.sha1(json.dumps(schema, sort_keys=True).encode()).hexdigest()
            if h in by_hash:
                rename[sid] = by_hash[h]
            else:
                by_hash[h] = sid
        if not rename:
            return defs

        def sub(node: Any, rename: dict[str, str] = rename) -> Any:
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.startswith("#/$defs/"):
                    target = ref[len("#/$defs/") :]
                    if target in rename:
                        return {**node, "$ref": f"#/$defs/{rename[target]}"}
                return {k: sub(v, rename) for k, v in node.items()}
            if isinstance(node, list):
                return [sub(v, rename) for v in node]
            return node

        defs = {sid: sub(s) for sid, s in defs.items() if sid not in rename}
        ops[:] = [sub(o) for o in ops]


def build(
    specs: Path, out_dir: Path, *, write: bool = True, only: set[str] | None = None
) -> dict[str, Any]:
    """Compile every folder (or `only` these, as "api/version") into `out_dir`."""
    titles = index_titles(specs)
    apis: list[dict[str, Any]] = []
    notes: list[str] = []
    skipped: list[str] = []
    conflicts: list[dict[str, str]] = []
    total = 0
    started = time.perf_counter()
    if write:
        out_dir.mkdir(parents=True, exist_ok=True)
        for old in out_dir.glob("*.json.gz"):
            old.unlink()
    for api, version, folder in all_folders(specs):
        key = f"{api}/{version}" if version else api
        if only is not None and key not in only:
            continue
        try:
            spec = read_folder(folder, api, version)
        except Exception as exc:
            skipped.append(f"{key}: {exc}")
            continue
        comp = Compiler(spec)
        ops = []
        seen: set[tuple[str, str]] = set()
        for raw in spec.operations:
            try:
                op = comp.operation(raw)
            except Exception as exc:
                skipped.append(f"{key}: {raw.method} {raw.template}: {type(exc).__name__}: {exc}")
                continue
            if (op["method"], op["path"]) in seen:
                continue
            seen.add((op["method"], op["path"]))
            if not op["id"]:
                slug = re.sub(r"[^a-z0-9]+", "-", raw.template.lower()).strip("-")
                op["id"] = f"{op['method'].lower()}-{slug}"
            ops.append(op)
        defs = {sid: flatten_all_of(sch, comp.defs) for sid, sch in comp.defs.items()}
        ops = [_flatten_op(o, comp.defs) for o in ops]
        for op in ops:
            comp.check_examples(op, defs)
            conflict = response_conflict(op, defs)
            if conflict:
                conflicts.append(
                    {"api": key, "operation": f"{op['method']} {op['path']}", **conflict}
                )
        defs = _dedupe_defs(defs, ops)
        title, desc = titles.get(key, (spec.title, ""))
        name = f"{api}-{version}" if version else api
        first_path = ops[0]["path"] if ops else ""
        data = {
            "format": FORMAT_VERSION,
            "api": api,
            "version": version,
            "title": title,
            "description": desc,
            "base_path": spec.base_path,
            "servers": spec.servers,
            "family": family_for(api, spec.base_path, first_path),
            "source": spec.source,
            "operations": ops,
            "defs": defs,
        }
        blob = json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
        raw_bytes = gzip.compress(blob.encode(), compresslevel=9, mtime=0)
        if write:
            (out_dir / f"{name}.json.gz").write_bytes(raw_bytes)
        notes.extend(spec.notes)
        notes.extend(f"{key}: {n}" for n in comp.notes)
        apis.append(
            {
                "name": name,
                "api": api,
                "version": version,
                "title": title,
                "description": desc,
                "base_path": spec.base_path,
                "family": data["family"],
                "edgegrid": any("{hostname}" in u for u in spec.servers),
                "operations": len(ops),
                "source": spec.source,
                "bytes": len(raw_bytes),
                "examples_kept": comp.examples_kept,
                "examples_dropped": comp.examples_dropped,
            }
        )
        total += len(ops)
    index = {
        "format": FORMAT_VERSION,
        "operations": total,
        "apis": apis,
        "notes": notes,
        "skipped": skipped,
        "schema_conflicts": conflicts,
    }
    if write:
        (out_dir / "index.json").write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n")
        license_file = specs / "LICENSE"
        if license_file.is_file():
            (out_dir / "LICENSE").write_text(license_file.read_text(encoding="utf-8"))
        (out_dir / "NOTICE").write_text(NOTICE)
        index["request_conflicts"] = request_conflicts(out_dir)
        (out_dir / "index.json").write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n")
    index["seconds"] = round(time.perf_counter() - started, 1)
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.catalog", description=__doc__)
    parser.add_argument("--specs", type=Path, default=specs_root(), help="akamai-apis folder")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder")
    args = parser.parse_args(argv)
    if not (args.specs / "apis").is_dir():
        print(f"no specs at {args.specs}/apis", file=sys.stderr)
        return 2
    index = build(args.specs, args.out)
    size = sum(a["bytes"] for a in index["apis"])
    print(
        f"catalog: {index['operations']} operations in {len(index['apis'])} API versions, "
        f"{size / 1024:.0f} KiB compressed, built in {index['seconds']} s -> {args.out}"
    )
    for note in index["notes"]:
        print(f"  note: {note}")
    if index["schema_conflicts"]:
        print(f"response schemas no body can satisfy ({len(index['schema_conflicts'])}):")
        for c in index["schema_conflicts"]:
            print(f"  {c['operation']}: {c['problem']}")
    if index.get("request_conflicts"):
        count = len(index["request_conflicts"])
        print(f"requests built from the spec that its own schema rejects ({count}):")
        for c in index["request_conflicts"]:
            print(f"  {c['operation']}: {c['problem'][:160]}")
    if index["skipped"]:
        print(f"skipped ({len(index['skipped'])}):")
        for s in index["skipped"]:
            print(f"  {s}")
    else:
        print("skipped: nothing")
    return 0

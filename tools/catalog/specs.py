"""Read Akamai's OpenAPI specs as published: tolerant YAML, `$ref`s across files, folder choice.

Used by the catalog builder (`python -m tools.catalog`) and by tests that check responses against
the real specs. Nothing here is imported at run time by alecs.

Known quirks handled (each fix-up is reported by `SpecFolder.notes`):
- block scalars level with their key (`- description: |` followed by text at the key's column),
- path keys without their trailing colon (`  /configs/{configId}/...` under `paths:`),
- split YAML referring to files that are not there: the folder's bundle is used instead,
- folders with both older and newer split YAML (`zones.yaml` and `01-zones.yaml`): the numbered
  files are the current set.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def specs_root() -> Path:
    import os

    env = os.environ.get("ALECS_AKAMAI_APIS")
    return Path(env) if env else (REPO_ROOT.parent / "shared" / "akamai-apis").resolve()


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader without the timestamp resolver: dates in examples stay strings (as in JSON)."""


_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_BLOCK_KEY = re.compile(r"^(\s*)(- )?([\w'\"$.-]+): [|>][-+]?\s*$")
_KEY_LINE = re.compile(r"^\s*(- )?[\w'\"$./{}-]+:(\s|$)")
_BARE_PATH = re.compile(r"^  (/\S*[^:\s])\s*$")


def fix_yaml(text: str) -> tuple[str, list[str]]:
    """Repair the known non-strict YAML of the published files; return (text, what was fixed)."""
    lines = text.split("\n")
    fixes: list[str] = []
    in_paths = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if re.match(r"^\S", line):
            in_paths = line.startswith("paths:")
        if in_paths and _BARE_PATH.match(line):
            lines[i] = line.rstrip() + ":"
            fixes.append(f"line {i + 1}: path key without ':'")
        m = _BLOCK_KEY.match(line)
        if m:
            col = len(m.group(1)) + (2 if m.group(2) else 0)
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            if j < len(lines):
                ind = len(lines[j]) - len(lines[j].lstrip())
                if ind == col and not _KEY_LINE.match(lines[j]):
                    fixes.append(f"line {i + 2}: block scalar level with its key")
                    while j < len(lines):
                        cur = lines[j]
                        cur_ind = len(cur) - len(cur.lstrip())
                        if cur.strip() and (cur_ind < col or _KEY_LINE.match(cur)):
                            break
                        lines[j] = "  " + cur if cur.strip() else cur
                        j += 1
        i += 1
    return "\n".join(lines), fixes


def _json_keys(node: Any) -> Any:
    """Mapping keys as JSON has them: YAML reads `200:` as an int and `false:` (a property
    name in jwt-api) as a boolean."""
    if isinstance(node, dict):
        return {_key(k): _json_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_json_keys(v) for v in node]
    return node


def _key(k: Any) -> str:
    if isinstance(k, bool):
        return "true" if k else "false"
    return k if isinstance(k, str) else str(k)


class MissingFile(Exception):
    """A `$ref` points at a file that is not there."""


class Documents:
    """Files of one folder, loaded once each; YAML repaired where needed."""

    def __init__(self) -> None:
        self.files: dict[Path, Any] = {}
        self.fixes: dict[Path, list[str]] = {}
        self.case_fixes: set[str] = set()

    def load(self, path: Path) -> Any:
        path = path.resolve()
        if path in self.files:
            return self.files[path]
        if not path.is_file():
            path = self._case_insensitive(path)
            if path in self.files:
                return self.files[path]
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".json":
            data = json.loads(text)
        elif path.suffix in (".yaml", ".yml"):
            try:
                data = yaml.load(text, Loader=_Loader)
            except yaml.YAMLError:
                fixed, fixes = fix_yaml(text)
                data = yaml.load(fixed, Loader=_Loader)
                self.fixes[path] = fixes
            data = _json_keys(data)
        else:  # xml or text examples
            data = text
        self.files[path] = data
        return data

    def _case_insensitive(self, path: Path) -> Path:
        """The published files were written on a case-insensitive file system: a reference to
        `headers/location.yaml` means `headers/Location.yaml`."""
        parent = path.parent
        if parent.is_dir():
            for other in parent.iterdir():
                if other.name.lower() == path.name.lower():
                    self.case_fixes.add(f"{path.parent.name}/{path.name} -> {other.name}")
                    return other.resolve()
        raise MissingFile(str(path))

    def deref(self, node: Any, base: Path) -> tuple[Any, Path, str | None]:
        """Follow `$ref` chains: (target, file it lives in, canonical key or None)."""
        key = None
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            file_part, _, fragment = ref.partition("#")
            target_path = (base.parent / file_part).resolve() if file_part else base.resolve()
            target = self.load(target_path)
            for part in [p for p in fragment.split("/") if p]:
                part = part.replace("~1", "/").replace("~0", "~")
                target = target[int(part)] if isinstance(target, list) else target[part]
            key = f"{target_path}#{fragment}"
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            if siblings and isinstance(target, dict) and not _is_schema_like(target):
                target = {**target, **siblings}
            node, base = target, target_path
            seen += 1
            if seen > 50:
                raise ValueError(f"$ref loop at {ref}")
        return node, base, key

    def inline(
        self, node: Any, base: Path, stack: tuple[str, ...] = (), skip: frozenset[str] = frozenset()
    ) -> Any:
        """Fully inlined copy (a recursive reference becomes `{}`: accept anything there);
        keys in `skip` are left out (examples and headers when only schemas matter)."""
        if isinstance(node, list):
            return [self.inline(v, base, stack, skip) for v in node]
        if not isinstance(node, dict):
            return node
        if isinstance(node.get("$ref"), str):
            target, tbase, key = self.deref(node, base)
            if key in stack:
                return {}
            return self.inline(target, tbase, (*stack, key or ""), skip)
        return {k: self.inline(v, base, stack, skip) for k, v in node.items() if k not in skip}


def _is_schema_like(d: dict[str, Any]) -> bool:
    return any(k in d for k in ("type", "properties", "allOf", "oneOf", "anyOf", "items"))


@dataclass
class RawOperation:
    """One operation as found in a document, with the file its refs are relative to."""

    method: str
    template: str  # relative to the base path
    op: dict[str, Any]
    shared_params: list[Any]
    base: Path
    source: str


@dataclass
class SpecFolder:
    """One API version folder, read from its bundle or its split YAML (whichever is current)."""

    api: str  # folder name, e.g. "appsec"
    version: str  # "v1" ("" for unversioned folders)
    folder: Path
    docs: Documents = field(default_factory=Documents)
    base_path: str = ""
    servers: list[str] = field(default_factory=list)
    title: str = ""
    operations: list[RawOperation] = field(default_factory=list)
    source: str = ""
    notes: list[str] = field(default_factory=list)


def _roots(folder: Path) -> tuple[list[Path], list[Path]]:
    """Split-YAML root documents: (current set, superseded older files)."""
    roots = []
    for path in sorted(folder.glob("*.yaml")):
        head = path.read_text(encoding="utf-8")[:4000]
        if re.search(r"^openapi:", head, re.M) and re.search(r"^paths:", path.read_text(), re.M):
            roots.append(path)
    numbered = [p for p in roots if re.match(r"\d\d-", p.name)]
    if numbered:
        return numbered, [p for p in roots if p not in numbered]
    return roots, []


def _collect(docs: Documents, roots: list[Path], source: str) -> tuple[list[RawOperation], Any]:
    ops: list[RawOperation] = []
    first = None
    seen: set[tuple[str, str]] = set()
    for root in roots:
        doc = docs.load(root)
        first = first or doc
        for template, item in (doc.get("paths") or {}).items():
            item_node, item_base, _ = docs.deref(item, root)
            shared = item_node.get("parameters") or []
            for method in METHODS:
                if method in item_node and (method, template) not in seen:
                    seen.add((method, template))
                    ops.append(
                        RawOperation(
                            method.upper(),
                            str(template),
                            item_node[method],
                            shared,
                            item_base,
                            f"{source}:{root.name}",
                        )
                    )
    return ops, first


def _check_refs(docs: Documents, raw: list[RawOperation]) -> None:
    """Resolve every reference of every operation once: raises MissingFile early."""
    for r in raw:
        docs.inline({"p": r.shared_params, "o": r.op}, r.base, skip=_NOT_SCHEMA)


# What a missing file may hold without making the folder unusable (examples are optional, headers
# of responses are not compiled).
_NOT_SCHEMA = frozenset({"example", "examples", "headers"})


def read_folder(folder: Path, api: str, version: str) -> SpecFolder:
    """Read one folder, choosing bundle or split YAML; explain the choice in `notes`."""
    spec = SpecFolder(api=api, version=version, folder=folder)
    bundle = folder / "openapi.json"
    roots, older = _roots(folder)
    bundle_ops: list[RawOperation] = []
    bundle_doc = None
    bundle_docs = Documents()
    if bundle.is_file():
        bundle_ops, bundle_doc = _collect(bundle_docs, [bundle], "openapi.json")
    split_ops: list[RawOperation] = []
    split_doc = None
    split_error = None
    if roots:
        try:
            split_ops, split_doc = _collect(spec.docs, roots, "yaml")
            _check_refs(spec.docs, split_ops)
        except MissingFile as exc:
            split_error = (
                f"split YAML refers to a missing file {Path(str(exc)).relative_to(folder)}"
            )
    where = f"{api}/{version}" if version else api
    if split_ops and split_error is None and len(split_ops) >= len(bundle_ops):
        spec.operations, doc, spec.source = split_ops, split_doc, "split YAML"
        if bundle_ops and len(split_ops) > len(bundle_ops):
            spec.notes.append(
                f"{where}: split YAML has {len(split_ops)} operations, openapi.json "
                f"{len(bundle_ops)}: used the split YAML (newer)"
            )
        if older:
            names = ", ".join(p.name for p in older)
            spec.notes.append(f"{where}: older unnumbered YAML superseded by NN-*.yaml: {names}")
        for fix in sorted(spec.docs.case_fixes):
            spec.notes.append(f"{where}: reference with the wrong letter case resolved: {fix}")
        for path, fixes in spec.docs.fixes.items():
            spec.notes.append(f"{where}: repaired {path.name}: {len(fixes)} fix(es): {fixes[0]}")
    elif bundle_ops:
        spec.operations, doc, spec.source = bundle_ops, bundle_doc, "openapi.json"
        spec.docs = bundle_docs
        if split_error:
            spec.notes.append(f"{where}: {split_error}; used openapi.json (self-contained)")
        elif split_ops:
            spec.notes.append(
                f"{where}: split YAML has {len(split_ops)} operations, openapi.json "
                f"{len(bundle_ops)}: used openapi.json"
            )
    else:
        raise ValueError(f"{where}: no usable OpenAPI document ({split_error or 'none found'})")
    servers = [s.get("url", "") for s in (doc.get("servers") or [])]
    spec.servers = servers
    url = servers[0] if servers else ""
    spec.base_path = urlsplit(re.sub(r"\{[^}]+\}", "host", url)).path.rstrip("/")
    spec.title = str((doc.get("info") or {}).get("title", "")).removeprefix("Akamai: ")
    return spec


def all_folders(root: Path | None = None) -> list[tuple[str, str, Path]]:
    """(api, version, folder) for every spec folder."""
    apis = (root or specs_root()) / "apis"
    out = []
    for api_dir in sorted(p for p in apis.iterdir() if p.is_dir()):
        versions = sorted(p for p in api_dir.iterdir() if p.is_dir() and re.match(r"v\d+$", p.name))
        if versions:
            out.extend((api_dir.name, v.name, v) for v in versions)
        elif (api_dir / "openapi.json").is_file() or any(api_dir.glob("*.yaml")):
            out.append((api_dir.name, "", api_dir))
    return out


def index_titles(root: Path | None = None) -> dict[str, tuple[str, str]]:
    """`apis/<folder>` -> (title, description) from Akamai's INDEX.md."""
    path = (root or specs_root()) / "INDEX.md"
    out: dict[str, tuple[str, str]] = {}
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(
            r"\| \[([^\]]+)\]\(apis/([^)]+)\) \| [^|]* \| (.*?)\s*(\(\[Learn more.*)?\|", line
        )
        if m:
            out[m.group(2).strip("/")] = (m.group(1), m.group(3).strip())
    return out

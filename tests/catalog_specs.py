"""Response schemas read straight from Akamai's specs (not from alecs's compiled catalog).

Tests validate the sandbox's spec-driven answers against these. The specs are read with the
catalog builder's tolerant reader (same folder choice: bundle or newer split YAML), every `$ref`
inlined from the published files, `allOf` parts merged the way OpenAPI means them, and OpenAPI
3.0 keywords normalised for jsonschema (tests/openapi_schema.normalize_schema).
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from openapi_schema import normalize_schema  # noqa: E402

from alecs.catalog.schema import flatten_all_of  # noqa: E402


@cache
def _folder(api: str, version: str) -> Any:
    from tools.catalog.specs import read_folder, specs_root

    root = specs_root() / "apis" / api
    return read_folder(root / version if version else root, api, version)


def real_response_schema(api: str, version: str, method: str, path: str, status: int) -> Any:
    """The published JSON schema of `METHOD path` (full path, base path included) for `status`,
    or None when the spec declares no JSON body."""
    spec = _folder(api, version)
    template = path[len(spec.base_path) :] if path.startswith(spec.base_path) else path
    for raw in spec.operations:
        if raw.method == method and raw.template == template:
            responses = {str(k): v for k, v in (raw.op.get("responses") or {}).items()}
            node = responses.get(str(status))
            if node is None:
                return None
            resp, base, _ = spec.docs.deref(node, raw.base)
            content = resp.get("content") or {}
            media = [m for m in content if "json" in m or m == "*/*"]
            if not media:
                return None
            entry, base, _ = spec.docs.deref(content[media[0]], base)
            if entry.get("schema") is None:
                return None
            schema = spec.docs.inline(entry["schema"], base)
            return normalize_schema(flatten_all_of(schema, {}))
    raise LookupError(f"{method} {path} not in {api}/{version}")

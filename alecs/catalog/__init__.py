"""Every Akamai API operation from one catalog (compiled from Akamai's OpenAPI specs).

    from alecs import catalog
    catalog.search("security configurations", limit=5)      # ranked hits
    catalog.describe("GET /appsec/v1/configs")               # or an operationId
    catalog.match("GET", "/appsec/v1/configs/12/versions")   # Match(operation, path_params)
    catalog.validate_request(op, query={...}, body={...})    # [Problem(field, message)]

Data: `alecs/catalog/data/<api>-<version>.json.gz`, one per API version, loaded on first use
(`make catalog` rebuilds them from `../shared/akamai-apis`). Akamai's Apache-2.0 notice is in
`alecs/catalog/data/NOTICE` and `LICENSE`.
"""

from __future__ import annotations

import re
from typing import Any

from alecs.catalog.describe import describe_operation
from alecs.catalog.match import Match, NoMatch, nearest
from alecs.catalog.match import match as _match
from alecs.catalog.model import ApiInfo, Catalog, Operation, Param, default_catalog
from alecs.catalog.search import Hit, SearchIndex
from alecs.catalog.validate import Problem
from alecs.catalog.validate import validate_request as _validate

__all__ = [
    "ApiInfo",
    "Catalog",
    "Hit",
    "Match",
    "NoMatch",
    "Operation",
    "Param",
    "Problem",
    "describe",
    "find_operation",
    "match",
    "nearest",
    "search",
    "validate_request",
]

_index: SearchIndex | None = None


def _search_index() -> SearchIndex:
    global _index
    if _index is None:
        _index = SearchIndex(default_catalog())
    return _index


def search(query: str, api: str | None = None, limit: int = 10) -> list[Hit]:
    """Operations ranked for plain words; `api` filters by API (`appsec`, `edgeworkers-v1`)."""
    return _search_index().search(query, api=api, limit=limit)


class UnknownOperation(LookupError):
    """No operation by that reference; `candidates` are the nearest ones."""

    def __init__(self, message: str, candidates: list[Operation]) -> None:
        super().__init__(message)
        self.candidates = candidates


_REF = re.compile(r"^\s*([A-Za-z]+)\s+(/\S*)\s*$")


def find_operation(ref: str, api: str | None = None, catalog: Catalog | None = None) -> Operation:
    """An operation by `"METHOD /path/template"` (a concrete path works too) or operationId.

    Raises UnknownOperation (with the nearest candidates) when nothing or several match."""
    cat = catalog or default_catalog()
    m = _REF.match(ref)
    if m:
        method, path = m.group(1).upper(), m.group(2)
        ops = (
            cat.operations(api)
            if api
            else [
                o
                for a in cat.apis()
                for o in cat.api(a.name).operations
                if path.startswith(a.base_path + "/") or not a.base_path
            ]
        )
        for op in ops:
            if op.method == method and op.path == path:
                return op
        found = _match(cat, method, path)
        if found is not None and (api is None or found.operation.api.api == cat.info(api).api):
            return found.operation
        near = nearest(cat, method, path)
        raise UnknownOperation(f"no operation {method} {path} in the catalog", near)
    op_id = ref.strip()
    ops = cat.operations(api) if api else cat.operations()
    same = [o for o in ops if o.id == op_id]
    if len(same) == 1:
        return same[0]
    if len(same) > 1:
        names = ", ".join(f"{o.api.name}: {o.ref}" for o in same[:8])
        raise UnknownOperation(
            f"operationId {op_id!r} is in {len(same)} APIs ({names}); "
            "pass `api` or use 'METHOD /path'",
            same,
        )
    hits = [h.operation for h in search(op_id.replace("-", " "), api=api, limit=5)]
    raise UnknownOperation(f"no operation with operationId {op_id!r}", hits)


def describe(ref: str, api: str | None = None) -> dict[str, Any]:
    """Parameters with types and required flags, the body schema trimmed, an example, media
    types and whether it writes."""
    return describe_operation(find_operation(ref, api=api))


def match(method: str, path: str) -> Match | None:
    """The operation for a concrete request (`GET /appsec/v1/configs/12`), with path params."""
    return _match(default_catalog(), method, path)


def validate_request(
    op: Operation,
    query: dict[str, Any] | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    path_params: dict[str, str] | None = None,
) -> list[Problem]:
    """Field-naming problems of a request for `op` (empty list: well-formed)."""
    return _validate(op, path_params=path_params, query=query, body=body, headers=headers)

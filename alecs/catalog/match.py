"""Concrete request path -> catalog operation and path parameters; nearest operations otherwise."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from alecs.catalog.model import Catalog, Operation


@dataclass(frozen=True, slots=True)
class Match:
    operation: Operation
    path_params: dict[str, str]


class NoMatch(LookupError):
    """No operation has this method and path; `nearest` lists the closest ones."""

    def __init__(self, method: str, path: str, nearest: list[Operation], reason: str) -> None:
        self.method = method
        self.path = path
        self.nearest = nearest
        super().__init__(reason)


def candidates(catalog: Catalog, path: str) -> list[Operation]:
    ops: list[Operation] = []
    best_len = -1
    for info in catalog.apis():
        if not info.edgegrid:
            continue
        base = info.base_path
        if base and not (path == base or path.startswith(base + "/")):
            continue
        if not base:
            first = "/" + path.strip("/").split("/")[0]
            api_ops = [o for o in catalog.api(info.name).operations if o.path.startswith(first)]
            if api_ops:
                ops.extend(api_ops)
            continue
        if len(base) > best_len:
            best_len = len(base)
        ops.extend(catalog.api(info.name).operations)
    return ops


def match(catalog: Catalog, method: str, path: str) -> Match | None:
    """The operation for `METHOD /concrete/path` (a query string is ignored), or None.

    When several templates match, the one with the most literal segments wins
    (`/versions/latest` over `/versions/{version}`)."""
    method = method.upper()
    clean = urlsplit(path).path or "/"
    best: tuple[int, Operation, list[str]] | None = None
    for op in candidates(catalog, clean):
        if op.method != method:
            continue
        m = op.regex.match(clean)
        if m is None:
            continue
        score = op.literal_segments
        if best is None or score > best[0]:
            best = (score, op, list(m.groups()))
    if best is None:
        return None
    _, op, values = best
    return Match(op, {n: unquote(v) for n, v in zip(op.path_names, values, strict=True)})


def nearest(catalog: Catalog, method: str, path: str, limit: int = 5) -> list[Operation]:
    """Operations whose template looks most like `path` (same method first)."""
    method = method.upper()
    clean = urlsplit(path).path or "/"
    segs = [s for s in clean.split("/") if s]
    pool = candidates(catalog, clean)
    if not pool:
        pool = [
            o for info in catalog.apis() if info.edgegrid for o in catalog.api(info.name).operations
        ]

    def score(op: Operation) -> float:
        tsegs = [s for s in op.path.split("/") if s]
        same = 0.0
        for a, b in zip(segs, tsegs, strict=False):
            if "{" in b:
                same += 0.8
            elif a == b:
                same += 1.0
            else:
                same += difflib.SequenceMatcher(None, a, b).ratio() * 0.7
        length_penalty = abs(len(segs) - len(tsegs)) * 0.6
        method_bonus = 0.5 if op.method == method else 0.0
        return same - length_penalty + method_bonus

    ranked = sorted(pool, key=lambda o: (-score(o), o.path, o.method))
    return ranked[:limit]

"""The catalog's data model: APIs and operations, loaded lazily from package data.

The botocore model: one gzipped JSON file per API version under `alecs/catalog/data/`, compiled
from Akamai's OpenAPI specs by `tools/catalog` (`make catalog`), plus `index.json` listing them.
Nothing is read until asked for; each API file is read once.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any

_PARAM = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True, slots=True)
class ApiInfo:
    """One API version as listed in the index (no operations loaded)."""

    name: str  # "appsec-v1"
    api: str  # "appsec"
    version: str  # "v1"
    title: str
    description: str
    base_path: str  # "/appsec/v1"
    family: str  # rate-limit family for the transport ("papi", "dns", "appsec", ...)
    operations: int
    edgegrid: bool  # reachable on the EdgeGrid API host (False: NetStorage Usage API)


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    where: str  # path, query, header, cookie
    required: bool
    schema: Mapping[str, Any]
    description: str = ""
    example: Any = None


@dataclass(eq=False)
class Operation:
    """One API operation. `path` is the template with the API's base path."""

    api: ApiInfo
    id: str
    method: str
    path: str
    summary: str
    description: str
    tags: tuple[str, ...]
    params: tuple[Param, ...]
    body: Mapping[str, Any] | None
    ok: tuple[str, ...]
    response: Mapping[str, Any] | None
    writes: bool
    deprecated: bool
    defs: Mapping[str, Any] = field(repr=False)

    @property
    def ref(self) -> str:
        """`METHOD /path/template`, the way describe and search name an operation."""
        return f"{self.method} {self.path}"

    @property
    def family(self) -> str:
        return self.api.family

    @property
    def status(self) -> int:
        """The documented success status (the first 2xx)."""
        return int(self.ok[0]) if self.ok and self.ok[0].isdigit() else 200

    @cached_property
    def path_names(self) -> tuple[str, ...]:
        return tuple(_PARAM.findall(self.path))

    @cached_property
    def regex(self) -> re.Pattern[str]:
        parts = _PARAM.split(self.path)
        pattern = ""
        for i, part in enumerate(parts):
            pattern += re.escape(part) if i % 2 == 0 else "([^/]+)"
        return re.compile("^" + pattern + "/?$")

    @cached_property
    def literal_segments(self) -> int:
        return sum(1 for s in self.path.split("/") if s and "{" not in s)

    def param(self, name: str, where: str | None = None) -> Param | None:
        for p in self.params:
            if p.name == name and (where is None or p.where == where):
                return p
        return None

    def __repr__(self) -> str:
        return f"Operation({self.api.name}: {self.ref} [{self.id}])"


@dataclass(eq=False)
class Api:
    info: ApiInfo
    operations: list[Operation]
    defs: Mapping[str, Any]


class Catalog:
    """The operation catalog. Thread-safe lazy loading; `Catalog()` reads the shipped data."""

    def __init__(self, data: Any = None) -> None:
        self._data = data if data is not None else resources.files("alecs.catalog") / "data"
        self._lock = threading.Lock()
        self._index: dict[str, ApiInfo] | None = None
        self._meta: dict[str, Any] | None = None
        self._apis: dict[str, Api] = {}

    # -- index ---------------------------------------------------------------------------

    @property
    def meta(self) -> dict[str, Any]:
        """index.json as written by the builder (counts, notes, skipped)."""
        if self._meta is None:
            self._meta = json.loads((self._data / "index.json").read_text(encoding="utf-8"))
        return self._meta

    def apis(self) -> list[ApiInfo]:
        if self._index is None:
            index = {}
            for a in self.meta["apis"]:
                index[a["name"]] = ApiInfo(
                    name=a["name"],
                    api=a["api"],
                    version=a["version"],
                    title=a["title"],
                    description=a.get("description", ""),
                    base_path=a["base_path"],
                    family=a["family"],
                    operations=a["operations"],
                    edgegrid=a.get("edgegrid", True),
                )
            self._index = index
        return list(self._index.values())

    def info(self, name: str) -> ApiInfo:
        """An API by `appsec`, `appsec/v1`, `appsec-v1` or its title (case-insensitive)."""
        found = self.find_api(name)
        if found is None:
            known = ", ".join(sorted({a.api for a in self.apis()}))
            raise KeyError(f"unknown API {name!r}; known: {known}")
        return found

    def find_api(self, name: str) -> ApiInfo | None:
        key = name.strip().lower().strip("/").replace("/", "-")
        apis = self.apis()
        by_name = {a.name.lower(): a for a in apis}
        if key in by_name:
            return by_name[key]
        same = [a for a in apis if a.api.lower() == key or a.title.lower() == key]
        if not same:
            same = [a for a in apis if a.base_path.strip("/").split("/")[0].lower() == key]
        if same:
            return max(same, key=lambda a: int(a.version[1:] or 0) if a.version else 0)
        return None

    # -- operations ----------------------------------------------------------------------

    def api(self, name: str) -> Api:
        info = self.info(name)
        api = self._apis.get(info.name)
        if api is not None:
            return api
        with self._lock:
            api = self._apis.get(info.name)
            if api is None:
                api = self._load(info)
                self._apis[info.name] = api
        return api

    def _load(self, info: ApiInfo) -> Api:
        raw = json.loads(gzip.decompress((self._data / f"{info.name}.json.gz").read_bytes()))
        defs = raw.get("defs") or {}
        ops = [
            Operation(
                api=info,
                id=o["id"],
                method=o["method"],
                path=o["path"],
                summary=o.get("summary", ""),
                description=o.get("description", ""),
                tags=tuple(o.get("tags") or ()),
                params=tuple(
                    Param(
                        name=p["name"],
                        where=p["in"],
                        required=bool(p.get("required")),
                        schema=p.get("schema") or {},
                        description=p.get("description", ""),
                        example=p.get("example"),
                    )
                    for p in o.get("params") or ()
                ),
                body=o.get("body"),
                ok=tuple(o.get("ok") or ("200",)),
                response=o.get("response"),
                writes=bool(o.get("writes")),
                deprecated=bool(o.get("deprecated")),
                defs=defs,
            )
            for o in raw["operations"]
        ]
        return Api(info=info, operations=ops, defs=defs)

    def operations(self, api: str | None = None) -> list[Operation]:
        if api is not None:
            return list(self.api(api).operations)
        out: list[Operation] = []
        for info in self.apis():
            out.extend(self.api(info.name).operations)
        return out

    def __len__(self) -> int:
        return int(self.meta["operations"])


_default: Catalog | None = None


def default_catalog() -> Catalog:
    global _default
    if _default is None:
        _default = Catalog()
    return _default

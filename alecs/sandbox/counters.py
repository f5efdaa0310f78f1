"""Request counters, read through `GET /_sandbox/counters`.

The JSON shape (every count is an integer; maps may be empty)::

    {
      "total": 7,                                   # API requests received (admin excluded)
      "routes": {                                   # by "METHOD /route/template"
        "GET /papi/v1/contracts": {"count": 3, "status": {"200": 2, "429": 1}},
        "POST /papi/v1/properties/{propertyId}/activations": {"count": 0, "status": {}},
        "GET /no/such/path": {"count": 1, "status": {"404": 1}}   # unmatched: the raw path
      },
      "status": {"200": 5, "401": 1, "429": 1},     # all routes together; "reset" = aborted
      "http_versions": {"2": 6, "1.1": 1},
      "connections": {                              # by client "ip:port"
        "127.0.0.1:50312": {"requests": 6, "http_version": "2"}
      },
      "connections_total": 2,
      "accounts": {"act_1-5SBXA1": 6},              # requests that passed authentication
      "writes": {"POST /papi/v1/cpcodes": 1},       # committed state changes per route
      "writes_total": 1,
      "faults": {"latency": 0, "error": 0, "reset": 0},
      "rate_limited": {"papi": 1}                   # 429s per rate-limit family
    }

Every registered route is listed from the start with `count` 0, so a test can assert
`counters["routes"]["POST /papi/v1/cpcodes"]["count"] == 0` without a KeyError.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any


class Counters:
    """Thread-safe request counters (updated on the server loop, read from anywhere)."""

    def __init__(self, route_keys: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._route_keys = list(route_keys)
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.total = 0
            self.routes: dict[str, dict[str, Any]] = {
                key: {"count": 0, "status": {}} for key in self._route_keys
            }
            self.status: Counter[str] = Counter()
            self.http_versions: Counter[str] = Counter()
            self.connections: dict[str, dict[str, Any]] = {}
            self.accounts: Counter[str] = Counter()
            self.writes: Counter[str] = Counter()
            self.faults: Counter[str] = Counter({"latency": 0, "error": 0, "reset": 0})
            self.rate_limited: Counter[str] = Counter()

    def add_route_key(self, key: str) -> None:
        with self._lock:
            self._route_keys.append(key)
            self.routes.setdefault(key, {"count": 0, "status": {}})

    def request(
        self,
        route_key: str,
        status: int | str,
        *,
        http_version: str,
        connection: str,
        account: str | None,
    ) -> None:
        status_key = str(status)
        with self._lock:
            self.total += 1
            entry = self.routes.setdefault(route_key, {"count": 0, "status": {}})
            entry["count"] += 1
            entry["status"][status_key] = entry["status"].get(status_key, 0) + 1
            self.status[status_key] += 1
            self.http_versions[http_version] += 1
            conn = self.connections.setdefault(
                connection, {"requests": 0, "http_version": http_version}
            )
            conn["requests"] += 1
            if account:
                self.accounts[account] += 1

    def write(self, route_key: str) -> None:
        with self._lock:
            self.writes[route_key] += 1

    def fault(self, kind: str) -> None:
        with self._lock:
            self.faults[kind] += 1

    def limited(self, family: str) -> None:
        with self._lock:
            self.rate_limited[family] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": self.total,
                "routes": {
                    k: {"count": v["count"], "status": dict(v["status"])}
                    for k, v in self.routes.items()
                },
                "status": dict(self.status),
                "http_versions": dict(self.http_versions),
                "connections": {k: dict(v) for k, v in self.connections.items()},
                "connections_total": len(self.connections),
                "accounts": dict(self.accounts),
                "writes": dict(self.writes),
                "writes_total": sum(self.writes.values()),
                "faults": dict(self.faults),
                "rate_limited": dict(self.rate_limited),
            }

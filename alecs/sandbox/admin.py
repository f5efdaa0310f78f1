"""A small synchronous client for the sandbox admin API (`/_sandbox/`, loopback, unsigned).

sb.admin.counters()                                  # the JSON documented in counters.py
sb.admin.route_count("POST /papi/v1/cpcodes")        # requests received on that route
sb.admin.route_count("GET /papi/v1/groups", status=200)
sb.admin.writes("POST /papi/v1/cpcodes")             # committed writes on that route
sb.admin.set_faults({"pattern": "/papi/*", "error_rate": 1.0, "times": 1})
sb.admin.set_faults(pattern="/papi/*", latency_ms=200)   # one rule from keywords
sb.admin.clear_faults()
sb.admin.reset()                                     # state, counters, faults, limits, clock
sb.admin.set_rate_limits(enabled=True, limits={"papi": {"capacity": 3, "refill_per_s": 1}})
sb.admin.advance_clock(30)                           # long-running operations move on
sb.admin.state("act_1-5SBXA1", "cpcodes")            # documents of one collection
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import httpx2


class AdminError(RuntimeError):
    """The admin API refused a request (the message is its error text)."""


class AdminClient:
    def __init__(self, base_url: str, ca_path: Path | str, timeout: float = 10.0) -> None:
        self._client = httpx2.Client(
            base_url=base_url.rstrip("/") + "/_sandbox",
            verify=ssl.create_default_context(cafile=str(ca_path)),
            timeout=timeout,
        )

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self._client.request(method, path, json=body)
        data = response.json() if response.content else None
        if response.status_code >= 400:
            message = data.get("error") if isinstance(data, dict) else response.text
            raise AdminError(f"{method} /_sandbox{path}: {response.status_code} {message}")
        return data

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/health")

    def counters(self) -> dict[str, Any]:
        return self._call("GET", "/counters")

    def clear_counters(self) -> None:
        self._call("DELETE", "/counters")

    def route_count(self, route: str, status: int | str | None = None) -> int:
        """Requests received on `"METHOD /route/template"` (optionally with one status)."""
        entry = self.counters()["routes"].get(route)
        if entry is None:
            return 0
        if status is None:
            return int(entry["count"])
        return int(entry["status"].get(str(status), 0))

    def writes(self, route: str | None = None) -> int:
        counters = self.counters()
        if route is None:
            return int(counters["writes_total"])
        return int(counters["writes"].get(route, 0))

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "/faults")["rules"]

    def set_faults(
        self, *rules: dict[str, Any], seed: int | None = None, replace: bool = True, **rule: Any
    ) -> list[dict[str, Any]]:
        all_rules = list(rules) + ([rule] if rule else [])
        body: dict[str, Any] = {"rules": all_rules, "replace": replace}
        if seed is not None:
            body["seed"] = seed
        return self._call("POST", "/faults", body)["rules"]

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def reset(self, **parts: bool) -> dict[str, bool]:
        """Reset state, counters, faults, rate limits and clock (or only the parts named
        False/True, e.g. `reset(state=False)`); `nonces=True` also forgets seen nonces."""
        return self._call("POST", "/reset", parts)

    def rate_limits(self) -> dict[str, Any]:
        return self._call("GET", "/rate-limits")

    def set_rate_limits(
        self,
        *,
        enabled: bool | None = None,
        limits: dict[str, dict[str, float]] | None = None,
        refill: bool = False,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"refill": refill}
        if enabled is not None:
            body["enabled"] = enabled
        if limits:
            body["limits"] = limits
        return self._call("POST", "/rate-limits", body)

    def advance_clock(self, seconds: float) -> float:
        return self._call("POST", "/clock", {"advance_s": seconds})["now"]

    def clock(self) -> dict[str, float]:
        return self._call("GET", "/clock")

    def state(self, account_id: str, collection: str | None = None) -> dict[str, Any]:
        path = f"/state/{account_id}" + (f"/{collection}" if collection else "")
        return self._call("GET", path)

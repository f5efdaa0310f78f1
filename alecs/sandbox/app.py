"""The sandbox's ASGI application: the simulated Akamai APIs and the admin API, on Starlette.

`SandboxApp` owns the parts every request uses (store, API clients and their verifier, faults,
rate limiter, clock, counters, the router with every service's routes) and dispatches with a
Starlette router:

- `/_sandbox/...`: the admin API (`admin_api.py`, loopback clients only);
- everything else: `pipeline.ApiPipeline`, the one wrapper around every API route
  (verification, accounts, faults, rate limits, counters, the handler or the spec responder).

The services are `framework.SERVICE_MODULES`; each `alecs/sandbox/<family>.py` declares its
routes in `register(router)` (see framework.py). A missing service module is an error.
Built and served by `runner.SandboxThread`; usable under any ASGI server.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.routing import Mount
from starlette.routing import Router as StarletteRouter

from alecs.sandbox.admin_api import admin_app
from alecs.sandbox.counters import Counters
from alecs.sandbox.faults import FaultRule, Faults
from alecs.sandbox.framework import (
    PROBLEM_BASE,
    SERVICE_MODULES,
    ApiProblem,
    Handler,
    RateLimited,
    Request,
    Response,
    Route,
    Router,
    api_base_of,
    family_of,
    load_services,
)
from alecs.sandbox.pipeline import MAX_REQUEST_BODY, ApiPipeline
from alecs.sandbox.ratelimit import BucketSpec, RateLimiter
from alecs.sandbox.settings import SandboxSettings
from alecs.sandbox.state import SandboxClock, Store
from alecs.sandbox.verify import ApiClient, EdgeGridVerifier

__all__ = [
    "MAX_REQUEST_BODY",
    "PROBLEM_BASE",
    "SERVICE_MODULES",
    "ApiProblem",
    "RateLimited",
    "Request",
    "Response",
    "Route",
    "Router",
    "SandboxApp",
    "api_base_of",
    "family_of",
    "load_services",
]


@dataclass
class Account:
    account_id: str
    name: str


class SandboxApp:
    """The ASGI application. Built and owned by `SandboxThread`; usable under any ASGI server."""

    def __init__(
        self,
        *,
        settings: SandboxSettings,
        clients: list[ApiClient],
        store: Store,
        switch_keys: Mapping[str, str],
        router: Router | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clients = {c.client_token: c for c in clients}
        self.switch_keys = dict(switch_keys)
        self.verifier = EdgeGridVerifier(self.clients, max_skew_s=settings.max_clock_skew_s)
        self.router = router or load_services(Router())
        self.counters = Counters(self.router.keys())
        self.faults = Faults(_initial_faults(settings), seed=settings.fault_seed)
        self.rate_limiter = RateLimiter(
            {k: _bucket(v) for k, v in dict(settings.rate_limit_overrides).items()},
            enabled=settings.rate_limits,
        )
        self.clock = SandboxClock()
        self.started_at = time.time()
        # "ip:port" -> the connection's StreamWriter, filled in by the runner (for resets)
        self.connections: dict[str, asyncio.StreamWriter] = {}
        self.inflight: Counter[str] = Counter()  # requests being handled per connection
        self.asgi = StarletteRouter(
            routes=[Mount("/_sandbox", app=admin_app(self))],
            default=ApiPipeline(self),
            redirect_slashes=False,
        )

    def add_route(self, method: str, template: str, handler: Handler, **kw: Any) -> Route:
        """Register a route on the running app (tests, plug-ins); see `Router.add`."""
        route = self.router.add(method, template, handler, **kw)
        self.counters.add_route_key(route.key)
        return route

    def operation_delay(self, kind: str) -> float:
        delays = dict(self.settings.operation_delays)
        if kind in delays:
            return float(delays[kind])
        family = kind.split(".")[0]
        if family in delays:
            return float(delays[family])
        return float(self.settings.activation_delay_s)

    # -- ASGI ------------------------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await self.asgi(scope, receive, send)

    def reset(
        self,
        *,
        state: bool = True,
        counters: bool = True,
        faults: bool = True,
        rate_limits: bool = True,
        clock: bool = True,
        nonces: bool = False,
    ) -> dict[str, bool]:
        """Reset the parts named (see `POST /_sandbox/reset`)."""
        if state:
            self.store.reset()
        if counters:
            self.counters.clear()
        if faults:
            self.faults.clear()
        if rate_limits:
            self.rate_limiter.reset()
        if clock:
            self.clock.reset()
        if nonces:
            self.verifier.nonces.clear()
        return {
            "state": state,
            "counters": counters,
            "faults": faults,
            "rate_limits": rate_limits,
            "clock": clock,
            "nonces": nonces,
        }


def _initial_faults(settings: SandboxSettings) -> list[FaultRule]:
    rules = [r if isinstance(r, FaultRule) else FaultRule.from_dict(r) for r in settings.faults]
    if settings.latency_ms or settings.jitter_ms or settings.error_rate or settings.reset_rate:
        rule = FaultRule(
            pattern=settings.fault_pattern,
            latency_ms=settings.latency_ms,
            jitter_ms=settings.jitter_ms,
            error_rate=settings.error_rate,
            reset_rate=settings.reset_rate,
        )
        rule.validate()
        rules.append(rule)
    return rules


def _bucket(value: BucketSpec | Mapping[str, Any]) -> BucketSpec:
    return value if isinstance(value, BucketSpec) else BucketSpec.from_dict(value)

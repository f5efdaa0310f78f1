"""The sandbox's admin API under `/_sandbox/` (loopback clients only, not signed; JSON).

- `GET /_sandbox/health`: `{"status": "ok", "accounts": [...], "services": [...], ...}`
- `GET /_sandbox/counters` (shape in counters.py), `DELETE /_sandbox/counters` (clear)
- `GET /_sandbox/faults` -> `{"rules": [...]}`; `DELETE /_sandbox/faults` removes every rule;
  `POST /_sandbox/faults` with `{"rules": [rule, ...], "seed": 1, "replace": true}` or one rule
  object (rule fields in faults.py)
- `POST /_sandbox/reset` with `{"state": true, "counters": true, "faults": true,
  "rate_limits": true, "clock": true, "nonces": false}` (each optional; defaults shown;
  `rate_limits` restores the start-up configuration with full buckets)
- `GET|POST /_sandbox/rate-limits`: `{"enabled": false, "refill": true,
  "limits": {"papi": {"capacity": 5, "refill_per_s": 1}}}`
- `GET|POST /_sandbox/clock`: `{"advance_s": 30}` moves simulated time forward
- `GET /_sandbox/state/{accountId}[/{collection}]`: the account's documents

Errors are `{"error": "..."}` with 400 (bad input), 403 (not a loopback client), 404 (no such
admin endpoint) or 405. `admin_app(app)` builds the Starlette application; the synchronous
client tests use is `admin.AdminClient`.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from alecs.sandbox.faults import FaultConfigError, FaultRule
from alecs.sandbox.ratelimit import BucketSpec

if TYPE_CHECKING:
    from alecs.sandbox.app import SandboxApp

RESET_PARTS = ("state", "counters", "faults", "rate_limits", "clock", "nonces")


class AdminInputError(ValueError):
    """Bad input to an admin endpoint (answered 400 with the message)."""


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status)


def is_loopback(ip: str) -> bool:
    return ip.startswith("127.") or ip in ("::1", "localhost")


async def _json(request: Request) -> Any:
    body = await request.body()
    try:
        return json.loads(body) if body else {}
    except ValueError:
        raise AdminInputError("the body must be JSON") from None


def reset_args(data: Any) -> dict[str, bool]:
    if not isinstance(data, dict):
        raise AdminInputError("send a JSON object")
    unknown = sorted(set(data) - set(RESET_PARTS))
    if unknown:
        raise AdminInputError(
            f"unknown reset field(s) {', '.join(unknown)}; allowed: {RESET_PARTS}"
        )
    return {k: bool(v) for k, v in data.items()}


class _LoopbackOnly:
    """ASGI middleware: the admin API answers loopback clients only."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            client = scope.get("client") or ("", 0)
            if not is_loopback(client[0]):
                response = _error(403, "the sandbox admin API answers loopback clients only")
                await response(scope, receive, send)
                return
            path = scope["path"]
            if len(path) > 1 and path.endswith("/"):  # /_sandbox/health/ is /_sandbox/health
                scope = {**scope, "path": path.rstrip("/")}
        await self.app(scope, receive, send)


def admin_app(app: SandboxApp) -> Any:
    """The admin API of `app` as an ASGI application (to mount at `/_sandbox`)."""

    async def health(_request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "status": "ok",
                "accounts": list(app.store.accounts),
                "services": list(app.router.services),
                "routes": len(app.router.routes),
                "persist": app.store.db_path is not None,
                "rate_limits": app.rate_limiter.enabled,
                "uptime_s": round(time.time() - app.started_at, 3),
            }
        )

    async def counters(request: Request) -> JSONResponse:
        if request.method == "DELETE":
            app.counters.clear()
            return JSONResponse({"cleared": True})
        return JSONResponse(app.counters.snapshot())

    async def faults(request: Request) -> JSONResponse:
        if request.method == "POST":
            data = await _json(request)
            if not isinstance(data, dict):
                raise AdminInputError("send a JSON object: {'rules': [...]} or one rule")
            raw = data.get("rules", None)
            if raw is None:
                raw = [{k: v for k, v in data.items() if k not in ("seed", "replace")}]
            if not isinstance(raw, list):
                raise AdminInputError("'rules' must be a list of fault rules")
            rules = [FaultRule.from_dict(r) for r in raw]
            app.faults.set(rules, seed=data.get("seed"), replace=data.get("replace", True))
        elif request.method == "DELETE":
            app.faults.clear()
        return JSONResponse({"rules": app.faults.rules()})

    async def reset(request: Request) -> JSONResponse:
        return JSONResponse(app.reset(**reset_args(await _json(request))))

    async def rate_limits(request: Request) -> JSONResponse:
        if request.method == "POST":
            data = await _json(request)
            if not isinstance(data, dict):
                raise AdminInputError("send a JSON object")
            limits = {k: BucketSpec.from_dict(v) for k, v in (data.get("limits") or {}).items()}
            enabled = data.get("enabled")
            if enabled is not None and not isinstance(enabled, bool):
                raise AdminInputError("'enabled' must be true or false")
            app.rate_limiter.configure(enabled=enabled, limits=limits)
            if data.get("refill"):
                app.rate_limiter.refill()
        return JSONResponse(app.rate_limiter.to_dict())

    async def clock(request: Request) -> JSONResponse:
        if request.method == "POST":
            data = await _json(request)
            advance = data.get("advance_s", 0) if isinstance(data, dict) else None
            if not isinstance(advance, int | float) or advance < 0:
                raise AdminInputError("'advance_s' must be a number >= 0")
            app.clock.advance(advance)
        return JSONResponse({"now": app.clock.now(), "offset_s": app.clock.offset})

    async def state(request: Request) -> JSONResponse:
        account = request.path_params["account"]
        if not app.store.has_account(account):
            return _error(404, f"unknown account {account!r}")
        snap = app.store.snapshot(account)
        collection = request.path_params.get("collection")
        return JSONResponse(snap.get(collection, {}) if collection else snap)

    async def bad_input(_request: Request, exc: Exception) -> JSONResponse:
        return _error(400, str(exc))

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        if exc.status_code == 404:
            message = f"no admin endpoint {request.method} {request.url.path}"
        else:
            message = f"{exc.detail}: {request.method} {request.url.path}"
        return JSONResponse({"error": message}, exc.status_code, headers=exc.headers)

    routes = [
        Route("/health", health, methods=["GET"]),
        Route("/counters", counters, methods=["GET", "DELETE"]),
        Route("/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/rate-limits", rate_limits, methods=["GET", "POST"]),
        Route("/clock", clock, methods=["GET", "POST"]),
        Route("/state/{account}", state, methods=["GET"]),
        Route("/state/{account}/{collection}", state, methods=["GET"]),
    ]
    starlette = Starlette(
        routes=routes,
        exception_handlers={
            AdminInputError: bad_input,
            FaultConfigError: bad_input,
            ValueError: bad_input,
            TypeError: bad_input,
            HTTPException: http_error,
        },
    )
    starlette.router.redirect_slashes = False
    return _LoopbackOnly(starlette)

"""The sandbox's ASGI application: a tiny router, EdgeGrid verification, accounts, rate limits,
faults, counters and the loopback-only admin API.

A request's path through the app::

    faults ("before": latency, 5xx, connection reset)
      -> EdgeGrid verification (401)
      -> account: the API client's own, or `accountSwitchKey` (403 when unknown or not allowed)
      -> route (404 / 405)
      -> rate limit per account and API family (429)
      -> handler (problem+json on ApiProblem, 500 on a bug)
      -> faults ("after")
      -> counters

Adding a service: create `alecs/sandbox/<family>.py` (family one of `SERVICE_MODULES`) with
`register(router: Router) -> None`, e.g.::

    def register(router: Router) -> None:
        router.add("GET", "/config-dns/v2/zones", list_zones)

    async def list_zones(req: Request) -> dict:        # or a plain def
        zones = req.state.list("dns_zones")             # this account's data
        return {"zones": zones}                         # 200 application/json

Handlers get a `Request` (path params in `req.params`, query via `req.arg(...)`, body via
`req.json()`), return a dict/list (200 JSON) or a `Response`, and signal errors with
`req.fail(status, detail)` / `raise ApiProblem(...)` (problem+json; extra keyword arguments
become extra members such as `errors`). Writes go through `with req.transaction() as tx:` so
they are atomic, persisted and counted. Long-running work stores `req.schedule(kind)` in its
document and reads `alecs.sandbox.state.operation_state(doc, req.now())`.

Each route takes one token from its family's bucket (`papi`, `ccu`, `dns`, `cps`, `netlists`,
by path prefix). Register with `rate_limited=False` to take tokens yourself, several buckets
at once: `req.rate_limit({"ccu": 1, "ccu-url": len(urls)})`. `router.set_rate_limit_body(
family, fn)` replaces the 429 body (the default fits PAPI's problem-429 schema).

Admin API (loopback clients only, not signed; JSON):

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
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import importlib
import inspect
import json
import logging
import re
import socket
import struct
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import parse_qs

from alecs.sandbox import state as state_module
from alecs.sandbox.counters import Counters
from alecs.sandbox.faults import FaultConfigError, FaultRule, Faults
from alecs.sandbox.ratelimit import BucketSpec, RateDecision, RateLimiter
from alecs.sandbox.state import SandboxClock, Store, Transaction
from alecs.sandbox.verify import ApiClient, AuthError, EdgeGridVerifier

if TYPE_CHECKING:
    from alecs.sandbox.runner import SandboxSettings

logger = logging.getLogger("alecs.sandbox")

SERVICE_MODULES = ("papi", "ccu", "dns", "cps", "netlists")
PROBLEM_BASE = "https://problems.luna.akamaiapis.net"
MAX_REQUEST_BODY = 8 * 1024 * 1024
COMPRESS_MIN_BYTES = 1024
_FAMILY_PREFIXES = (
    ("/papi/", "papi"),
    ("/ccu/", "ccu"),
    ("/config-dns/", "dns"),
    ("/cps/", "cps"),
    ("/network-list/", "netlists"),
)
_STATUS_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def family_of(path: str) -> str:
    """The rate-limit family of a path (`papi`, `ccu`, `dns`, `cps`, `netlists`, `default`)."""
    for prefix, family in _FAMILY_PREFIXES:
        if path.startswith(prefix):
            return family
    return "default"


def api_base_of(path: str) -> str:
    """`/papi/v1/groups` -> `papi/v1` (the part of problem types that names the API)."""
    parts = [p for p in path.split("/") if p]
    return "/".join(parts[:2]) if len(parts) >= 2 else "-"


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "error"


# ---------------------------------------------------------------------------------------------
# Responses and problems


@dataclass
class Response:
    """What a handler may return. `body` is JSON-encoded unless it is bytes."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


class ApiProblem(Exception):
    """An error answered as application/problem+json, shaped like Akamai's."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        type: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or _STATUS_TITLES.get(status, "Error")
        self.type = type
        self.headers = dict(headers or {})
        self.extra = extra

    def document(self, *, path: str, instance: str) -> dict[str, Any]:
        type_ = self.type or f"{PROBLEM_BASE}/{api_base_of(path)}/http/{_slug(self.title)}"
        if not type_.startswith("http"):
            type_ = f"{PROBLEM_BASE}/{type_.lstrip('/')}"
        doc: dict[str, Any] = {
            "type": type_,
            "title": self.title,
            "detail": self.detail,
            "instance": instance,
            "status": self.status,
        }
        doc.update(self.extra)
        return doc


class RateLimited(Exception):
    """Raised by `Request.rate_limit` when a bucket is empty."""

    def __init__(self, decision: RateDecision) -> None:
        super().__init__(f"rate limit {decision.family}")
        self.decision = decision


# ---------------------------------------------------------------------------------------------
# Routing

Handler = Callable[["Request"], Any]
RateLimitBody = Callable[["Request", RateDecision], dict[str, Any]]


@dataclass
class Route:
    method: str
    template: str
    handler: Handler
    family: str
    pattern: re.Pattern[str]
    rate_limited: bool = True

    @property
    def key(self) -> str:
        """The counter key: `"METHOD /route/template"`."""
        return f"{self.method} {self.template}"


class Router:
    """Routes by method and path template (`/papi/v1/properties/{propertyId}`)."""

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.rate_limit_bodies: dict[str, RateLimitBody] = {}
        self.services: list[str] = []

    def add(
        self,
        method: str,
        template: str,
        handler: Handler,
        *,
        family: str | None = None,
        rate_limited: bool = True,
    ) -> Route:
        """Register `handler` for `method` on `template`.

        `family` names the rate-limit bucket (default: from the path prefix). With
        `rate_limited=False` the framework takes no token and the handler calls
        `req.rate_limit({...})` itself (several buckets, all or nothing).
        """
        if not template.startswith("/"):
            raise ValueError(f"route template must start with '/': {template!r}")
        regex = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
        route = Route(
            method.upper(),
            template,
            handler,
            family or family_of(template),
            re.compile(regex),
            rate_limited,
        )
        for existing in self.routes:
            if existing.key == route.key:
                raise ValueError(f"route registered twice: {route.key}")
        self.routes.append(route)
        return route

    def route(
        self, method: str, template: str, *, family: str | None = None, rate_limited: bool = True
    ):
        """Decorator form of `add`."""

        def deco(fn: Handler) -> Handler:
            self.add(method, template, fn, family=family, rate_limited=rate_limited)
            return fn

        return deco

    def get(self, template: str, **kw: Any):
        return self.route("GET", template, **kw)

    def post(self, template: str, **kw: Any):
        return self.route("POST", template, **kw)

    def put(self, template: str, **kw: Any):
        return self.route("PUT", template, **kw)

    def patch(self, template: str, **kw: Any):
        return self.route("PATCH", template, **kw)

    def delete(self, template: str, **kw: Any):
        return self.route("DELETE", template, **kw)

    def set_rate_limit_body(self, family: str, builder: RateLimitBody) -> None:
        """Use `builder(req, decision)` for the body of this family's 429 responses."""
        self.rate_limit_bodies[family] = builder

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
        """(route, params, allowed methods when only the method is wrong)."""
        allowed: list[str] = []
        for route in self.routes:
            m = route.pattern.match(path)
            if not m:
                continue
            if route.method == method:
                return route, m.groupdict(), []
            allowed.append(route.method)
        return None, {}, allowed

    def keys(self) -> list[str]:
        return [r.key for r in self.routes]


def load_services(router: Router, modules: tuple[str, ...] = SERVICE_MODULES) -> Router:
    """Import each `alecs.sandbox.<name>` that exists and call its `register(router)`."""
    for name in modules:
        qualified = f"alecs.sandbox.{name}"
        try:
            module = importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name == qualified:
                continue
            raise
        module.register(router)
        router.services.append(name)
    return router


# ---------------------------------------------------------------------------------------------
# The request a handler sees


class Request:
    """One API request, authenticated and bound to an account."""

    def __init__(
        self,
        app: SandboxApp,
        *,
        method: str,
        path: str,
        query_string: str,
        headers: dict[str, str],
        body: bytes,
        http_version: str,
        connection: str,
    ) -> None:
        self.app = app
        self.method = method
        self.path = path
        self.query_string = query_string
        self.target = path + (f"?{query_string}" if query_string else "")
        self.headers = headers
        self.body = body
        self.http_version = http_version
        self.connection = connection
        self.query: dict[str, list[str]] = parse_qs(query_string, keep_blank_values=True)
        self.params: dict[str, str] = {}
        self.route: Route | None = None
        self.client: ApiClient | None = None
        self.account_id: str = ""
        self.request_id = uuid.uuid4().hex[:16]
        self.wrote = False
        self.rate: RateDecision | None = None  # sets the X-RateLimit-* response headers

    # -- identity ------------------------------------------------------------------------------

    @property
    def instance(self) -> str:
        """Akamai's problem `instance`: the request target plus `#` and a request id."""
        return f"{self.target}#{self.request_id}"

    @property
    def state(self) -> state_module.AccountState:
        """Read access to the current account's documents."""
        return self.app.store.account(self.account_id)

    @property
    def family(self) -> str:
        return self.route.family if self.route else family_of(self.path)

    # -- input ---------------------------------------------------------------------------------

    def arg(self, name: str, default: str | None = None, *, required: bool = False) -> str | None:
        """The first value of query parameter `name`."""
        values = self.query.get(name)
        if values:
            return values[0]
        if required:
            raise self.problem(
                400, f"The query parameter '{name}' is required.", title="Bad Request"
            )
        return default

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self, *, required: bool = True) -> Any:
        """The body parsed as JSON; 415/400 problems when it is not."""
        if not self.body:
            if required:
                raise self.problem(400, "The request body is required and must be JSON.")
            return None
        ctype = self.headers.get("content-type", "application/json").split(";")[0].strip()
        if ctype and not (ctype.endswith("json") or ctype == "text/plain"):
            raise self.problem(
                415, f"Content-Type {ctype!r} is not supported; send application/json."
            )
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise self.problem(400, f"The request body is not valid JSON: {exc}") from None

    # -- output --------------------------------------------------------------------------------

    def problem(self, status: int, detail: str, **kw: Any) -> ApiProblem:
        """Build a problem to `raise` (`raise req.problem(404, "No such property")`)."""
        return ApiProblem(status, detail, **kw)

    def fail(self, status: int, detail: str, **kw: Any) -> NoReturn:
        raise ApiProblem(status, detail, **kw)

    # -- state ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Atomic, persisted writes to this account, counted under this route's key."""

        def committed(_tx: Transaction) -> None:
            self.wrote = True
            key = self.route.key if self.route else f"{self.method} {self.path}"
            self.app.counters.write(key)

        with self.app.store.transaction(self.account_id, on_commit=committed) as tx:
            yield tx

    def now(self) -> float:
        """Simulated time (seconds since the epoch)."""
        return self.app.clock.now()

    def iso_now(self) -> str:
        return self.app.clock.iso()

    def schedule(
        self,
        kind: str,
        *,
        states: tuple[str, ...] = ("PENDING", "ACTIVE"),
        final: str | None = None,
    ) -> dict[str, Any]:
        """A long-running operation schedule with the configured delay for `kind`
        (for example `papi.activation`, `ccu.purge`, `dns.change`, `cps.change`)."""
        return state_module.schedule(
            self.now(), self.app.operation_delay(kind), states=states, final=final
        )

    def rate_limit(self, wants: Mapping[str, float]) -> list[RateDecision]:
        """Take tokens from several buckets at once, all or nothing; raises RateLimited when
        one is short. For routes registered with `rate_limited=False`, e.g. a purge:
        `req.rate_limit({"ccu": 1, "ccu-url": len(urls)})`. The first decision's
        `X-RateLimit-*` headers go on the response."""
        decisions = self.app.rate_limiter.take_all(self.account_id, wants)
        if decisions and not decisions[0].allowed:
            raise RateLimited(decisions[0])
        if decisions:
            self.rate = decisions[0]
        return decisions


# ---------------------------------------------------------------------------------------------
# The application


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
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body, too_large = await _read_body(receive)
        raw_path = scope.get("raw_path") or scope["path"].encode()
        path = raw_path.decode("latin-1")
        query_string = scope.get("query_string", b"").decode("latin-1")
        headers: dict[str, str] = {}
        for name, value in scope.get("headers", []):
            key = name.decode("latin-1").lower()
            val = value.decode("latin-1")
            headers[key] = f"{headers[key]},{val}" if key in headers else val
        client = scope.get("client") or ("", 0)
        connection = f"{client[0]}:{client[1]}"

        if path.startswith("/_sandbox/") or path == "/_sandbox":
            status, payload = await self._admin(scope, path, query_string, body, client[0])
            await _send(send, Response(payload, status), headers)
            return

        self.inflight[connection] += 1
        try:
            await self._http(scope, send, path, query_string, headers, body, too_large)
        finally:
            self.inflight[connection] -= 1
            if not self.inflight[connection]:
                del self.inflight[connection]

    async def _http(
        self,
        scope: dict[str, Any],
        send: Any,
        path: str,
        query_string: str,
        headers: dict[str, str],
        body: bytes,
        too_large: bool,
    ) -> None:
        client = scope.get("client") or ("", 0)
        connection = f"{client[0]}:{client[1]}"
        http_version = scope.get("http_version", "1.1")
        req = Request(
            self,
            method=scope["method"].upper(),
            path=path,
            query_string=query_string,
            headers=headers,
            body=body,
            http_version=http_version,
            connection=connection,
        )
        started = time.perf_counter()
        response, reset = await self._handle(req, too_large)
        key = req.route.key if req.route else f"{req.method} {req.path}"
        if reset:
            self.counters.request(
                key,
                "reset",
                http_version=http_version,
                connection=connection,
                account=req.account_id or None,
            )
            self._abort(connection)
            return
        assert response is not None
        response.headers.setdefault("X-Trace-Id", req.request_id)  # as Akamai's API gateway
        self.counters.request(
            key,
            response.status,
            http_version=http_version,
            connection=connection,
            account=req.account_id or None,
        )
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s (%.1f ms, HTTP/%s)",
                req.method,
                key.partition(" ")[2],
                response.status,
                (time.perf_counter() - started) * 1000,
                http_version,
            )
        await _send(send, response, headers)

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _handle(self, req: Request, too_large: bool) -> tuple[Response | None, bool]:
        route, params, allowed = self.router.match(req.method, req.path)
        req.route, req.params = route, params
        template = route.template if route else None

        decision = self.faults.decide(req.method, req.path, template)
        if decision.delay_s > 0:
            self.counters.fault("latency")
            await asyncio.sleep(decision.delay_s)
        if decision.phase == "before":
            if decision.reset:
                self.counters.fault("reset")
                return None, True
            if decision.error_status is not None:
                self.counters.fault("error")
                return self._fault_response(
                    req, decision.error_status, decision.retry_after_s
                ), False

        response = await self._process(req, route, allowed, too_large)

        if decision.phase == "after":
            if decision.reset:
                self.counters.fault("reset")
                return None, True
            if decision.error_status is not None:
                self.counters.fault("error")
                return self._fault_response(
                    req, decision.error_status, decision.retry_after_s
                ), False
        return response, False

    def _fault_response(self, req: Request, status: int, retry_after: float | None) -> Response:
        headers = (
            {"Retry-After": str(max(0, round(retry_after)))} if retry_after is not None else {}
        )
        problem = ApiProblem(
            status,
            "The sandbox injected this error (fault injection).",
            type=f"{PROBLEM_BASE}/-/sandbox/injected-fault",
            headers=headers,
        )
        return self._problem_response(req, problem)

    async def _process(
        self, req: Request, route: Route | None, allowed: list[str], too_large: bool
    ) -> Response:
        try:
            if too_large:
                raise ApiProblem(413, f"The request body is larger than {MAX_REQUEST_BODY} bytes.")
            try:
                client = self.verifier.verify(
                    method=req.method,
                    host=req.headers.get("host", ""),
                    target=req.target,
                    headers=req.headers,
                    body=req.body,
                )
            except AuthError as exc:
                return _json_response(exc.problem(req.instance), exc.status, problem=True)
            req.client = client
            req.account_id = self._account_for(req, client)
            if route is None:
                if allowed:
                    raise ApiProblem(
                        405,
                        f"{req.method} is not allowed on {req.path}; allowed: "
                        + ", ".join(sorted(set(allowed))),
                        headers={"Allow": ", ".join(sorted(set(allowed)))},
                    )
                raise ApiProblem(404, "The system was unable to locate the requested resource.")
            if route.rate_limited:
                req.rate_limit({route.family: 1})
            result = route.handler(req)
            if inspect.isawaitable(result):
                result = await result
            response = result if isinstance(result, Response) else Response(result)
            if req.rate is not None:
                response.headers.update(req.rate.headers(time.time()))
            return response
        except ApiProblem as problem:
            response = self._problem_response(req, problem)
            if req.rate is not None:
                response.headers.update(req.rate.headers(time.time()))
            return response
        except RateLimited as limited:
            return self._rate_limited_response(req, limited.decision)
        except Exception:
            logger.exception("sandbox handler failed: %s %s", req.method, req.path)
            problem = ApiProblem(
                500, "The sandbox failed to handle this request (see the sandbox log)."
            )
            return self._problem_response(req, problem)

    def _account_for(self, req: Request, client: ApiClient) -> str:
        key = req.arg("accountSwitchKey")
        if key is None:
            return client.account_id
        account = self.switch_keys.get(key)
        if account is None:
            raise ApiProblem(
                403,
                "The account switch key is not valid for this API client.",
                title="Forbidden",
                type=f"{PROBLEM_BASE}/-/pep-authz/deny",
            )
        if account != client.account_id and not client.can_switch_accounts:
            raise ApiProblem(
                403,
                "This API client is not allowed to switch accounts.",
                title="Forbidden",
                type=f"{PROBLEM_BASE}/-/pep-authz/deny",
            )
        return account

    def _problem_response(self, req: Request, problem: ApiProblem) -> Response:
        doc = problem.document(path=req.path, instance=req.instance)
        response = _json_response(doc, problem.status, problem=True)
        response.headers.update(problem.headers)
        return response

    def _rate_limited_response(self, req: Request, decision: RateDecision) -> Response:
        self.counters.limited(decision.family)
        builder = self.router.rate_limit_bodies.get(decision.family)
        if builder is not None:
            doc = builder(req, decision)
        else:
            doc = {
                "type": f"{PROBLEM_BASE}/{api_base_of(req.path)}/limit-exceeded",
                "title": "Too Many Requests",
                "detail": (
                    f"The {decision.family} rate limit of this account is exhausted; "
                    f"retry after {decision.retry_after_s:.1f} seconds."
                ),
                "instance": req.instance,
                "status": 429,
                "limitKey": "API_RATE_LIMIT",
                "instanceKey": req.account_id or "unknown",
                "limit": decision.limit,
                "remaining": decision.remaining,
            }
        response = _json_response(doc, 429, problem=True)
        response.headers.update(decision.headers(time.time()))
        return response

    def _abort(self, connection: str) -> None:
        writer = self.connections.get(connection)
        if writer is None:
            raise ConnectionAbortedError("sandbox fault: connection reset")
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    # -- admin API -------------------------------------------------------------------------------

    async def _admin(
        self, scope: dict[str, Any], path: str, query: str, body: bytes, client_ip: str
    ) -> tuple[int, Any]:
        if not _is_loopback(client_ip):
            return 403, {"error": "the sandbox admin API answers loopback clients only"}
        method = scope["method"].upper()
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return 400, {"error": "the body must be JSON"}
        try:
            return self._admin_route(method, path.rstrip("/"), data)
        except (FaultConfigError, ValueError, TypeError) as exc:
            return 400, {"error": str(exc)}

    def _admin_route(self, method: str, path: str, data: Any) -> tuple[int, Any]:
        if path == "/_sandbox/health" and method == "GET":
            return 200, {
                "status": "ok",
                "accounts": list(self.store.accounts),
                "services": list(self.router.services),
                "routes": len(self.router.routes),
                "persist": self.store.db_path is not None,
                "rate_limits": self.rate_limiter.enabled,
                "uptime_s": round(time.time() - self.started_at, 3),
            }
        if path == "/_sandbox/counters":
            if method == "GET":
                return 200, self.counters.snapshot()
            if method == "DELETE":
                self.counters.clear()
                return 200, {"cleared": True}
        if path == "/_sandbox/faults":
            if method == "GET":
                return 200, {"rules": self.faults.rules()}
            if method == "POST":
                if not isinstance(data, dict):
                    raise ValueError("send a JSON object: {'rules': [...]} or one rule")
                raw = data.get("rules", None)
                if raw is None:
                    raw = [{k: v for k, v in data.items() if k not in ("seed", "replace")}]
                if not isinstance(raw, list):
                    raise ValueError("'rules' must be a list of fault rules")
                rules = [FaultRule.from_dict(r) for r in raw]
                self.faults.set(rules, seed=data.get("seed"), replace=data.get("replace", True))
                return 200, {"rules": self.faults.rules()}
            if method == "DELETE":
                self.faults.clear()
                return 200, {"rules": []}
        if path == "/_sandbox/reset" and method == "POST":
            return 200, self.reset(**_reset_args(data))
        if path == "/_sandbox/rate-limits":
            if method == "GET":
                return 200, self.rate_limiter.to_dict()
            if method == "POST":
                limits = {k: BucketSpec.from_dict(v) for k, v in (data.get("limits") or {}).items()}
                enabled = data.get("enabled")
                if enabled is not None and not isinstance(enabled, bool):
                    raise ValueError("'enabled' must be true or false")
                self.rate_limiter.configure(enabled=enabled, limits=limits)
                if data.get("refill"):
                    self.rate_limiter.refill()
                return 200, self.rate_limiter.to_dict()
        if path == "/_sandbox/clock":
            if method == "POST":
                advance = data.get("advance_s", 0)
                if not isinstance(advance, int | float) or advance < 0:
                    raise ValueError("'advance_s' must be a number >= 0")
                self.clock.advance(advance)
            if method in ("GET", "POST"):
                return 200, {"now": self.clock.now(), "offset_s": self.clock.offset}
        if path.startswith("/_sandbox/state/") and method == "GET":
            parts = path.split("/")[3:]
            account = parts[0]
            if not self.store.has_account(account):
                return 404, {"error": f"unknown account {account!r}"}
            snap = self.store.snapshot(account)
            if len(parts) > 1:
                return 200, snap.get(parts[1], {})
            return 200, snap
        return 404, {"error": f"no admin endpoint {method} {path}"}

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


def _reset_args(data: Any) -> dict[str, bool]:
    if not isinstance(data, dict):
        raise ValueError("send a JSON object")
    allowed = ("state", "counters", "faults", "rate_limits", "clock", "nonces")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValueError(f"unknown reset field(s) {', '.join(unknown)}; allowed: {allowed}")
    return {k: bool(v) for k, v in data.items()}


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


def _is_loopback(ip: str) -> bool:
    return ip.startswith("127.") or ip in ("::1", "localhost")


async def _read_body(receive: Callable[[], Awaitable[dict[str, Any]]]) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    too_large = False
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_REQUEST_BODY:
            chunks.append(chunk)
        else:
            too_large = True
        if not message.get("more_body", False):
            break
    return b"".join(chunks), too_large


def _json_response(doc: Any, status: int, *, problem: bool = False) -> Response:
    ctype = "application/problem+json" if problem else "application/json"
    return Response(doc, status, {}, ctype)


def _encode(response: Response) -> bytes:
    if response.body is None and response.status == 204:
        return b""
    if isinstance(response.body, bytes | bytearray):
        return bytes(response.body)
    return json.dumps(response.body, separators=(",", ":")).encode()


def _compress(payload: bytes, accept: str) -> tuple[bytes, str | None]:
    if len(payload) < COMPRESS_MIN_BYTES or not accept:
        return payload, None
    codings = {c.split(";")[0].strip().lower() for c in accept.split(",")}
    if "br" in codings:
        try:
            import brotli

            return brotli.compress(payload, quality=4), "br"
        except ImportError:  # pragma: no cover - brotli is a dependency
            pass
    if "gzip" in codings:
        return gzip.compress(payload, compresslevel=5), "gzip"
    return payload, None


async def _send(send: Any, response: Response, request_headers: Mapping[str, str]) -> None:
    payload = _encode(response)
    encoding = None
    if response.status != 204:
        payload, encoding = _compress(payload, request_headers.get("accept-encoding", ""))
    headers = [(b"content-type", response.content_type.encode())] if payload else []
    if encoding:
        headers.append((b"content-encoding", encoding.encode()))
        headers.append((b"vary", b"Accept-Encoding"))
    headers.append((b"content-length", str(len(payload)).encode()))
    for name, value in response.headers.items():
        headers.append((name.lower().encode("latin-1"), str(value).encode("latin-1")))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})

"""The sandbox's request/response framework: what a service module uses.

A service module (`alecs/sandbox/<family>.py`) declares its routes in `register(router)`::

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

Routes are matched by Starlette's router primitives (`starlette.routing.Route`: the same
`{name}` templates, one path segment per parameter). Each route takes one token from its
family's bucket (`papi`, `ccu`, `dns`, `cps`, `netlists`, by path prefix). Register with
`rate_limited=False` to take tokens yourself, several buckets at once:
`req.rate_limit({"ccu": 1, "ccu-url": len(urls)})`. `router.set_rate_limit_body(family, fn)`
replaces the 429 body (the default fits PAPI's problem-429 schema) and
`router.set_rate_limit_media_type(family, type)` its media type.

What runs around every handler (verification, accounts, faults, rate limits, counters) is in
`pipeline.py`; the ASGI application that puts it together is `app.py`.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import parse_qs

from starlette.routing import Match
from starlette.routing import Route as StarletteRoute

from alecs.sandbox import state as state_module
from alecs.sandbox.ratelimit import RateDecision
from alecs.sandbox.state import Transaction

if TYPE_CHECKING:
    from alecs.sandbox.app import SandboxApp
    from alecs.sandbox.verify import ApiClient

SERVICE_MODULES = ("papi", "ccu", "dns", "cps", "netlists")
PROBLEM_BASE = "https://problems.luna.akamaiapis.net"

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
    """One operation: `method` on `template`, answered by `handler` (which may be replaced,
    e.g. by a test that records exchanges)."""

    method: str
    template: str
    handler: Handler
    family: str
    matcher: StarletteRoute
    rate_limited: bool = True

    @property
    def key(self) -> str:
        """The counter key: `"METHOD /route/template"`."""
        return f"{self.method} {self.template}"

    @property
    def pattern(self) -> re.Pattern[str]:
        """The compiled path regex (Starlette's)."""
        return self.matcher.path_regex


def _no_endpoint(_request: Any) -> None:  # pragma: no cover - matching only, never called
    raise RuntimeError("sandbox routes are dispatched by the pipeline")


class Router:
    """The API's routes, by method and path template (`/papi/v1/properties/{propertyId}`).

    Paths are matched on the raw request path (percent-escapes kept, as the handlers and the
    EdgeGrid signature see them), in registration order."""

    def __init__(self) -> None:
        self.routes: list[Route] = []
        self.rate_limit_bodies: dict[str, RateLimitBody] = {}
        self.rate_limit_media_types: dict[str, str] = {}
        self.services: list[str] = []
        self._keys: set[str] = set()

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
        route = Route(
            method.upper(),
            template,
            handler,
            family or family_of(template),
            StarletteRoute(template, _no_endpoint, methods=[method.upper()]),
            rate_limited,
        )
        if route.key in self._keys:
            raise ValueError(f"route registered twice: {route.key}")
        self._keys.add(route.key)
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

    def set_rate_limit_media_type(self, family: str, media_type: str) -> None:
        """The media type of this family's 429 responses (default application/problem+json)."""
        self.rate_limit_media_types[family] = media_type

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], list[str]]:
        """(route, params, allowed methods when only the method is wrong)."""
        scope = {"type": "http", "path": path, "root_path": "", "method": method}
        allowed: list[str] = []
        for route in self.routes:
            matched, child = route.matcher.matches(scope)
            if matched is Match.NONE:
                continue
            if matched is Match.FULL and route.method == method:  # (FULL is HEAD on a GET too)
                return route, dict(child["path_params"]), []
            allowed.append(route.method)
        return None, {}, allowed

    def keys(self) -> list[str]:
        return [r.key for r in self.routes]


def load_services(router: Router, modules: tuple[str, ...] = SERVICE_MODULES) -> Router:
    """Import each `alecs.sandbox.<name>` and call its `register(router)`.

    A module that is missing, or has no `register`, is an error: the sandbox would otherwise
    answer that API's operations from the fallback and nobody would notice."""
    for name in modules:
        qualified = f"alecs.sandbox.{name}"
        try:
            module = importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name == qualified:
                raise RuntimeError(
                    f"the sandbox service module {qualified} is missing "
                    f"(services: {', '.join(modules)})"
                ) from None
            raise
        register = getattr(module, "register", None)
        if not callable(register):
            raise RuntimeError(f"the sandbox service module {qualified} has no register(router)")
        register(router)
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

"""`Transport`: the one network layer every Akamai call goes through.

The pipeline of one `request()`, outermost first:

1. Single-flight (GET): identical in-flight calls share one request, so followers take no
   rate-limit tokens and no breaker probes.
2. Deadline: one absolute deadline for the whole call; every wait is clipped to it, and a wait
   that cannot fit fails at once with the reason.
3. Attempt loop (`_call`), one named step per stage, each a small method:
   `_prepare` (family, bucket group, breaker and budget of the (host, family), the request) ->
   `_wait_for_rate_limit` (a token, waiting locally; a 429 pause releases waiters at the refill
   rate) -> `_admit` (the circuit breaker's permit, taken right before sending; while a probe
   is in flight, wait for its verdict) -> `_send` (EdgeGrid signs afresh on every send) ->
   `_observe` (metrics, the limiter learns `X-RateLimit-*`, a probe's verdict) ->
   `RetryPolicy.decide` (pure) -> `_throttle` (429 / IP block: no retry budget) or `_back_off`
   (spend the (host, family) `RetryBudget`, full-jitter backoff) or `_conclude` (the breaker
   counts the call's final outcome once; the response or a typed error).
4. Errors: `AkamaiApiError`, `CircuitOpenError`, `RateLimitedError`, `TransportError`,
   `AmbiguousWriteError` (a write that may have been applied), `DeadlineExceededError`, each
   with the attempt count and never a secret.

Hot path: no logging formatting unless DEBUG is on, one small state object per call and one
`Outcome` per attempt beyond httpx2's own request and response; metrics are integer updates.
"""

from __future__ import annotations

import asyncio
import collections
import copy
import dataclasses
import functools
import gzip
import json as jsonlib
import logging
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, Self

import httpcore2
import httpx2

from alecs.config import Credentials
from alecs.transport import observe
from alecs.transport.breaker import PERMIT_NORMAL, PERMIT_PROBE, BreakerSet, CircuitBreaker
from alecs.transport.clock import SYSTEM_CLOCK, Clock
from alecs.transport.dns import (
    CachingBackend,
    DnsCache,
    DnsLookupError,
    Resolver,
    is_ip_literal,
    system_resolver,
)
from alecs.transport.errors import (
    AkamaiApiError,
    AlecsError,
    AmbiguousWriteError,
    CircuitOpenError,
    DeadlineExceededError,
    RateLimitedError,
    TransportError,
)
from alecs.transport.metrics import (
    BreakerState,
    DnsStats,
    HostMetrics,
    NetworkHealth,
    RateLimitState,
    totals,
)
from alecs.transport.netstream import AsyncioBackend
from alecs.transport.pool import SectionClient, redact_proxy, unprocessed_reason
from alecs.transport.probe import ProbeResult, run_probe, split_host
from alecs.transport.ratelimit import BucketGroup, RateLimiter, family_for_path, purge_objects
from alecs.transport.retry import (
    WRITE_METHODS,
    Outcome,
    RetryBudget,
    RetryDecision,
    RetryPolicy,
    server_wait_hint,
)
from alecs.transport.settings import TransportSettings
from alecs.transport.singleflight import SingleFlight, SingleFlightTimeout

log = logging.getLogger("alecs.transport")

# httpx2 logs every request URL (query string included) at INFO, httpcore2 traces at DEBUG, and
# the HTTP/2 libraries (h2, hpack) log header blocks at DEBUG (hpack's decoder prints values
# in clear). Keep them all at WARNING so that no log level of the application can make them
# print request details; our own logger reports requests without headers or query strings.
# (A process that sets these loggers to DEBUG itself still never sees the Authorization header:
# httpcore2 traces show request objects without headers, and hpack's encoder redacts the
# header, which h2 marks sensitive.)
for _name in ("httpx2", "httpcore2", "h2", "hpack"):
    logging.getLogger(_name).setLevel(logging.WARNING)

_DEBUG = logging.DEBUG
_HOW_TO_CHECK = "read the resource back (GET) before sending {method} again"
_REQUEST_ID_HEADERS = ("x-trace-id", "akamai-request-id", "x-akamai-request-id", "x-request-id")


class _Section:
    __slots__ = (
        "breakers",
        "budgets",
        "client",
        "credentials",
        "host",
        "metrics",
        "name",
        "policy",
    )

    def __init__(
        self,
        client: SectionClient,
        breakers: BreakerSet,
        budgets: dict[str, RetryBudget],
        metrics: HostMetrics,
        policy: RetryPolicy,
    ) -> None:
        self.client = client
        self.credentials = client.credentials
        self.name = client.section
        self.host = client.host
        self.breakers = breakers  # shared by the sections of one host
        self.budgets = budgets  # per API family, shared by the sections of one host
        self.metrics = metrics
        self.policy = policy

    def budget_for(self, family: str) -> RetryBudget:
        budget = self.budgets.get(family)
        if budget is None:
            budget = self.budgets[family] = RetryBudget.from_policy(self.policy)
        return budget


class _Call:
    """The state of one call while it moves through the pipeline steps of `Transport`."""

    __slots__ = (
        "attempt",
        "breaker",
        "budget",
        "budget_s",
        "deadline_at",
        "debug",
        "error",
        "family",
        "group",
        "idempotent",
        "kind",
        "method",
        "objects",
        "path",
        "per_attempt",
        "permit",
        "request",
        "response",
        "sec",
        "sent",
        "shared",
        "t0",
        "throttles",
    )

    def __init__(
        self,
        *,
        sec: _Section,
        method: str,
        path: str,
        family: str,
        request: httpx2.Request,
        group: BucketGroup | None,
        objects: tuple[str, int] | None,
        idempotent: bool | None,
        per_attempt: float | None,
        budget_s: float | None,
        deadline_at: float | None,
        breaker: CircuitBreaker,
        budget: RetryBudget,
        debug: bool,
    ) -> None:
        self.sec = sec
        self.method = method
        self.path = path
        self.family = family
        self.request = request
        self.group = group
        self.objects = objects
        self.idempotent = idempotent
        self.per_attempt = per_attempt
        self.budget_s = budget_s
        self.deadline_at = deadline_at
        self.breaker = breaker
        self.budget = budget
        self.debug = debug
        self.attempt = 0  # attempts begun (rate-limited ones included)
        self.sent = 0  # attempts sent on the wire
        self.throttles = 0  # rate-limit waits taken
        self.shared = 0  # failures shared with other requests (one broken connection)
        self.permit = 0  # the breaker permit of the attempt in flight (0: none)
        self.response: httpx2.Response | None = None
        self.error: httpx2.TransportError | None = None
        self.kind = ""
        self.t0 = 0.0


def _find_cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 8:
        if isinstance(current, kind):
            return current
        current = current.__cause__ or current.__context__
        seen += 1
    return None


def classify_exception(exc: httpx2.TransportError) -> str:
    """The kind of a network failure, as `Outcome.error` (see `alecs.transport.retry`).

    Not sent: `dns`, `connect`, `tls`, `proxy`, `pool_timeout`, `refused_stream` (HTTP/2
    RST_STREAM with REFUSED_STREAM), `goaway` (a GOAWAY whose last stream id is below ours).
    Maybe processed: `timeout` (read or write), `connection` (reset or closed after sending).
    Final: `tls_verify` (certificate), `protocol` (our own request was malformed).
    """
    if isinstance(exc, httpx2.ConnectError):
        if _find_cause(exc, DnsLookupError) is not None:
            return "dns"
        if _find_cause(exc, ssl.SSLCertVerificationError) is not None:
            return "tls_verify"
        if _find_cause(exc, ssl.SSLError) is not None:
            return "tls"
        return "connect"
    if isinstance(exc, httpx2.ConnectTimeout):
        return "connect"
    if isinstance(exc, httpx2.PoolTimeout):
        return "pool_timeout"
    if isinstance(exc, httpx2.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx2.ProxyError):
        return "proxy"
    if isinstance(exc, (httpx2.LocalProtocolError, httpx2.UnsupportedProtocol)):
        return "protocol"
    unprocessed = unprocessed_reason(exc)
    if unprocessed is not None:
        return unprocessed
    return "connection"


def _strip_query(path: str) -> str:
    cut = path.find("?")
    return path if cut < 0 else path[:cut]


def api_error_from_response(
    response: httpx2.Response, method: str, path: str, attempts: int, now: float | None = None
) -> AkamaiApiError:
    """An `AkamaiApiError` from an error response, parsing problem+json where Akamai sent it.

    Reads RFC 7807 fields (`type`, `title`, `detail`, `instance`, `errors[]`) and Akamai's
    variants (`describedBy`, `supportId`, `requestId`), plus request ids from the headers.
    """
    body: Any = None
    raw = response.content
    if raw:
        content_type = response.headers.get("content-type", "")
        if "json" in content_type or raw[:1] in (b"{", b"["):
            try:
                body = jsonlib.loads(raw)
            except ValueError:
                body = None
        if body is None:
            body = response.text[:4000]
    fields: dict[str, Any] = body if isinstance(body, dict) else {}

    def text(*names: str) -> str | None:
        for name in names:
            value = fields.get(name)
            if value not in (None, ""):
                return str(value)
        return None

    request_id = text("requestId", "supportId", "traceId")
    if request_id is None:
        for header in _REQUEST_ID_HEADERS:
            value = response.headers.get(header)
            if value:
                request_id = value
                break
    errors = fields.get("errors")
    retry_after = None
    if response.status_code in (429, 503):
        hint = server_wait_hint(response.headers, time.time() if now is None else now)
        if hint is not None:
            retry_after = hint[0]
    detail = text("detail")
    if detail is None and not fields and isinstance(body, str) and body.strip():
        detail = body.strip()[:500]
    return AkamaiApiError(
        response.status_code,
        title=text("title") or response.reason_phrase or None,
        detail=detail,
        type=text("type", "describedBy"),
        instance=text("instance"),
        request_id=request_id,
        errors=errors if isinstance(errors, list) else None,
        method=method,
        path=_strip_query(path),
        attempts=attempts,
        body=body,
        retry_after=retry_after,
    )


_NO_VERDICT = frozenset({"pool_timeout", "protocol"})
_STATE_RANK = {"closed": 0, "half-open": 1, "open": 2}


def _worst_breaker(sec: _Section) -> BreakerState:
    """The breaker of the section's host in the worst state (open > half-open > closed)."""
    breakers = sec.breakers.all()
    if not breakers:
        return BreakerState(host=sec.host)
    worst = max(breakers, key=lambda b: (_STATE_RANK.get(b.state, 0), b.retry_in()))
    return BreakerState(**worst.snapshot())


def _origin_of(base_url: str) -> httpcore2.Origin:
    """The pool origin (scheme, host, port) that requests to `base_url` use."""
    url = httpx2.URL(base_url)
    return httpcore2.URL(
        scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=b"/"
    ).origin


def follower_response(response: httpx2.Response) -> httpx2.Response:
    """A single-flight follower's own copy of the leader's response.

    The body bytes are shared (immutable); headers, extensions and the request (with its own
    headers and extensions) are copies, so a caller that changes its response changes nobody
    else's. `extensions["alecs.shared"]` is True on a follower's copy.
    """
    clone = copy.copy(response)
    clone.headers = response.headers.copy()
    clone.extensions = {**response.extensions, "alecs.shared": True}
    request = getattr(response, "_request", None)
    if request is not None:
        own = copy.copy(request)
        own.headers = request.headers.copy()
        own.extensions = dict(request.extensions)
        clone.request = own
    return clone


def _freeze(mapping: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...] | None:
    if not mapping:
        return None
    return tuple(sorted((str(k).lower(), repr(v)) for k, v in mapping.items()))


class Transport:
    """The process-wide network layer: one pooled, signing HTTP/2 client per `.edgerc` section.

    ```python
    async with Transport(load_credentials("default")) as t:
        resp = await t.request("default", "GET", "/papi/v1/groups")
    ```

    `credentials`: one `Credentials`, a mapping of section name to `Credentials`, or an iterable
    of them. `settings`: `TransportSettings` (defaults documented there). `clock` and
    `resolver` are injectable for tests (time without waiting, DNS without a DNS server).
    """

    def __init__(
        self,
        credentials: Mapping[str, Credentials] | Iterable[Credentials] | Credentials,
        settings: TransportSettings | None = None,
        *,
        clock: Clock | None = None,
        resolver: Resolver | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._settings = settings or TransportSettings()
        self._clock: Clock = clock or SYSTEM_CLOCK
        if isinstance(credentials, Credentials):
            items: list[Credentials] = [credentials]
        elif isinstance(credentials, Mapping):
            # The mapping's key names the section (it wins over `Credentials.section`).
            items = [
                c if c.section == name else dataclasses.replace(c, section=name)
                for name, c in credentials.items()
            ]
        else:
            items = list(credentials)
        if not items:
            raise ValueError("Transport needs at least one credentials section")
        s = self._settings
        self._resolver_fn = resolver
        self._dns = DnsCache(
            resolver, ttl=s.dns_ttl, negative_ttl=s.dns_negative_ttl, clock=self._clock
        )
        self._backend = CachingBackend(self._dns, AsyncioBackend())
        self._limiter = RateLimiter(
            self._clock, s.rate_limits, safety=s.rate_limit_safety, enabled=s.rate_limiting
        )
        self._flight: SingleFlight[httpx2.Response] = SingleFlight(
            share=follower_response, handover=(DeadlineExceededError,)
        )
        self._recent_causes: collections.deque[BaseException] = collections.deque(maxlen=64)
        self._policy = s.retry
        self._sections: dict[str, _Section] = {}
        breakers: dict[str, BreakerSet] = {}
        budgets: dict[str, dict[str, RetryBudget]] = {}
        for creds in items:
            if creds.section in self._sections:
                raise ValueError(f"credentials section {creds.section!r} given twice")
            host = creds.host
            if host not in breakers:
                breakers[host] = BreakerSet(
                    host,
                    self._clock,
                    window=s.breaker_window,
                    min_calls=s.breaker_min_calls,
                    failure_rate=s.breaker_failure_rate,
                    open_for=s.breaker_reset_timeout,
                )
                budgets[host] = {}
            client = SectionClient(creds, s, self._backend, env=env)
            self._sections[creds.section] = _Section(
                client,
                breakers[host],
                budgets[host],
                HostMetrics(s.latency_samples),
                self._policy,
            )
        self._default = "default" if "default" in self._sections else items[0].section
        self._started = self._clock.monotonic()
        self._closed = False

    # -- introspection -------------------------------------------------------------------

    @property
    def sections(self) -> list[str]:
        return list(self._sections)

    @property
    def default_section(self) -> str:
        return self._default

    @property
    def settings(self) -> TransportSettings:
        return self._settings

    @property
    def dns_cache(self) -> DnsCache:
        return self._dns

    def credentials(self, section: str) -> Credentials:
        return self._section(section).credentials

    def _section(self, section: str | None) -> _Section:
        sec = self._sections.get(section or self._default)
        if sec is None:
            known = ", ".join(self._sections)
            raise ValueError(f"section {section!r} is not configured; configured sections: {known}")
        return sec

    # -- the call --------------------------------------------------------------------------

    async def request(
        self,
        section: str,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        account_switch_key: str | None = None,
        idempotent: bool | None = None,
        api_family: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 (per-attempt timeout, part of the API)
        deadline: float | None = None,
        raise_for_status: bool = True,
    ) -> httpx2.Response:
        """Send one Akamai API call through the whole pipeline and return the response.

        Raises `AkamaiApiError` for status >= 400 (when `raise_for_status`), `CircuitOpenError`,
        `RateLimitedError`, `TransportError` or `DeadlineExceededError`; `ValueError` for bad
        arguments (naming the argument and what is allowed).
        """
        if self._closed:
            raise RuntimeError("Transport is closed")
        observe.check_may_send(method, path)  # inside a dry run, no state-changing request
        sec = self._section(section)
        method = method.upper()
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/', got {path!r}")
        if json is not None and content is not None:
            raise ValueError("pass either json= or content=, not both")
        if timeout is not None and timeout <= 0:
            raise ValueError(f"timeout must be > 0 seconds, got {timeout}")
        if deadline is not None and deadline <= 0:
            raise ValueError(f"deadline must be > 0 seconds, got {deadline}")
        if method == "GET" and self._settings.single_flight and json is None and content is None:
            key = (
                sec.name,
                path,
                _freeze(params),
                account_switch_key,
                _freeze(headers),
                api_family,
            )
            budget_s = deadline if deadline is not None else self._settings.deadline
            called = self._clock.monotonic()

            def lead() -> Awaitable[httpx2.Response]:
                # A follower that takes over from a leader that gave up keeps only what is
                # left of its own deadline.
                left = None if budget_s is None else budget_s - (self._clock.monotonic() - called)
                return self._call(
                    sec,
                    method,
                    path,
                    params,
                    None,
                    None,
                    headers,
                    account_switch_key,
                    idempotent,
                    api_family,
                    timeout,
                    deadline if left is None or left >= budget_s else max(left, 1e-3),
                )

            try:
                response, shared = await self._flight.do(
                    key,
                    lead,
                    wait_limit=budget_s,
                    monotonic=self._clock.monotonic,
                )
            except SingleFlightTimeout:
                sec.metrics.record_error("deadline")
                sec.metrics.calls += 1
                raise DeadlineExceededError(
                    f"deadline of {budget_s:.1f}s for {method} {_strip_query(path)} passed "
                    "while waiting for an identical request already in flight",
                    attempts=0,
                ) from None
            if shared:
                sec.metrics.shared_calls += 1
        else:
            response = await self._call(
                sec,
                method,
                path,
                params,
                json,
                content,
                headers,
                account_switch_key,
                idempotent,
                api_family,
                timeout,
                deadline,
            )
        observe.record(method, path, response)  # the tool layer's audit collects request ids
        if raise_for_status and response.status_code >= 400:
            attempts = response.extensions.get("alecs.attempts", 1)
            raise api_error_from_response(response, method, path, attempts, self._clock.now())
        return response

    def _attempt_timeout(
        self, timeout: float | None, sec: _Section, remaining: float | None
    ) -> dict[str, float | None]:
        base = sec.client.timeout if timeout is None else httpx2.Timeout(timeout)
        if remaining is None:
            return base.as_dict()
        return {
            "connect": min(base.connect or remaining, remaining),
            "read": min(base.read or remaining, remaining),
            "write": min(base.write or remaining, remaining),
            "pool": min(base.pool or remaining, remaining),
        }

    # -- the attempt loop, as named pipeline steps ---------------------------------------
    #
    # _call: _prepare -> loop { _wait_for_rate_limit -> _time_left -> _admit -> _send ->
    # _observe -> RetryPolicy.decide -> _throttle | _back_off | _conclude }.
    # Each step reads and updates one `_Call` (the state of this call).

    async def _call(
        self,
        sec: _Section,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        content: bytes | None,
        headers: Mapping[str, str] | None,
        account_switch_key: str | None,
        idempotent: bool | None,
        api_family: str | None,
        per_attempt: float | None,
        deadline: float | None,
    ) -> httpx2.Response:
        call = self._prepare(
            sec, method, path, params, json, content, headers, account_switch_key, idempotent,
            api_family, per_attempt, deadline,
        )  # fmt: skip
        policy = self._policy
        clock = self._clock
        while True:
            call.attempt += 1
            await self._wait_for_rate_limit(call)
            remaining = self._time_left(call, "before")
            if not await self._admit(call, remaining):
                return self._conclude(call)
            remaining = self._time_left(call, "before")
            outcome = await self._send(call, remaining)
            self._observe(call, outcome)
            now = clock.monotonic()
            decision = policy.decide(
                attempt=call.attempt - call.throttles - call.shared,
                outcome=outcome,
                method=method,
                idempotent=idempotent,
                throttles=call.throttles,
                shared=call.shared,
                now=clock.now(),
                remaining=None if call.deadline_at is None else call.deadline_at - now,
            )
            if not decision.counts:
                call.shared += 1
            if decision.action == "throttle":
                await self._throttle(call, decision, now)
            elif decision.action == "retry":
                if not await self._back_off(call, decision):
                    return self._conclude(call)
            else:
                return self._conclude(call, decision)

    def _prepare(
        self,
        sec: _Section,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        content: bytes | None,
        headers: Mapping[str, str] | None,
        account_switch_key: str | None,
        idempotent: bool | None,
        api_family: str | None,
        per_attempt: float | None,
        deadline: float | None,
    ) -> _Call:
        """Step 0: the call's deadline, family, bucket group, breaker, budget and request."""
        started = self._clock.monotonic()
        budget_s = deadline if deadline is not None else self._settings.deadline
        family = api_family or family_for_path(path)
        account = account_switch_key or sec.credentials.account_key
        group = self._limiter.group(sec.name, account, family) if self._limiter.enabled else None
        objects = purge_objects(path, json) if family == "ccu" and json is not None else None
        if json is not None and self._settings.compress_request_paths:
            json, content, headers = self._maybe_compress(path, json, headers)
        # One URL string per call (base + path + encoded query, account key included): httpx2
        # parses it once, instead of merging base_url, path and params in three parses.
        request = sec.client.client.build_request(
            method,
            sec.client.url_for(path, params, account),
            json=json,
            content=content,
            headers=headers,
        )
        if account_switch_key:
            request.extensions["alecs.account_key"] = account_switch_key
        return _Call(
            sec=sec,
            method=method,
            path=path,
            family=family,
            request=request,
            group=group,
            objects=objects,
            idempotent=idempotent,
            per_attempt=per_attempt,
            budget_s=budget_s,
            deadline_at=None if budget_s is None else started + budget_s,
            breaker=sec.breakers.get(family),
            budget=sec.budget_for(family),
            debug=log.isEnabledFor(_DEBUG),
        )

    async def _wait_for_rate_limit(self, call: _Call) -> None:
        """Step 1: a token from the (section, account, family) buckets, waiting locally.

        A wait that does not fit the deadline (or `max_wait`) fails at once with
        `RateLimitedError`. A pause that begins while we sleep (another call got a 429) sends
        us to the back of the queue behind it.
        """
        group = call.group
        if group is None:
            return
        clock = self._clock
        policy = self._policy
        metrics = call.sec.metrics
        while True:
            now = clock.monotonic()
            pauses = group.pauses
            wait = group.reserve(now, call.objects)
            if wait <= 0:
                return
            left = None if call.deadline_at is None else call.deadline_at - now
            if not policy.fits(wait, left):
                group.give_back(call.objects)
                metrics.record_error("rate_limited")
                metrics.calls += 1
                limit = policy.max_wait if left is None else min(left, policy.max_wait)
                blocked = group.blocked_until > now and group.block_reason
                reason = f" ({group.block_reason})" if blocked else ""
                raise RateLimitedError(
                    f"the {call.family} rate limit of section {call.sec.name}{reason} needs a "
                    f"local wait of {wait:.1f}s, more than this call may wait ({limit:.1f}s)",
                    wait_seconds=wait,
                    attempts=call.sent,
                )
            group.record_wait(wait)
            metrics.rate_limit_waits += 1
            metrics.rate_limit_wait_seconds += wait
            try:
                await clock.sleep(wait)
            except BaseException:
                group.give_back(call.objects)
                raise
            if not group.paused_since(clock.monotonic(), pauses):
                return

    def _time_left(self, call: _Call, when: str) -> float | None:
        """Step 2: the seconds left before the deadline; `DeadlineExceededError` when none."""
        if call.deadline_at is None:
            return None
        remaining = call.deadline_at - self._clock.monotonic()
        if remaining > 0:
            return remaining
        if call.permit:
            call.breaker.release(call.permit)
            call.permit = 0
        call.sec.metrics.record_error("deadline")
        call.sec.metrics.calls += 1
        raise DeadlineExceededError(
            f"deadline of {call.budget_s:.1f}s for {call.method} {_strip_query(call.path)} "
            f"passed {when} attempt {call.attempt}",
            attempts=call.sent,
        )

    async def _admit(self, call: _Call, remaining: float | None) -> bool:
        """Step 3: the breaker's permit, right before sending (after the rate-limit wait).

        While a probe is in flight this waits for its result, within the deadline. Open: a
        first attempt raises `CircuitOpenError`; a later one returns False (the call then
        reports what its earlier attempts got).
        """
        try:
            call.permit = await call.breaker.acquire(remaining)
        except CircuitOpenError as exc:
            if call.group is not None:
                call.group.give_back(call.objects)
            call.sec.metrics.record_error("circuit_open")
            if call.sent:
                return False
            call.sec.metrics.calls += 1
            exc.attempts = 0
            raise
        except BaseException:
            if call.group is not None:
                call.group.give_back(call.objects)
            raise
        return True

    async def _send(self, call: _Call, remaining: float | None) -> Outcome:
        """Step 4: sign and send one attempt (EdgeGrid signs afresh in the client's auth)."""
        sec = call.sec
        request = call.request
        request.extensions["timeout"] = self._attempt_timeout(call.per_attempt, sec, remaining)
        call.response = None
        call.error = None
        call.sent += 1
        call.t0 = time.perf_counter()
        try:
            if remaining is None:
                call.response = await sec.client.client.send(request)
            else:
                async with asyncio.timeout(remaining):
                    call.response = await sec.client.client.send(request)
        except httpx2.TransportError as exc:
            call.error = exc
            kind = classify_exception(exc)
            call.kind = "tls" if kind == "tls_verify" else kind
            return Outcome(error=kind, shared=self._seen_before(self._cause(call)))
        except TimeoutError:
            call.breaker.release(call.permit)
            call.permit = 0
            sec.metrics.record_error("deadline")
            sec.metrics.calls += 1
            message = (
                f"deadline of {call.budget_s:.1f}s for {call.method} {_strip_query(call.path)} "
                f"passed during attempt {call.attempt}"
            )
            if call.method in WRITE_METHODS and call.idempotent is not True:
                # Sent, no answer yet: the write may have been applied.
                raise AmbiguousWriteError(
                    "deadline",
                    sec.host,
                    message,
                    method=call.method,
                    path=_strip_query(call.path),
                    attempts=call.sent,
                    how_to_check=_HOW_TO_CHECK.format(method=call.method),
                ) from None
            raise DeadlineExceededError(message, attempts=call.sent) from None
        except BaseException:
            call.breaker.release(call.permit)
            call.permit = 0
            raise
        response = call.response
        status = response.status_code
        call.kind = f"http {status}"
        body = response.content[:2048] if status in (400, 403) else b""
        return Outcome(status=status, headers=response.headers, body=body)

    def _observe(self, call: _Call, outcome: Outcome) -> None:
        """Step 5: record the attempt: metrics, the limiter learns, a probe's verdict."""
        latency = time.perf_counter() - call.t0
        now = self._clock.monotonic()
        sec = call.sec
        metrics = sec.metrics
        response = call.response
        if call.permit == PERMIT_PROBE:
            # A probe's own outcome decides at once: one probe per open interval. A local
            # failure (no free connection, our own malformed request) says nothing of the host.
            if outcome.error in _NO_VERDICT:
                call.breaker.release(call.permit)
            else:
                call.breaker.record(call.permit, outcome.is_failure, self._cause(call))
            call.permit = 0
        if response is not None:
            status = response.status_code
            if call.group is not None:
                call.group.learn(response.headers, now)
            metrics.record_attempt(
                now,
                latency,
                status,
                response.http_version,
                response.num_bytes_downloaded,
                len(response.content),
            )
            if status >= 400:
                metrics.record_error(f"http_{status // 100}xx")
        else:
            metrics.record_attempt(now, latency, None, None, 0, 0)
            metrics.record_error(call.kind)
        if call.debug:
            log.debug(
                "%s %s -> %s in %.1f ms (section %s, attempt %d)",
                call.method,
                _strip_query(call.path),
                call.kind
                if response is None
                else f"{response.status_code} {response.http_version}",
                latency * 1000,
                sec.name,
                call.attempt,
            )

    async def _throttle(self, call: _Call, decision: RetryDecision, now: float) -> None:
        """Step 6a: a rate limit. Pause the bucket group until Akamai's time (the next attempt
        then waits in step 1, released at the refill rate); without a limiter, sleep here. No
        retry budget is spent."""
        call.throttles += 1
        call.sec.metrics.rate_limit_retries += 1
        group = call.group
        until = now + decision.wait
        reason = f"Akamai asked to wait {decision.wait:.1f}s ({decision.source})"
        if decision.source == "IPBLOCK-BURST":
            self._limiter.pause_section(call.sec.name, now, until, reason)
        if group is not None:
            group.pause(now, until, reason)
        elif decision.wait > 0:
            await self._clock.sleep(decision.wait)
        if call.debug:
            log.debug("%s %s rate limited: %s", call.method, _strip_query(call.path), reason)

    async def _back_off(self, call: _Call, decision: RetryDecision) -> bool:
        """Step 6b: a failure worth retrying: spend the (host, family) retry budget, wait."""
        if not call.budget.try_spend():
            call.sec.metrics.record_error("retry_budget_exhausted")
            return False
        call.sec.metrics.retries += 1
        if call.debug:
            log.debug(
                "retrying %s %s after %s in %.2f s (%s)",
                call.method,
                _strip_query(call.path),
                call.kind,
                decision.wait,
                decision.source,
            )
        if decision.wait > 0:
            await self._clock.sleep(decision.wait)
        return True

    def _conclude(self, call: _Call, decision: RetryDecision | None = None) -> httpx2.Response:
        """Step 7: the call's final outcome: feed the breaker (once per call), refund the
        budget on success, and return the response or raise the typed error."""
        sec = call.sec
        response = call.response
        failed = (
            response.status_code >= 500 and response.status_code != 501
            if response is not None
            else call.error is not None
        )
        ambiguous = response is None and decision is not None and decision.ambiguous
        deferred: Callable[[bool], None] | None = None
        if call.permit == PERMIT_NORMAL and (response is not None or call.kind not in _NO_VERDICT):
            if ambiguous:
                # The verdict waits for the service client's check (AmbiguousWriteError.settle):
                # a write found applied lost only its answer.
                deferred = functools.partial(
                    call.breaker.record, PERMIT_NORMAL, cause=self._cause(call)
                )
            else:
                call.breaker.record(call.permit, failed, self._cause(call))
        call.permit = 0
        if response is not None:
            if response.status_code < 500:
                call.budget.refund()
            if decision is not None and decision.action == "give_up" and decision.wait > 0:
                # Akamai named a time: other calls of the bucket (or, for an IP block, of the
                # section) wait locally until then instead of collecting more refusals.
                now = self._clock.monotonic()
                reason = f"Akamai asked to wait {decision.wait:.1f}s ({decision.source})"
                if decision.source == "IPBLOCK-BURST":
                    self._limiter.pause_section(sec.name, now, now + decision.wait, reason)
                if call.group is not None:
                    call.group.pause(now, now + decision.wait, reason)
            if (
                decision is not None
                and decision.reason == "rate_limit_wait"
                and response.status_code == 429
            ):
                sec.metrics.record_error("rate_limited")
                sec.metrics.calls += 1
                limit = self._policy.max_wait
                if call.deadline_at is not None:
                    limit = min(limit, max(0.0, call.deadline_at - self._clock.monotonic()))
                raise RateLimitedError(
                    f"Akamai rate limit ({call.family}, section {sec.name}): Akamai asked to wait "
                    f"{decision.wait:.1f}s ({decision.source}), more than this call may wait "
                    f"({limit:.1f}s)",
                    wait_seconds=decision.wait,
                    attempts=call.sent,
                )
            if decision is not None and decision.reason and decision.source == "IPBLOCK-BURST":
                sec.metrics.record_error("rate_limited")
                sec.metrics.calls += 1
                raise RateLimitedError(
                    f"Akamai's API gateway blocked requests from this client's IP address for a "
                    f"burst of calls (WAF rule IPBLOCK-BURST, HTTP 400) on {sec.host}; calls of "
                    f"section {sec.name} pause for {decision.wait:.0f}s, as Akamai's tooling "
                    "does (sending during the block prolongs it). Retry after that; fewer "
                    "parallel calls avoid it.",
                    wait_seconds=decision.wait,
                    attempts=call.sent,
                )
            return self._finish(response, call.sent, sec.metrics)
        sec.metrics.calls += 1
        error = call.error
        message = str(error) or type(error).__name__
        if sec.client.proxy and call.kind in ("connect", "proxy", "tls"):
            message += f" (through proxy {redact_proxy(sec.client.proxy)})"
        if ambiguous:
            sec.metrics.record_error("ambiguous_write")
            lost = AmbiguousWriteError(
                call.kind,
                sec.host,
                message,
                method=call.method,
                path=_strip_query(call.path),
                attempts=call.sent,
                how_to_check=_HOW_TO_CHECK.format(method=call.method),
            )
            if deferred is not None:
                lost.defer_verdict(lambda failed: deferred(failed=failed))
            raise lost from error
        raise TransportError(call.kind, sec.host, message, attempts=call.sent) from error

    def _seen_before(self, cause: BaseException | None) -> bool:
        """Whether another request already failed with this very exception: the streams of
        one broken HTTP/2 connection all get the same one. The first counts; the others are
        collateral (see `Outcome.shared`)."""
        if cause is None:
            return False
        if any(c is cause for c in self._recent_causes):
            return True
        self._recent_causes.append(cause)
        return False

    @staticmethod
    def _cause(call: _Call) -> BaseException | None:
        """The root exception behind a network failure (shared by the streams of one broken
        HTTP/2 connection, so the breaker counts it once)."""
        error: BaseException | None = call.error
        if error is None:
            return None
        while error.__cause__ is not None:
            error = error.__cause__
        return error

    def _finish(
        self, response: httpx2.Response, attempts: int, metrics: HostMetrics
    ) -> httpx2.Response:
        response.extensions["alecs.attempts"] = attempts
        metrics.calls += 1
        return response

    def _maybe_compress(
        self, path: str, json: Any, headers: Mapping[str, str] | None
    ) -> tuple[Any, bytes | None, Mapping[str, str] | None]:
        if not any(path.startswith(prefix) for prefix in self._settings.compress_request_paths):
            return json, None, headers
        body = jsonlib.dumps(json, separators=(",", ":")).encode()
        if len(body) < self._settings.compress_min_bytes:
            return json, None, headers
        merged = dict(headers or {})
        merged["Content-Type"] = "application/json"
        merged["Content-Encoding"] = "gzip"
        return None, gzip.compress(body, mtime=0), merged

    # -- lifecycle and diagnostics ----------------------------------------------------------

    async def warm_up(self) -> None:
        """Resolve, connect and handshake to every section's host now, sending no HTTP request.

        Per host: DNS (into the cache), TCP, TLS with ALPN and, over HTTP/2, the connection
        preface (magic, SETTINGS, WINDOW_UPDATE: no stream, no headers). The connection is left
        idle in the section's pool, so the first real call reuses it without a handshake.
        Nothing unsigned ever reaches the API host (an unsigned request would be an
        invalid-authentication entry in the customer's Akamai logs). Sections behind a proxy
        are skipped (the proxy resolves and connects). Failures are logged, never raised.
        """

        async def one(sec: _Section) -> None:
            if sec.client.proxy:
                log.debug("warm-up of section %s skipped: it goes through a proxy", sec.name)
                return
            try:
                name, port = split_host(sec.host)
                if not is_ip_literal(name):
                    await self._dns.resolve(name, port)
                s = self._settings
                protocol = await sec.client.pool.warm(
                    _origin_of(sec.client.base_url),
                    {
                        "connect": s.connect_timeout,
                        "read": s.read_timeout,
                        "write": s.write_timeout,
                        "pool": s.pool_timeout,
                    },
                )
                log.debug("warm-up of section %s (%s): %s", sec.name, sec.host, protocol)
            except (httpcore2.NetworkError, httpcore2.TimeoutException, OSError) as exc:
                log.warning(
                    "warm-up of section %s (%s) failed: %s: %s",
                    sec.name,
                    sec.host,
                    type(exc).__name__,
                    exc,
                )

        # Every section has its own pool (sections on one host share only the DNS cache).
        await asyncio.gather(*(one(sec) for sec in self._sections.values()))

    async def probe(self, section: str | None = None, *, path: str = "/") -> ProbeResult:
        """Measure DNS, TCP connect, TLS and time to first byte of a fresh connection now."""
        sec = self._section(section)
        return await run_probe(
            sec.client,
            self._resolver_fn or system_resolver,
            path=path,
            io_timeout=self._settings.connect_timeout + self._settings.read_timeout,
            proxy=redact_proxy(sec.client.proxy),
        )

    def health(self) -> NetworkHealth:
        """A snapshot of every metric (see `alecs.transport.metrics.NetworkHealth`)."""
        now = self._clock.monotonic()
        hosts = []
        for sec in self._sections.values():
            hosts.append(
                sec.metrics.snapshot(
                    now,
                    sec.client.pool.connections_opened,
                    section=sec.name,
                    host=sec.host,
                    proxy=redact_proxy(sec.client.proxy),
                    pool=sec.client.pool.state(),
                    breaker=_worst_breaker(sec),
                    breakers=[BreakerState(**b.snapshot()) for b in sec.breakers.all()],
                    retry_budget_left=min(
                        (b.tokens for b in sec.budgets.values()),
                        default=self._policy.budget_capacity,
                    ),
                    retry_budget_capacity=self._policy.budget_capacity,
                )
            )
        dns = self._dns.stats()
        lookups = dns["hits"] + dns["misses"]
        rate_limits = [
            RateLimitState(
                section=key[0], account=key[1] or "(section default)", **group.state(now)
            )
            for key, group in self._limiter.groups().items()
        ]
        s = self._settings
        return NetworkHealth(
            uptime_s=round(now - self._started, 3),
            hosts=hosts,
            dns=DnsStats(**dns, hit_ratio=round(dns["hits"] / lookups, 4) if lookups else None),
            rate_limits=rate_limits,
            totals=totals(hosts),
            settings={
                "http2": s.http2 and not s.force_http1,
                "max_connections": s.max_connections,
                "max_keepalive": s.max_keepalive,
                "keepalive_expiry_s": s.keepalive_expiry,
                "deadline_s": s.deadline,
                "retry_attempts": s.retry.attempts,
                "rate_limiting": s.rate_limiting,
                "single_flight": s.single_flight,
            },
        )

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        for sec in self._sections.values():
            await sec.client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None = None,
        exc_value: BaseException | None = None,
        traceback: TracebackType | None = None,
    ) -> None:
        await self.aclose()


__all__ = ["AlecsError", "Transport", "api_error_from_response", "classify_exception"]

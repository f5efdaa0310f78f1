"""`Transport`: the one network layer every Akamai call goes through.

The pipeline of one `request()`, outermost first (DESIGN.md section 2):

1. Single-flight (GET): identical in-flight calls share one request, so followers take no
   rate-limit tokens and no breaker probes.
2. Deadline: one absolute deadline for the whole call; every wait is clipped to it, and a wait
   that cannot fit fails at once with the reason.
3. Circuit breaker (per host): open -> fail now without touching the network; half-open -> one
   probe, the others fail fast.
4. Attempt loop (`RetryPolicy` and the host's `RetryBudget`), each attempt:
   rate limiter (wait locally for a token) -> sign (fresh timestamp and nonce, by the client's
   `EdgeGridAuth` on every send) -> send on the section's pooled client -> classify -> record
   (breaker, rate limiter learns `X-RateLimit-*`, metrics) -> wait (server hint or backoff).
5. Errors: `AkamaiApiError`, `CircuitOpenError`, `RateLimitedError`, `TransportError`,
   `DeadlineExceededError`, each with the attempt count and never a secret.

Hot path: no logging formatting unless DEBUG is on, no per-request objects beyond httpx2's own
request and response, metrics are a few integer updates.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import json as jsonlib
import logging
import ssl
import time
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Self

import httpx2

from alecs.config import Credentials
from alecs.transport import observe
from alecs.transport.breaker import HostBreaker
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
from alecs.transport.pool import SectionClient, redact_proxy
from alecs.transport.probe import ProbeResult, run_probe, split_host
from alecs.transport.ratelimit import RateLimiter, family_for_path, purge_objects
from alecs.transport.retry import RetryBudget, server_wait_hint
from alecs.transport.settings import TransportSettings
from alecs.transport.singleflight import SingleFlight

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
_REQUEST_ID_HEADERS = ("x-trace-id", "akamai-request-id", "x-akamai-request-id", "x-request-id")


class _Section:
    __slots__ = ("breaker", "budget", "client", "credentials", "host", "metrics", "name")

    def __init__(
        self,
        client: SectionClient,
        breaker: HostBreaker,
        budget: RetryBudget,
        metrics: HostMetrics,
    ) -> None:
        self.client = client
        self.credentials = client.credentials
        self.name = client.section
        self.host = client.host
        self.breaker = breaker
        self.budget = budget
        self.metrics = metrics


def _find_cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    seen = 0
    current: BaseException | None = exc
    while current is not None and seen < 8:
        if isinstance(current, kind):
            return current
        current = current.__cause__ or current.__context__
        seen += 1
    return None


def classify_exception(exc: httpx2.TransportError) -> tuple[str, bool, bool, bool]:
    """`(kind, never_reached_server, retryable_at_all, counts_for_breaker)`."""
    if isinstance(exc, httpx2.ConnectError):
        if _find_cause(exc, DnsLookupError) is not None:
            return "dns", True, True, True
        if _find_cause(exc, ssl.SSLCertVerificationError) is not None:
            return "tls", True, False, True
        if _find_cause(exc, ssl.SSLError) is not None:
            return "tls", True, True, True
        return "connect", True, True, True
    if isinstance(exc, httpx2.ConnectTimeout):
        return "connect", True, True, True
    if isinstance(exc, httpx2.PoolTimeout):
        return "pool_timeout", True, True, False
    if isinstance(exc, httpx2.TimeoutException):
        return "timeout", False, True, True
    if isinstance(exc, httpx2.ProxyError):
        return "proxy", True, True, True
    if isinstance(exc, (httpx2.LocalProtocolError, httpx2.UnsupportedProtocol)):
        return "protocol", True, False, False
    return "connection", False, True, True


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
        self._flight: SingleFlight[httpx2.Response] = SingleFlight()
        self._policy = s.retry
        self._sections: dict[str, _Section] = {}
        breakers: dict[str, HostBreaker] = {}
        budgets: dict[str, RetryBudget] = {}
        for creds in items:
            if creds.section in self._sections:
                raise ValueError(f"credentials section {creds.section!r} given twice")
            host = creds.host
            if host not in breakers:
                breakers[host] = HostBreaker(
                    host,
                    self._clock,
                    fail_max=s.breaker_fail_max,
                    reset_timeout=s.breaker_reset_timeout,
                )
                budgets[host] = RetryBudget.from_policy(self._policy)
            client = SectionClient(creds, s, self._backend, env=env)
            self._sections[creds.section] = _Section(
                client, breakers[host], budgets[host], HostMetrics(s.latency_samples)
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
            response, shared = await self._flight.do(
                key,
                lambda: self._call(
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
                    deadline,
                ),
            )
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
        clock = self._clock
        policy = self._policy
        metrics = sec.metrics
        breaker = sec.breaker
        started = clock.monotonic()
        budget_s = deadline if deadline is not None else self._settings.deadline
        deadline_at = None if budget_s is None else started + budget_s
        account = account_switch_key or sec.credentials.account_key
        family = api_family or family_for_path(path)
        group = self._limiter.group(sec.name, account, family) if self._limiter.enabled else None
        objects = purge_objects(path, json) if family == "ccu" and json is not None else None
        retry_ok = policy.method_is_idempotent(method, idempotent)
        debug = log.isEnabledFor(_DEBUG)

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

        attempt = 0
        response: httpx2.Response | None = None
        error: httpx2.TransportError | None = None
        kind = ""
        while True:
            attempt += 1
            try:
                permit = breaker.admit()
            except CircuitOpenError as exc:
                if attempt > 1:
                    # This call's own failures opened the breaker: report what happened to the
                    # request that was sent, not "no request sent".
                    metrics.record_error("circuit_open")
                    return self._final(sec, response, error, kind, attempt - 1)
                exc.attempts = 0
                metrics.record_error("circuit_open")
                metrics.calls += 1
                raise

            now = clock.monotonic()
            if group is not None:
                wait = group.reserve(now, objects)
                if wait > 0:
                    left = None if deadline_at is None else deadline_at - now
                    if wait > policy.max_wait or (left is not None and wait > left):
                        group.give_back(objects)
                        breaker.release(permit)
                        metrics.record_error("rate_limited")
                        metrics.calls += 1
                        limit = policy.max_wait if left is None else min(left, policy.max_wait)
                        raise RateLimitedError(
                            f"the {family} rate limit of section {sec.name} needs a local wait "
                            f"of {wait:.1f}s, more than this call may wait ({limit:.1f}s)",
                            wait_seconds=wait,
                            attempts=attempt - 1,
                        )
                    group.record_wait(wait)
                    metrics.rate_limit_waits += 1
                    metrics.rate_limit_wait_seconds += wait
                    try:
                        await clock.sleep(wait)
                    except BaseException:
                        group.give_back(objects)
                        breaker.release(permit)
                        raise
                    now = clock.monotonic()

            remaining = None if deadline_at is None else deadline_at - now
            if remaining is not None and remaining <= 0:
                breaker.release(permit)
                metrics.record_error("deadline")
                metrics.calls += 1
                raise DeadlineExceededError(
                    f"deadline of {budget_s:.1f}s for {method} {_strip_query(path)} passed "
                    f"before attempt {attempt}",
                    attempts=attempt - 1,
                )
            request.extensions["timeout"] = self._attempt_timeout(per_attempt, sec, remaining)

            response = None
            error = None
            t0 = time.perf_counter()
            try:
                if remaining is None:
                    response = await sec.client.client.send(request)
                else:
                    async with asyncio.timeout(remaining):
                        response = await sec.client.client.send(request)
            except httpx2.TransportError as exc:
                error = exc
            except TimeoutError:
                breaker.release(permit)
                metrics.record_error("deadline")
                metrics.calls += 1
                raise DeadlineExceededError(
                    f"deadline of {budget_s:.1f}s for {method} {_strip_query(path)} passed "
                    f"during attempt {attempt}",
                    attempts=attempt,
                ) from None
            except BaseException:
                breaker.release(permit)
                raise
            latency = time.perf_counter() - t0
            now = clock.monotonic()

            if response is not None:
                status = response.status_code
                breaker.record(permit, status >= 500)
                if group is not None:
                    group.learn(response.headers, now)
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
                if debug:
                    log.debug(
                        "%s %s -> %d %s in %.1f ms (section %s, attempt %d)",
                        method,
                        _strip_query(path),
                        status,
                        response.http_version,
                        latency * 1000,
                        sec.name,
                        attempt,
                    )
                hint = None
                if status == 429:
                    # A 429 proves the request was not processed: retryable for any method.
                    # It also pauses the whole bucket (other calls too) until Akamai's hint.
                    retryable = 429 in policy.retry_statuses
                    hint = server_wait_hint(response.headers, clock.now())
                    if group is not None and hint is not None:
                        group.pause(now + hint[0])
                elif status in policy.retry_statuses:
                    retryable = retry_ok
                else:
                    retryable = False
                if not retryable:
                    if status < 500 and status != 429:
                        sec.budget.refund()
                    return self._finish(response, attempt, metrics)
                kind = f"http {status}"
            else:
                assert error is not None
                kind, never_sent, retry_allowed, counts = classify_exception(error)
                if counts:
                    breaker.record(permit, True)
                else:
                    breaker.release(permit)
                metrics.record_attempt(now, latency, None, None, 0, 0)
                metrics.record_error(kind)
                if debug:
                    log.debug(
                        "%s %s -> %s error in %.1f ms (section %s, attempt %d)",
                        method,
                        _strip_query(path),
                        kind,
                        latency * 1000,
                        sec.name,
                        attempt,
                    )
                retryable = retry_allowed and (never_sent or retry_ok)
                status = 0
                hint = None

            # -- wait before the next attempt, or stop ----------------------------------------
            if not retryable or attempt >= policy.attempts:
                return self._final(sec, response, error, kind, attempt)
            if response is not None and status != 429:
                hint = server_wait_hint(response.headers, clock.now())
            if hint is not None:
                wait, source = hint
            else:
                wait, source = policy.backoff(attempt), "backoff"
            left = None if deadline_at is None else deadline_at - now
            if wait > policy.max_wait or (left is not None and wait > left):
                if status == 429:
                    metrics.record_error("rate_limited")
                    metrics.calls += 1
                    limit = policy.max_wait if left is None else min(left, policy.max_wait)
                    raise RateLimitedError(
                        f"Akamai rate limit ({family}, section {sec.name}): Akamai asked to wait "
                        f"{wait:.1f}s ({source}), more than this call may wait ({limit:.1f}s)",
                        wait_seconds=wait,
                        attempts=attempt,
                    )
                return self._final(sec, response, error, kind, attempt)
            if not sec.budget.try_spend():
                metrics.record_error("retry_budget_exhausted")
                return self._final(sec, response, error, kind, attempt)
            metrics.retries += 1
            if debug:
                log.debug(
                    "retrying %s %s after %s in %.2f s (%s)",
                    method,
                    _strip_query(path),
                    kind,
                    wait,
                    source,
                )
            if wait > 0:
                await clock.sleep(wait)

    def _finish(
        self, response: httpx2.Response, attempts: int, metrics: HostMetrics
    ) -> httpx2.Response:
        response.extensions["alecs.attempts"] = attempts
        metrics.calls += 1
        return response

    def _final(
        self,
        sec: _Section,
        response: httpx2.Response | None,
        error: httpx2.TransportError | None,
        kind: str,
        attempts: int,
    ) -> httpx2.Response:
        if response is not None:
            return self._finish(response, attempts, sec.metrics)
        sec.metrics.calls += 1
        message = str(error) or type(error).__name__
        if sec.client.proxy and kind in ("connect", "proxy", "tls"):
            message += f" (through proxy {redact_proxy(sec.client.proxy)})"
        raise TransportError(kind, sec.host, message, attempts=attempts) from error

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
        """Resolve, connect and handshake (TLS, ALPN) to every section's host now.

        Sends one unsigned `HEAD` per host through its pool so the connection stays open for the
        first real call. Failures are logged, never raised.
        """
        path = self._settings.warm_up_path

        async def one(sec: _Section) -> None:
            try:
                if not sec.client.proxy:
                    name, port = split_host(sec.host)
                    if not is_ip_literal(name):
                        await self._dns.resolve(name, port)
                request = sec.client.client.build_request("HEAD", path)
                response = await sec.client.client.send(request, auth=None)
                await response.aclose()
                log.debug("warm-up of section %s (%s) done", sec.name, sec.host)
            except (httpx2.HTTPError, OSError, DnsLookupError) as exc:
                log.warning(
                    "warm-up of section %s (%s) failed: %s: %s",
                    sec.name,
                    sec.host,
                    type(exc).__name__,
                    exc,
                )

        seen: set[str] = set()
        jobs = []
        for sec in self._sections.values():
            if sec.host not in seen or sec.client.proxy:
                seen.add(sec.host)
                jobs.append(one(sec))
        await asyncio.gather(*jobs)

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
                    breaker=BreakerState(**sec.breaker.snapshot()),
                    retry_budget_left=sec.budget.tokens,
                    retry_budget_capacity=sec.budget.capacity,
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

"""The wrapper around every API route: one request's way through the sandbox.

    413 when the body is too large
      -> EdgeGrid verification (the nonce is consumed whatever the outcome below)
      -> faults ("before": latency, injected 5xx, connection reset)
      -> 401 when the signature did not verify
      -> account: the API client's own, or `accountSwitchKey` (403 when unknown or not allowed)
      -> route, or the spec responder (`spec.spec_response`) for any other operation,
         or 405 / 404 "not an operation of any Akamai API"
      -> rate limit per account and API family (429)
      -> handler (problem+json on ApiProblem, 500 on a bug)
      -> faults ("after": the request was processed, then the fault)
      -> counters

`ApiPipeline(app)` is the ASGI application for every path outside `/_sandbox/`; `app` (a
`SandboxApp`) holds the parts it uses: router, verifier, faults, rate limiter, counters.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import inspect
import json
import logging
import socket
import struct
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from starlette.responses import Response as StarletteResponse

from alecs.sandbox import spec
from alecs.sandbox.framework import (
    PROBLEM_BASE,
    ApiProblem,
    RateLimited,
    Request,
    Response,
    api_base_of,
)
from alecs.sandbox.ratelimit import RateDecision
from alecs.sandbox.verify import ApiClient, AuthError

if TYPE_CHECKING:
    from alecs.sandbox.app import SandboxApp

logger = logging.getLogger("alecs.sandbox")

MAX_REQUEST_BODY = 8 * 1024 * 1024
COMPRESS_MIN_BYTES = 1024
NOT_AN_OPERATION_TITLE = "Not an Akamai API operation"


class ApiPipeline:
    """ASGI application for the simulated Akamai APIs (see the module docstring)."""

    def __init__(self, app: SandboxApp) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body, too_large = await read_body(receive)
        raw_path = scope.get("raw_path") or scope["path"].encode()
        path = raw_path.decode("latin-1")
        query_string = scope.get("query_string", b"").decode("latin-1")
        headers = header_dict(scope)
        client = scope.get("client") or ("", 0)
        connection = f"{client[0]}:{client[1]}"
        http_version = scope.get("http_version", "1.1")
        inflight = self.app.inflight
        inflight[connection] += 1
        try:
            req = Request(
                self.app,
                method=scope["method"].upper(),
                path=path,
                query_string=query_string,
                headers=headers,
                body=body,
                http_version=http_version,
                connection=connection,
            )
            await self._http(req, send, too_large)
        finally:
            inflight[connection] -= 1
            if not inflight[connection]:
                del inflight[connection]

    async def _http(self, req: Request, send: Any, too_large: bool) -> None:
        app = self.app
        started = time.perf_counter()
        response, reset = await self._handle(req, too_large)
        key = req.route.key if req.route else f"{req.method} {req.path}"
        account = req.account_id or None
        if reset:
            app.counters.request(
                key,
                "reset",
                http_version=req.http_version,
                connection=req.connection,
                account=account,
            )
            self._abort(req.connection)
            return
        assert response is not None
        response.headers.setdefault("X-Trace-Id", req.request_id)  # as Akamai's API gateway
        app.counters.request(
            key,
            response.status,
            http_version=req.http_version,
            connection=req.connection,
            account=account,
        )
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s (%.1f ms, HTTP/%s)",
                req.method,
                key.partition(" ")[2],
                response.status,
                (time.perf_counter() - started) * 1000,
                req.http_version,
            )
        await send_response(send, response, req.headers)

    async def _handle(self, req: Request, too_large: bool) -> tuple[Response | None, bool]:
        app = self.app
        route, params, allowed = app.router.match(req.method, req.path)
        req.route, req.params = route, params
        template = route.template if route else None

        # Verify first, whatever happens next: a signature's nonce is spent once the sandbox
        # has seen it, also when a fault answers this request instead (one rule for a retry
        # after an injected 503 and after a real 429 alike).
        auth: ApiClient | AuthError | None = None
        if not too_large:
            try:
                auth = app.verifier.verify(
                    method=req.method,
                    host=req.headers.get("host", ""),
                    target=req.target,
                    headers=req.headers,
                    body=req.body,
                )
            except AuthError as exc:
                auth = exc

        decision = app.faults.decide(req.method, req.path, template)
        if decision.delay_s > 0:
            app.counters.fault("latency")
            await asyncio.sleep(decision.delay_s)
        if decision.phase == "before":
            if decision.reset:
                app.counters.fault("reset")
                return None, True
            if decision.error_status is not None:
                app.counters.fault("error")
                return self._fault_response(
                    req, decision.error_status, decision.retry_after_s
                ), False

        response = await self._process(req, auth, allowed)

        if decision.phase == "after":
            if decision.reset:
                app.counters.fault("reset")
                return None, True
            if decision.error_status is not None:
                app.counters.fault("error")
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
        return problem_response(req, problem)

    async def _process(
        self, req: Request, auth: ApiClient | AuthError | None, allowed: list[str]
    ) -> Response:
        route = req.route
        try:
            if auth is None:
                raise ApiProblem(413, f"The request body is larger than {MAX_REQUEST_BODY} bytes.")
            if isinstance(auth, AuthError):
                return json_response(auth.problem(req.instance), auth.status, problem=True)
            req.client = auth
            req.account_id = self._account_for(req, auth)
            if route is None:
                return self._fallback(req, allowed)
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
            response = problem_response(req, problem)
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
            return problem_response(req, problem)

    def _fallback(self, req: Request, allowed: list[str]) -> Response:
        """No simulator route: the spec responder answers the operation, if it is one."""
        req.rate_limit({req.family: 1})
        answer = spec.spec_response(req.method, req.path, req.query_string, req.headers, req.body)
        if answer is not None:
            status, headers, body = answer
            headers = dict(headers)
            ctype = next(
                (v for k, v in headers.items() if k.lower() == "content-type"), "application/json"
            )
            headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
            response = Response(bytes(body), status, headers, ctype)
            if req.rate is not None:
                response.headers.update(req.rate.headers(time.time()))
            return response
        if allowed:
            methods = ", ".join(sorted(set(allowed)))
            raise ApiProblem(
                405,
                f"{req.method} is not allowed on {req.path}; allowed: {methods}",
                headers={"Allow": methods},
            )
        raise ApiProblem(
            404,
            f"{req.method} {req.path} is not an operation of any Akamai API: no API this sandbox "
            "knows has this path (check the API name, version and path; a missing resource "
            "would answer 'resource not found' instead).",
            title=NOT_AN_OPERATION_TITLE,
            type=f"{PROBLEM_BASE}/-/sandbox/not-an-operation",
        )

    def _account_for(self, req: Request, client: ApiClient) -> str:
        key = req.arg("accountSwitchKey")
        if key is None:
            return client.account_id
        account = self.app.switch_keys.get(key)
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

    def _rate_limited_response(self, req: Request, decision: RateDecision) -> Response:
        app = self.app
        app.counters.limited(decision.family)
        builder = app.router.rate_limit_bodies.get(decision.family)
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
        ctype = app.router.rate_limit_media_types.get(decision.family, "application/problem+json")
        response = Response(doc, 429, {}, ctype)
        response.headers.update(decision.headers(time.time()))
        return response

    def _abort(self, connection: str) -> None:
        writer = self.app.connections.get(connection)
        if writer is None:
            raise ConnectionAbortedError("sandbox fault: connection reset")
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()


# ---------------------------------------------------------------------------------------------
# Reading requests, writing responses


def header_dict(scope: Mapping[str, Any]) -> dict[str, str]:
    """The request headers, names lowercased, repeated headers joined with commas."""
    headers: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        key = name.decode("latin-1").lower()
        val = value.decode("latin-1")
        headers[key] = f"{headers[key]},{val}" if key in headers else val
    return headers


async def read_body(receive: Callable[[], Awaitable[dict[str, Any]]]) -> tuple[bytes, bool]:
    """The request body and whether it was larger than MAX_REQUEST_BODY (then truncated)."""
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


def json_response(doc: Any, status: int, *, problem: bool = False) -> Response:
    ctype = "application/problem+json" if problem else "application/json"
    return Response(doc, status, {}, ctype)


def problem_response(req: Request, problem: ApiProblem) -> Response:
    doc = problem.document(path=req.path, instance=req.instance)
    response = json_response(doc, problem.status, problem=True)
    response.headers.update(problem.headers)
    return response


def encode(response: Response) -> bytes:
    if response.body is None and response.status == 204:
        return b""
    if isinstance(response.body, bytes | bytearray):
        return bytes(response.body)
    return json.dumps(response.body, separators=(",", ":")).encode()


def compress(payload: bytes, accept: str) -> tuple[bytes, str | None]:
    """Brotli or gzip when the client accepts it and the payload is worth it."""
    if len(payload) < COMPRESS_MIN_BYTES or not accept:
        return payload, None
    codings = {c.split(";")[0].strip().lower() for c in accept.split(",")}
    if "br" in codings:
        import brotli

        return brotli.compress(payload, quality=4), "br"
    if "gzip" in codings:
        return gzip.compress(payload, compresslevel=5), "gzip"
    return payload, None


def to_starlette(response: Response, request_headers: Mapping[str, str]) -> StarletteResponse:
    """The Starlette response that sends `response` (compressed when the client accepts it)."""
    payload = encode(response)
    encoding = None
    if response.status != 204:
        payload, encoding = compress(payload, request_headers.get("accept-encoding", ""))
    headers = {name.lower(): str(value) for name, value in response.headers.items()}
    if encoding:
        headers["content-encoding"] = encoding
        headers["vary"] = "Accept-Encoding"
    out = StarletteResponse(
        payload,
        status_code=response.status,
        headers=headers,
        media_type=response.content_type if payload else None,
    )
    return out


async def send_response(send: Any, response: Response, request_headers: Mapping[str, str]) -> None:
    await to_starlette(response, request_headers)({"type": "http"}, _no_receive, send)


async def _no_receive() -> dict[str, Any]:  # pragma: no cover - a response never reads
    return {"type": "http.disconnect"}

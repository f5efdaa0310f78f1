"""The clients compared, each doing the same work per call: an EdgeGrid-signed GET whose JSON
body is parsed.

(i)   `requests` + edgegrid-python, no session: a new connection (DNS, TCP, TLS) per call; the
      "current state" of many scripts.
(ii)  `requests.Session` + edgegrid-python: keep-alive, what a Python user writes.
(iii) plain httpx2 `AsyncClient(http2=True)` + alecs' EdgeGridAuth, none of alecs' layer.
(iv)  alecs' `Transport` forced to HTTP/1.1.
(v)   alecs' `Transport` with HTTP/2.

The blocking contenders run bursts on a thread pool of the burst's size (one thread per call),
the asyncio ones with `asyncio.gather`.
"""

from __future__ import annotations

import dataclasses
import inspect
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from alecs.config import Credentials


@dataclass
class CallResult:
    status: int
    nbytes: int  # decoded body bytes
    http_version: str


class Contender:
    """Base: `key` ("i".."v"), `label`, and whether the calls are coroutines."""

    key = "?"
    label = "?"
    is_async = False
    parallel_note = ""

    def __init__(self, creds: Credentials) -> None:
        self.creds = creds
        self.base = f"https://{creds.host}"


# --------------------------------------------------------------------------- blocking ones
class _RequestsBase(Contender):
    parallel_note = "thread per call"

    def __init__(self, creds: Credentials) -> None:
        super().__init__(creds)
        from akamai.edgegrid import EdgeGridAuth

        self.auth = EdgeGridAuth(
            client_token=creds.client_token,
            client_secret=creds.client_secret,
            access_token=creds.access_token,
            max_body=creds.max_body,
        )
        self.verify: str | bool = creds.ca_bundle or True
        self._pool: ThreadPoolExecutor | None = None

    def open(self) -> None:
        pass

    def get(self, path: str, params: dict[str, Any] | None = None) -> CallResult:
        raise NotImplementedError

    def burst(self, path: str, params_list: list[dict[str, Any]]) -> list[tuple[float, CallResult]]:
        import time

        if self._pool is None or self._pool._max_workers < len(params_list):
            if self._pool is not None:
                self._pool.shutdown()
            self._pool = ThreadPoolExecutor(max_workers=len(params_list))

        def one(params: dict[str, Any]) -> tuple[float, CallResult]:
            start = time.perf_counter()
            result = self.get(path, params)
            return time.perf_counter() - start, result

        return list(self._pool.map(one, params_list))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


class RequestsNoSession(_RequestsBase):
    key = "i"
    label = "requests, no session"

    def get(self, path: str, params: dict[str, Any] | None = None) -> CallResult:
        import requests

        resp = requests.get(
            self.base + path, params=params, auth=self.auth, verify=self.verify, timeout=30
        )
        resp.json()
        return CallResult(resp.status_code, len(resp.content), "HTTP/1.1")


class RequestsSession(_RequestsBase):
    key = "ii"
    label = "requests.Session"

    def open(self) -> None:
        import requests

        self.session = requests.Session()
        self.session.auth = self.auth

    def get(self, path: str, params: dict[str, Any] | None = None) -> CallResult:
        # verify per call: requests lets REQUESTS_CA_BUNDLE override `session.verify`.
        resp = self.session.get(self.base + path, params=params, verify=self.verify, timeout=30)
        resp.json()
        return CallResult(resp.status_code, len(resp.content), "HTTP/1.1")

    def close(self) -> None:
        super().close()
        self.session.close()


# --------------------------------------------------------------------------- asyncio ones
class HttpxPlain(Contender):
    key = "iii"
    label = "httpx2 HTTP/2, plain"
    is_async = True
    parallel_note = "asyncio.gather"

    async def open(self) -> None:
        import httpx2

        from alecs.transport.auth import EdgeGridAuth

        ctx = ssl.create_default_context(cafile=self.creds.ca_bundle)
        self.client = httpx2.AsyncClient(
            http2=True,
            auth=EdgeGridAuth(self.creds),
            verify=ctx,
            base_url=self.base,
            timeout=30,
        )

    async def get(self, path: str, params: dict[str, Any] | None = None) -> CallResult:
        resp = await self.client.get(path, params=params)
        resp.json()
        return CallResult(resp.status_code, len(resp.content), resp.http_version)

    async def aclose(self) -> None:
        await self.client.aclose()


def transport_settings(http2: bool, **overrides: Any) -> Any:
    """TransportSettings for the benchmark: HTTP/2 on or forced off, and the client-side rate
    limiter off (the benchmark sends far more than Akamai's documented per-minute budget to a
    target that does not enforce it; every other part of the layer stays on)."""
    from alecs.transport import TransportSettings

    fields = _settings_fields(TransportSettings)
    kwargs: dict[str, Any] = {}
    if "http2" in fields:
        kwargs["http2"] = http2
    if "force_http1" in fields:
        kwargs["force_http1"] = not http2
    for name in ("rate_limiting", "rate_limits_enabled", "enable_rate_limits"):
        if name in fields:
            kwargs[name] = False
            break
    kwargs.update({k: v for k, v in overrides.items() if k in fields})
    return TransportSettings(**kwargs)


def _settings_fields(cls: Any) -> set[str]:
    if hasattr(cls, "model_fields"):
        return set(cls.model_fields)
    if dataclasses.is_dataclass(cls):
        return {f.name for f in dataclasses.fields(cls)}
    return set(inspect.signature(cls).parameters)


class AlecsTransport(Contender):
    is_async = True
    parallel_note = "asyncio.gather"

    def __init__(self, creds: Credentials, *, http2: bool) -> None:
        super().__init__(creds)
        self.http2 = http2
        self.key = "v" if http2 else "iv"
        self.label = "alecs Transport, HTTP/2" if http2 else "alecs Transport, HTTP/1.1"

    async def open(self) -> None:
        from alecs.transport import Transport

        self.transport = Transport([self.creds], transport_settings(self.http2))

    async def get(self, path: str, params: dict[str, Any] | None = None) -> CallResult:
        resp = await self.transport.request(self.creds.section, "GET", path, params=params)
        resp.json()
        return CallResult(resp.status_code, len(resp.content), resp.http_version)

    async def aclose(self) -> None:
        await self.transport.aclose()


def transport_available() -> bool:
    try:
        from alecs.transport import Transport, TransportSettings  # noqa: F401
    except ImportError:
        return False
    return True


def make_contenders(creds: Credentials, keys: list[str]) -> list[Contender]:
    """Contenders by key, skipping alecs' transport while it is not importable."""
    out: list[Contender] = []
    for key in keys:
        if key == "i":
            out.append(RequestsNoSession(creds))
        elif key == "ii":
            out.append(RequestsSession(creds))
        elif key == "iii":
            out.append(HttpxPlain(creds))
        elif key in ("iv", "v"):
            if transport_available():
                out.append(AlecsTransport(creds, http2=key == "v"))
        else:
            raise ValueError(f"unknown contender {key!r}; allowed: i, ii, iii, iv, v")
    return out

"""A DNS cache built as an httpcore2 network backend.

`CachingBackend` wraps `httpcore2.AnyIOBackend`: `connect_tcp(host, port)` resolves `host`
through `DnsCache` and connects to the IP address. TLS is layered on the returned stream by
httpcore2 with `server_hostname` set to the URL's host, so SNI and certificate verification still
use the host name: URLs are never rewritten.

Defaults and why:

- `ttl=300` s: Akamai's API hostnames (`akab-*.luna.akamaiapis.net`) are stable; five minutes
  saves a lookup on every new connection while still following changes within minutes.
- `negative_ttl=5` s (at most 5): a failed lookup is remembered briefly so a burst of calls
  does not hammer a broken resolver, but a fixed network is noticed within seconds.
- A connect failure to a cached address evicts the entry and re-resolves once, so a stale
  address costs one failed connect, not a failed call.

Concurrent lookups of one name share a single resolver call. Counters: hits, misses (resolver
calls), negative hits, evictions, failures.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import httpcore2

from alecs.transport.clock import SYSTEM_CLOCK, Clock

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""`async resolver(host, port) -> [ip, ...]`; raise `OSError` when the name does not resolve."""

MAX_NEGATIVE_TTL = 5.0


class DnsLookupError(httpcore2.ConnectError):
    """The host name did not resolve (the request never left this machine)."""


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the operating system (`getaddrinfo`), unique addresses in its order."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in seen:
            seen.append(address)
    return seen


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class _Entry:
    __slots__ = ("addresses", "error", "expires")

    def __init__(self, addresses: list[str], expires: float, error: str | None = None) -> None:
        self.addresses = addresses
        self.expires = expires
        self.error = error


class DnsCache:
    """Host name -> addresses with a TTL, shared by every pool of a `Transport`."""

    def __init__(
        self,
        resolver: Resolver | None = None,
        *,
        ttl: float = 300.0,
        negative_ttl: float = MAX_NEGATIVE_TTL,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self._resolver: Resolver = resolver or system_resolver
        self.ttl = ttl
        self.negative_ttl = min(negative_ttl, MAX_NEGATIVE_TTL)
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._inflight: dict[str, asyncio.Future[list[str]]] = {}
        self.hits = 0
        self.misses = 0
        self.negative_hits = 0
        self.evictions = 0
        self.failures = 0

    def evict(self, host: str) -> None:
        if self._entries.pop(host.lower(), None) is not None:
            self.evictions += 1

    def clear(self) -> None:
        self._entries.clear()

    def cached(self, host: str) -> list[str] | None:
        entry = self._entries.get(host.lower())
        if entry is None or entry.error is not None or entry.expires <= self._clock.monotonic():
            return None
        return list(entry.addresses)

    async def resolve(self, host: str, port: int = 443) -> tuple[list[str], bool]:
        """Addresses for `host` and whether they came from the cache.

        Raises `DnsLookupError` when the name does not resolve (or failed within the negative
        TTL).
        """
        key = host.lower()
        entry = self._entries.get(key)
        now = self._clock.monotonic()
        if entry is not None and entry.expires > now:
            if entry.error is not None:
                self.negative_hits += 1
                raise DnsLookupError(entry.error)
            self.hits += 1
            return entry.addresses, True
        pending = self._inflight.get(key)
        if pending is not None:
            self.hits += 1
            return await asyncio.shield(pending), True
        future: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        self.misses += 1
        try:
            addresses = list(await self._resolver(host, port))
            if not addresses:
                raise OSError("no addresses")
        except (OSError, UnicodeError) as exc:
            self.failures += 1
            message = f"DNS lookup failed for {host}: {exc}"
            self._entries[key] = _Entry([], self._clock.monotonic() + self.negative_ttl, message)
            error = DnsLookupError(message)
            future.set_exception(error)
            future.exception()  # mark retrieved: followers may not exist
            raise error from None
        except BaseException as exc:
            future.set_exception(DnsLookupError(f"DNS lookup for {host} interrupted"))
            future.exception()
            raise exc
        else:
            self._entries[key] = _Entry(addresses, self._clock.monotonic() + self.ttl)
            future.set_result(addresses)
            return addresses, False
        finally:
            self._inflight.pop(key, None)

    def stats(self) -> dict[str, Any]:
        now = self._clock.monotonic()
        return {
            "hits": self.hits,
            "misses": self.misses,
            "negative_hits": self.negative_hits,
            "evictions": self.evictions,
            "failures": self.failures,
            "cached_hosts": sum(
                1 for e in self._entries.values() if e.error is None and e.expires > now
            ),
            "ttl_s": self.ttl,
            "negative_ttl_s": self.negative_ttl,
        }


class CachingBackend(httpcore2.AsyncNetworkBackend):
    """`httpcore2.AnyIOBackend` with `connect_tcp` resolving through a `DnsCache`."""

    def __init__(self, cache: DnsCache, inner: httpcore2.AsyncNetworkBackend | None = None) -> None:
        self.cache = cache
        self._inner = inner or httpcore2.AnyIOBackend()
        self.connects = 0
        self.connect_failures = 0

    async def _connect_any(
        self,
        addresses: Sequence[str],
        port: int,
        limit: float | None,
        local_address: str | None,
        socket_options: Iterable[Any] | None,
    ) -> httpcore2.AsyncNetworkStream:
        last: Exception | None = None
        for address in addresses:
            try:
                stream = await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=limit,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as exc:
                self.connect_failures += 1
                last = exc
                continue
            self.connects += 1
            return stream
        assert last is not None
        raise last

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore2 backend interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        if is_ip_literal(host):
            return await self._connect_any([host], port, timeout, local_address, socket_options)
        addresses, cached = await self._resolve(host, port, timeout)
        try:
            return await self._connect_any(addresses, port, timeout, local_address, socket_options)
        except (httpcore2.ConnectError, httpcore2.ConnectTimeout):
            self.cache.evict(host)
            if not cached:
                raise
        # The cached address failed: resolve afresh, once.
        addresses, _ = await self._resolve(host, port, timeout)
        return await self._connect_any(addresses, port, timeout, local_address, socket_options)

    async def _resolve(self, host: str, port: int, limit: float | None) -> tuple[list[str], bool]:
        if limit is None:
            return await self.cache.resolve(host, port)
        try:
            async with asyncio.timeout(limit):
                return await self.cache.resolve(host, port)
        except TimeoutError:
            raise httpcore2.ConnectTimeout(f"DNS lookup for {host} timed out") from None

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore2 backend interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        return await self._inner.connect_unix_socket(
            path, timeout=timeout, socket_options=socket_options
        )

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)

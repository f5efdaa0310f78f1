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
- At most `max_hosts=1024` names are kept (a `cachetools.TLRUCache`: per-entry expiry on the
  injected clock, least recently used evicted first), so a process talking to many hosts
  cannot grow the cache without bound.

Concurrent lookups of one name share a single resolver call, which runs in its own task: a
caller that is cancelled (its deadline passed, its tool call was cancelled) stops waiting, but
the lookup goes on for every other caller and still fills the cache.

Connecting (`CachingBackend`): Happy Eyeballs (RFC 8305). When a name has several addresses,
they are tried concurrently with staggered starts: address families interleaved (the
resolver's first family first), the next attempt starts `HAPPY_EYEBALLS_DELAY` (250 ms, the
RFC's recommended "Connection Attempt Delay") after the previous one, or at once when the
previous one fails. The first connection that succeeds wins; every other attempt is cancelled
and any other connection that completed is closed. A dead first address therefore costs at
most 250 ms, not the full connect timeout.

Counters: hits, misses (resolver calls), negative hits, evictions, failures; on the backend,
connects, connect_failures (failed attempts) and races (connects that raced several addresses).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import cachetools
import httpcore2

from alecs.transport.clock import SYSTEM_CLOCK, Clock

Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""`async resolver(host, port) -> [ip, ...]`; raise `OSError` when the name does not resolve."""

MAX_NEGATIVE_TTL = 5.0
HAPPY_EYEBALLS_DELAY = 0.25
"""Seconds between the starts of two connection attempts (RFC 8305 section 5: 250 ms)."""
MAX_HOSTS = 1024


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


def interleave_families(addresses: Sequence[str]) -> list[str]:
    """RFC 8305 section 4: alternate address families, starting with the first address's."""
    v6 = [a for a in addresses if ":" in a]
    v4 = [a for a in addresses if ":" not in a]
    first, second = (v6, v4) if addresses and ":" in addresses[0] else (v4, v6)
    out: list[str] = []
    for i in range(max(len(first), len(second))):
        out += first[i : i + 1] + second[i : i + 1]
    return out


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
        max_hosts: int = MAX_HOSTS,
    ) -> None:
        self._resolver: Resolver = resolver or system_resolver
        self.ttl = ttl
        self.negative_ttl = min(negative_ttl, MAX_NEGATIVE_TTL)
        self._clock = clock
        self._entries: cachetools.TLRUCache[str, _Entry] = cachetools.TLRUCache(
            maxsize=max_hosts, ttu=lambda _key, entry, _now: entry.expires, timer=clock.monotonic
        )
        self._inflight: dict[str, asyncio.Task[list[str]]] = {}
        self.hits = 0
        self.misses = 0
        self.negative_hits = 0
        self.evictions = 0
        self.failures = 0

    @property
    def clock(self) -> Clock:
        return self._clock

    def evict(self, host: str) -> None:
        if self._entries.pop(host.lower(), None) is not None:
            self.evictions += 1

    def clear(self) -> None:
        self._entries.clear()

    def cached(self, host: str) -> list[str] | None:
        entry = self._entries.get(host.lower())
        if entry is None or entry.error is not None:
            return None
        return list(entry.addresses)

    async def resolve(self, host: str, port: int = 443) -> tuple[list[str], bool]:
        """Addresses for `host` and whether they came from the cache.

        Raises `DnsLookupError` when the name does not resolve (or failed within the negative
        TTL). Cancelling a caller never fails the other callers waiting for the same lookup.
        """
        key = host.lower()
        entry = self._entries.get(key)
        if entry is not None:
            if entry.error is not None:
                self.negative_hits += 1
                raise DnsLookupError(entry.error)
            self.hits += 1
            return entry.addresses, True
        task = self._inflight.get(key)
        if task is not None:
            self.hits += 1
            return await asyncio.shield(task), True
        self.misses += 1
        task = asyncio.get_running_loop().create_task(self._lookup(key, host, port))
        self._inflight[key] = task
        task.add_done_callback(lambda done: self._lookup_done(key, done))
        return await asyncio.shield(task), False

    def _lookup_done(self, key: str, task: asyncio.Task[list[str]]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]
        if not task.cancelled():
            task.exception()  # retrieved: the callers may all have gone

    async def _lookup(self, key: str, host: str, port: int) -> list[str]:
        """One resolver call, in its own task; fills the cache (positive or negative)."""
        try:
            addresses = list(await self._resolver(host, port))
            if not addresses:
                raise OSError("no addresses")
        except (OSError, UnicodeError) as exc:
            self.failures += 1
            message = f"DNS lookup failed for {host}: {exc}"
            self._entries[key] = _Entry([], self._clock.monotonic() + self.negative_ttl, message)
            raise DnsLookupError(message) from None
        self._entries[key] = _Entry(addresses, self._clock.monotonic() + self.ttl)
        return addresses

    def stats(self) -> dict[str, Any]:
        now = self._clock.monotonic()
        return {
            "hits": self.hits,
            "misses": self.misses,
            "negative_hits": self.negative_hits,
            "evictions": self.evictions,
            "failures": self.failures,
            "cached_hosts": sum(
                1 for e in list(self._entries.values()) if e.error is None and e.expires > now
            ),
            "ttl_s": self.ttl,
            "negative_ttl_s": self.negative_ttl,
        }


class CachingBackend(httpcore2.AsyncNetworkBackend):
    """`httpcore2.AnyIOBackend` with `connect_tcp` resolving through a `DnsCache` and racing
    the addresses (Happy Eyeballs, see the module docstring)."""

    def __init__(
        self,
        cache: DnsCache,
        inner: httpcore2.AsyncNetworkBackend | None = None,
        *,
        attempt_delay: float = HAPPY_EYEBALLS_DELAY,
        clock: Clock | None = None,
    ) -> None:
        self.cache = cache
        self._inner = inner or httpcore2.AnyIOBackend()
        self._clock = clock or cache.clock
        self.attempt_delay = attempt_delay
        self.connects = 0
        self.connect_failures = 0
        self.races = 0

    async def _connect_one(
        self,
        address: str,
        port: int,
        limit: float | None,
        local_address: str | None,
        socket_options: Iterable[Any] | None,
    ) -> httpcore2.AsyncNetworkStream:
        try:
            return await self._inner.connect_tcp(
                address,
                port,
                timeout=limit,
                local_address=local_address,
                socket_options=socket_options,
            )
        except (httpcore2.ConnectError, httpcore2.ConnectTimeout):
            self.connect_failures += 1
            raise

    async def _connect_any(
        self,
        addresses: Sequence[str],
        port: int,
        limit: float | None,
        local_address: str | None,
        socket_options: Iterable[Any] | None,
    ) -> httpcore2.AsyncNetworkStream:
        ordered = interleave_families(addresses)
        if len(ordered) == 1:
            stream = await self._connect_one(ordered[0], port, limit, local_address, socket_options)
            self.connects += 1
            return stream
        self.races += 1
        loop = asyncio.get_running_loop()
        attempts: list[asyncio.Task[httpcore2.AsyncNetworkStream]] = []
        pending: set[asyncio.Future[Any]] = set()
        last: BaseException | None = None
        winner: httpcore2.AsyncNetworkStream | None = None
        stagger: asyncio.Task[None] | None = None
        upcoming = list(ordered)
        try:
            while winner is None and (upcoming or pending):
                if upcoming and stagger is None:
                    task = loop.create_task(
                        self._connect_one(
                            upcoming.pop(0), port, limit, local_address, socket_options
                        )
                    )
                    attempts.append(task)
                    pending.add(task)
                    if upcoming:
                        stagger = loop.create_task(self._clock.sleep(self.attempt_delay))
                waiting = pending | ({stagger} if stagger is not None else set())
                done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if stagger is not None and stagger in done:
                    stagger = None  # time for the next attempt
                for task in done:
                    if task not in pending:
                        continue
                    pending.discard(task)
                    if task.cancelled():
                        continue
                    error = task.exception()
                    if error is None:
                        if winner is None:
                            winner = task.result()
                    else:
                        last = error
                        # A failed attempt starts the next one at once (RFC 8305 section 5).
                        if stagger is not None:
                            stagger.cancel()
                            stagger = None
        finally:
            if stagger is not None:
                stagger.cancel()
            for task in attempts:
                if not task.done():
                    task.cancel()
            # Close every connection that completed but lost (or all of them if we were
            # cancelled before returning one).
            for task in attempts:
                with contextlib.suppress(BaseException):
                    await task
                if task.cancelled() or task.exception() is not None:
                    continue
                stream = task.result()
                if stream is not winner:
                    with contextlib.suppress(Exception):
                        await stream.aclose()
        if winner is None:
            assert last is not None
            raise last
        self.connects += 1
        return winner

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

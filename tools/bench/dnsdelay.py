"""An uncached DNS lookup, emulated: `socket.getaddrinfo` for chosen names sleeps first.

Every client in the benchmark resolves its host through `socket.getaddrinfo` (urllib3 directly,
asyncio/anyio in an executor thread), so one hook covers them all. Names in the hook's table
resolve to their loopback address after `delay_ms`; all other names go to the real resolver.
A client that caches addresses (alecs' transport) pays the delay once; a client that connects
per call pays it per call. `lookups` counts the hooked lookups.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_real_getaddrinfo = socket.getaddrinfo


class DnsDelay:
    """Install with `install()`, remove with `uninstall()` (or use `hooked()`)."""

    def __init__(self, names: dict[str, str], delay_ms: float = 30.0) -> None:
        self.names = {k.lower(): v for k, v in names.items()}
        self.delay_ms = delay_ms
        self.lookups = 0
        self._lock = threading.Lock()

    def getaddrinfo(
        self,
        host: Any,
        port: Any,
        family: int = 0,
        type: int = 0,
        proto: int = 0,
        flags: int = 0,
    ) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else host
        address = self.names.get(str(name).lower()) if name is not None else None
        if address is None:
            return _real_getaddrinfo(host, port, family, type, proto, flags)
        with self._lock:
            self.lookups += 1
        if self.delay_ms > 0:
            time.sleep(self.delay_ms / 1000.0)
        return _real_getaddrinfo(address, port, socket.AF_INET, type, proto, flags)

    def reset(self) -> int:
        with self._lock:
            count, self.lookups = self.lookups, 0
        return count

    def install(self) -> None:
        socket.getaddrinfo = self.getaddrinfo  # type: ignore[assignment]

    def uninstall(self) -> None:
        socket.getaddrinfo = _real_getaddrinfo


@contextmanager
def hooked(names: dict[str, str], delay_ms: float = 30.0) -> Iterator[DnsDelay]:
    hook = DnsDelay(names, delay_ms)
    hook.install()
    try:
        yield hook
    finally:
        hook.uninstall()

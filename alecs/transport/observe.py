"""Which Akamai calls one tool call made: a per-task collector the transport appends to.

The tool layer opens a collector around a tool call; `Transport.request` reports every response
it returns (or raises as `AkamaiApiError`) with :func:`record`. Outside a collector, recording
is one context-variable read and nothing else::

    with collect_calls() as calls:
        await papi.activate(...)
    [c.request_id for c in calls]          # Akamai's request ids, for the audit log

Inside :func:`reads_only` (a dry run), :func:`check_may_send` refuses every state-changing
request before it is sent (``Transport.request`` calls it first thing), so a dry run can't
write, whichever code path it takes.

The collector's list is shared with tasks started inside it (``asyncio.gather`` copies the
context, not the list), so concurrent requests of one tool call all land in it. Only the method,
the path without its query string (which may hold an account switch key), the status and
Akamai's request id are kept: never a header value that could be a secret.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass
from typing import Any

REQUEST_ID_HEADERS = ("x-trace-id", "akamai-request-id", "x-akamai-request-id", "x-request-id")
"""Response headers that carry Akamai's id of a request, in order of preference."""

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY_POSTS = frozenset({"/papi/v1/search/find-by-value"})
"""POST requests that only read (search), allowed inside :func:`reads_only`."""


@dataclass(frozen=True, slots=True)
class ApiCall:
    """One Akamai API response seen during a tool call."""

    method: str
    path: str
    status: int
    request_id: str | None

    @property
    def writes(self) -> bool:
        """Whether the method can change state (POST, PUT, PATCH, DELETE)."""
        return self.method in WRITE_METHODS

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_calls: ContextVar[list[ApiCall] | None] = ContextVar("alecs_api_calls", default=None)


@contextmanager
def collect_calls() -> Iterator[list[ApiCall]]:
    """Collect the Akamai calls made inside the block (and in tasks it starts)."""
    calls: list[ApiCall] = []
    token = _calls.set(calls)
    try:
        yield calls
    finally:
        _calls.reset(token)


def request_id_of(headers: Mapping[str, str]) -> str | None:
    """Akamai's request id from response headers (``X-Trace-Id`` and its variants), if any."""
    for name in REQUEST_ID_HEADERS:
        value = headers.get(name)
        if value:
            return value
    return None


def record(method: str, path: str, response: Any) -> None:
    """Called by the transport for each response it hands back; a no-op without a collector."""
    calls = _calls.get()
    if calls is None:
        return
    cut = path.find("?")
    calls.append(
        ApiCall(
            method,
            path if cut < 0 else path[:cut],
            response.status_code,
            request_id_of(response.headers),
        )
    )


# --------------------------------------------------------------------------- the dry-run guard


class DryRunViolation(RuntimeError):
    """A state-changing request was about to be sent inside :func:`reads_only` (not sent)."""

    def __init__(self, method: str, path: str) -> None:
        self.method = method
        self.path = path
        super().__init__(
            f"a dry run must not send {method} {path}; nothing was sent (this is a bug in the "
            "tool's plan, please report it)"
        )


_reads_only: ContextVar[bool] = ContextVar("alecs_reads_only", default=False)


@contextmanager
def reads_only() -> Iterator[None]:
    """Inside the block, service clients refuse state-changing requests before sending."""
    token = _reads_only.set(True)
    try:
        yield
    finally:
        _reads_only.reset(token)


def in_dry_run() -> bool:
    return _reads_only.get()


def check_may_send(method: str, path: str) -> None:
    """Raise :class:`DryRunViolation` for a state-changing request inside :func:`reads_only`."""
    if _reads_only.get() and method.upper() not in READ_METHODS:
        bare = path.split("?", 1)[0]
        if bare not in READ_ONLY_POSTS:
            raise DryRunViolation(method.upper(), bare)


__all__ = [
    "READ_ONLY_POSTS",
    "REQUEST_ID_HEADERS",
    "ApiCall",
    "DryRunViolation",
    "check_may_send",
    "collect_calls",
    "in_dry_run",
    "reads_only",
    "record",
    "request_id_of",
]

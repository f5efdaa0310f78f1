"""The dry-run guard: inside :func:`reads_only`, service clients send no state-changing request.

Kept apart (no imports) so that ``alecs/akamai/_base.py`` can check it on every call; the public
names are re-exported by :mod:`alecs.akamai.plan`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READ_ONLY_POSTS = frozenset({"/papi/v1/search/find-by-value"})
"""POST requests that only read (search), allowed inside :func:`reads_only`."""


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
    if _reads_only.get() and method.upper() not in READ_METHODS and path not in READ_ONLY_POSTS:
        raise DryRunViolation(method.upper(), path)

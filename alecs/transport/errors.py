"""The one error family every Akamai call can raise. Messages never hold a secret."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any


class AlecsError(Exception):
    """Base of every error alecs raises on purpose."""

    attempts: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"error": type(self).__name__, "message": str(self), "attempts": self.attempts}


class AkamaiApiError(AlecsError):
    """Akamai answered with an error status (problem+json where Akamai sent it)."""

    def __init__(
        self,
        status: int,
        *,
        title: str | None = None,
        detail: str | None = None,
        type: str | None = None,
        instance: str | None = None,
        request_id: str | None = None,
        errors: list[Any] | None = None,
        method: str = "",
        path: str = "",
        attempts: int = 1,
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.instance = instance
        self.request_id = request_id
        self.errors = errors or []
        self.method = method
        self.path = path
        self.attempts = attempts
        self.body = body
        self.retry_after = retry_after
        super().__init__(self._message())

    def _message(self) -> str:
        head = f"Akamai API error {self.status}"
        if self.title:
            head += f": {self.title}"
        parts = [head]
        if self.detail:
            parts.append(self.detail)
        for err in self.errors[:10]:
            if isinstance(err, dict):
                text = err.get("detail") or err.get("title") or err.get("type")
                if text:
                    parts.append(f"- {text}")
        if self.retry_after is not None:
            parts.append(f"Akamai asked to retry after {self.retry_after:.1f}s")
        if self.method and self.path:
            parts.append(f"({self.method} {self.path})")
        return "\n".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": "AkamaiApiError",
            "status": self.status,
            "title": self.title,
            "detail": self.detail,
            "type": self.type,
            "instance": self.instance,
            "request_id": self.request_id,
            "errors": self.errors,
            "attempts": self.attempts,
        }


class CircuitOpenError(AlecsError):
    """The circuit breaker of the host's API family is open: no request was sent."""

    def __init__(
        self,
        host: str,
        retry_in: float,
        *,
        probe_in_flight: bool = False,
        attempts: int = 0,
        family: str = "",
    ) -> None:
        self.host = host
        self.family = family
        self.retry_in = retry_in
        self.probe_in_flight = probe_in_flight
        self.attempts = attempts
        where = f"{host} ({family} API)" if family else host
        if probe_in_flight:
            message = (
                f"circuit breaker for {where} is half-open after repeated failures and its probe "
                "request did not answer within this call's deadline; no request sent; retry in "
                "a moment"
            )
        else:
            message = (
                f"circuit breaker open for {where} after repeated failures; "
                f"no request sent; next probe in {retry_in:.1f}s"
            )
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "host": self.host,
            "family": self.family,
            "retry_in": round(self.retry_in, 3),
        }


class RateLimitedError(AlecsError):
    """Akamai (or the local limiter) asked to wait longer than the call may wait."""

    def __init__(self, message: str, *, wait_seconds: float, attempts: int = 0) -> None:
        self.wait_seconds = wait_seconds
        self.attempts = attempts
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "wait_seconds": round(self.wait_seconds, 3)}


class TransportError(AlecsError):
    """DNS, connect, TLS, timeout or protocol failure: the network, not Akamai, failed."""

    def __init__(self, kind: str, host: str, message: str, *, attempts: int = 1) -> None:
        self.kind = kind
        self.host = host
        self.attempts = attempts
        super().__init__(f"{kind} error talking to {host}: {message}")

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "kind": self.kind, "host": self.host}


class DeadlineExceededError(AlecsError):
    """The call's overall deadline passed (or a required wait would not fit in it)."""

    def __init__(self, message: str, *, attempts: int = 0) -> None:
        self.attempts = attempts
        super().__init__(message)


class AmbiguousWriteError(TransportError):
    """A write (POST, PUT, PATCH, DELETE) failed after it may have reached Akamai.

    The request was sent, then the connection broke or timed out before the answer came, so
    it may or may not have been applied; the transport does not retry it. `applied` says what
    the service client found out when it checked (`alecs.akamai._base.reconcile`): `True`
    (applied; normally the client then returns the result instead of raising), `False` (not
    applied: safe to send again) or `None` (unknown). `how_to_check` tells the user how to
    find out by hand.
    """

    def __init__(
        self,
        kind: str,
        host: str,
        message: str,
        *,
        method: str = "",
        path: str = "",
        attempts: int = 1,
        applied: bool | None = None,
        how_to_check: str | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.applied = applied
        self.how_to_check = how_to_check
        self.cause = message
        super().__init__(kind, host, message, attempts=attempts)
        self.args = (self._message(),)

    def _message(self) -> str:
        head = f"{self.method} {self.path}".strip() or "the write"
        if self.applied is True:
            state = "it WAS applied (checked after the failure)"
        elif self.applied is False:
            state = "it was NOT applied (checked after the failure); sending it again is safe"
        else:
            state = "whether it was applied is UNKNOWN"
        text = (
            f"{self.kind} error talking to {self.host} after sending {head}: {self.cause}; {state}"
        )
        if self.how_to_check and self.applied is not True:
            text += f". To check: {self.how_to_check}"
        return text

    def defer_verdict(self, record: Callable[[bool], None]) -> None:
        """Let `settle()` give the circuit breaker this call's final outcome (`record(failed)`).

        The transport does not count a write whose outcome is unknown as a failure right away:
        when the service client's check finds it applied, the host processed it and only the
        answer was lost, which says nothing against the host. If nobody settles, the call
        counts as a failure once this error is garbage collected.
        """
        self._verdict = weakref.finalize(self, record, True)

    def settle(self, applied: bool | None) -> None:
        """Report what a check found to the circuit breaker (once): applied counts as a
        success, not applied or unknown as a failure."""
        verdict = getattr(self, "_verdict", None)
        if verdict is None or not verdict.alive:
            return
        detached = verdict.detach()
        if detached is not None:
            _obj, record, _args, _kwargs = detached
            record(applied is not True)

    def resolved(
        self, applied: bool | None, how_to_check: str | None = None
    ) -> AmbiguousWriteError:
        """A copy that says what a check found (`applied`), for the service client to raise."""
        error = AmbiguousWriteError(
            self.kind,
            self.host,
            self.cause,
            method=self.method,
            path=self.path,
            attempts=self.attempts,
            applied=applied,
            how_to_check=how_to_check or self.how_to_check,
        )
        error.__cause__ = self.__cause__
        return error

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "write_applied": {True: "applied", False: "not_applied", None: "unknown"}[self.applied],
            "how_to_check": self.how_to_check,
        }

"""The one error family every Akamai call can raise. Messages never hold a secret."""

from __future__ import annotations

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
    """The host's circuit breaker is open: no request was sent."""

    def __init__(
        self, host: str, retry_in: float, *, probe_in_flight: bool = False, attempts: int = 0
    ) -> None:
        self.host = host
        self.retry_in = retry_in
        self.probe_in_flight = probe_in_flight
        self.attempts = attempts
        if probe_in_flight:
            message = (
                f"circuit breaker for {host} is half-open after repeated failures and a probe "
                "request is in flight; no request sent; retry in a moment"
            )
        else:
            message = (
                f"circuit breaker open for {host} after repeated failures; "
                f"no request sent; next probe in {retry_in:.1f}s"
            )
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "host": self.host, "retry_in": round(self.retry_in, 3)}


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

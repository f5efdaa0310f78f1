"""EdgeGrid (EG1-HMAC-SHA256) verification of incoming requests.

The verifier recomputes the signature with edgegrid-python's own helpers over the request as it
was received: method, scheme `https`, the `Host` header, the raw path and query, the headers the
API client signs, and the content hash of a POST body truncated at the client's `max_body`.
It rejects, with a 401 shaped like Akamai's problem+json:

- a missing or malformed `Authorization` header,
- an unknown client token, or an access token that does not belong to it,
- a timestamp further than `max_skew_s` from the sandbox's clock,
- a nonce seen before for the same client (replay),
- a signature that does not match.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from akamai.edgegrid.edgegrid import EdgeGridAuthHeaders

# edgegrid-python logs signing keys at DEBUG: keep it quiet (see alecs/transport/auth.py).
_eg_logger = logging.getLogger("akamai.edgegrid")
_eg_logger.setLevel(logging.WARNING)
_eg_logger.propagate = False

SCHEME = "EG1-HMAC-SHA256 "
TIMESTAMP_FORMAT = "%Y%m%dT%H:%M:%S%z"
DEFAULT_MAX_SKEW_S = 300.0
AUTHN_TYPE = "https://problems.luna.akamaiapis.net/-/pep-authn/"
_TIMESTAMP_RE = re.compile(r"^\d{8}T\d{2}:\d{2}:\d{2}[+-]\d{4}$")


@dataclass(frozen=True)
class ApiClient:
    """One API client the sandbox knows: its credentials and the account it belongs to."""

    section: str
    client_token: str = field(repr=False)
    client_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    account_id: str = ""
    can_switch_accounts: bool = False
    headers_to_sign: tuple[str, ...] = ()
    max_body: int = 131072

    def __repr__(self) -> str:
        return f"ApiClient(section={self.section!r}, account_id={self.account_id!r})"


class AuthError(Exception):
    """A request failed authentication. `problem()` is the Akamai-shaped document."""

    def __init__(self, detail: str, kind: str = "deny", status: int = 401) -> None:
        super().__init__(detail)
        self.status = status
        self.title = "Unauthorized"
        self.detail = detail
        self.type = AUTHN_TYPE + kind

    def problem(self, instance: str) -> dict[str, Any]:
        return {
            "type": self.type,
            "title": self.title,
            "detail": self.detail,
            "instance": instance,
            "status": self.status,
        }


@dataclass
class _Signable:
    method: str
    url: str
    headers: Mapping[str, str]
    body: bytes


def parse_authorization(value: str) -> tuple[dict[str, str], str]:
    """Split an EdgeGrid Authorization header into its fields and the signed prefix.

    The signed prefix is the header text up to and including the `;` before `signature=`.
    """
    if not value.startswith(SCHEME):
        raise AuthError("The request requires an EG1-HMAC-SHA256 signature.")
    marker = value.rfind(";signature=")
    if marker < 0:
        raise AuthError("The Authorization header has no signature.")
    signed_prefix = value[: marker + 1]
    fields: dict[str, str] = {}
    for part in value[len(SCHEME) :].split(";"):
        if not part:
            continue
        key, sep, val = part.partition("=")
        if not sep:
            raise AuthError("The Authorization header is malformed.")
        fields[key.strip()] = val.strip()
    for key in ("client_token", "access_token", "timestamp", "nonce", "signature"):
        if not fields.get(key):
            raise AuthError(f"The Authorization header has no {key}.")
    return fields, signed_prefix


def parse_timestamp(value: str) -> float:
    """`20140321T19:34:21+0000` -> POSIX seconds."""
    if not _TIMESTAMP_RE.match(value):
        raise ValueError(value)
    return datetime.strptime(value, TIMESTAMP_FORMAT).timestamp()


def compute_signature(
    client: ApiClient,
    *,
    method: str,
    host: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    signed_prefix: str,
    timestamp: str,
) -> str:
    """The signature an honest client with `client`'s secret would have sent.

    `target` is the raw path and query as received (`/papi/v1/groups?contractId=ctr_1`),
    `headers` maps lowercase names to values, `signed_prefix` is the Authorization header up to
    `signature=`.
    """
    helper = EdgeGridAuthHeaders(
        client.client_token,
        client.client_secret,
        client.access_token,
        headers_to_sign=client.headers_to_sign,
        max_body=client.max_body,
    )
    request = _Signable(
        method=method.upper(),
        url=f"https://{host}{target}",
        headers=dict(headers),
        body=body,
    )
    return helper.sign_request(request, timestamp, signed_prefix)


class NonceCache:
    """Nonces seen recently, per client token; entries older than the skew window expire."""

    def __init__(self, ttl_s: float, max_entries: int = 200_000) -> None:
        self._ttl = ttl_s
        self._max = max_entries
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()

    def seen(self, client_token: str, nonce: str, now: float) -> bool:
        while self._seen:
            key, expires = next(iter(self._seen.items()))
            if expires > now and len(self._seen) < self._max:
                break
            self._seen.popitem(last=False)
        key = (client_token, nonce)
        if key in self._seen:
            return True
        self._seen[key] = now + self._ttl
        return False

    def clear(self) -> None:
        self._seen.clear()


class EdgeGridVerifier:
    """Verifies EdgeGrid signatures for a fixed set of API clients."""

    def __init__(
        self,
        clients: Mapping[str, ApiClient] | list[ApiClient],
        *,
        max_skew_s: float = DEFAULT_MAX_SKEW_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not isinstance(clients, Mapping):
            clients = {c.client_token: c for c in clients}
        self.clients: dict[str, ApiClient] = dict(clients)
        self.max_skew_s = max_skew_s
        self._clock = clock
        # A nonce has to be remembered for as long as its timestamp would be accepted.
        self.nonces = NonceCache(ttl_s=2 * max_skew_s + 1)

    def verify(
        self,
        *,
        method: str,
        host: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes,
    ) -> ApiClient:
        """Return the API client that signed the request, or raise AuthError."""
        authorization = headers.get("authorization", "")
        if not authorization:
            raise AuthError("The request requires authentication.")
        fields, signed_prefix = parse_authorization(authorization)
        client = self.clients.get(fields["client_token"])
        if client is None:
            raise AuthError("Invalid authorization client token", "request-error")
        if not hmac.compare_digest(fields["access_token"], client.access_token):
            raise AuthError("Invalid authorization access token", "request-error")
        try:
            signed_at = parse_timestamp(fields["timestamp"])
        except ValueError:
            raise AuthError("Invalid timestamp", "request-error") from None
        now = self._clock()
        if abs(now - signed_at) > self.max_skew_s:
            raise AuthError(
                f"Invalid timestamp: more than {int(self.max_skew_s)} seconds from the "
                "server's clock",
                "request-error",
            )
        expected = compute_signature(
            client,
            method=method,
            host=headers.get("host", host),
            target=target,
            headers=headers,
            body=body,
            signed_prefix=signed_prefix,
            timestamp=fields["timestamp"],
        )
        if not hmac.compare_digest(expected, fields["signature"]):
            raise AuthError("The signature does not match")
        if self.nonces.seen(client.client_token, fields["nonce"], now):
            raise AuthError("Invalid nonce: it was used before", "request-error")
        return client

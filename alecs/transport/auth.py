"""EdgeGrid (EG1-HMAC-SHA256) request signing as an httpx2 `Auth` flow.

The signature is computed by edgegrid-python's own helpers over the exact URL and body bytes that
httpx2 puts on the wire: the helpers get a small namespace built from the httpx2 request, never a
`requests.PreparedRequest` (requests re-encodes some URLs, so the signed URL would differ from the
sent one). Every call of the flow, so every retry attempt, gets a fresh timestamp and nonce.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import httpx2
from akamai.edgegrid.edgegrid import EdgeGridAuthHeaders, eg_timestamp

from alecs.config import Credentials

# edgegrid-python logs the signing key and the signed Authorization header at DEBUG. Those are
# credentials: keep that logger quiet whatever the application's log level is.
_eg_logger = logging.getLogger("akamai.edgegrid")
_eg_logger.setLevel(logging.WARNING)
_eg_logger.propagate = False

ACCOUNT_SWITCH_PARAM = "accountSwitchKey"


@dataclass
class _SignableRequest:
    """The four attributes edgegrid-python's helpers read from a request."""

    method: str
    url: str
    headers: Any
    body: bytes


def with_account_switch_key(url: httpx2.URL, account_key: str | None) -> httpx2.URL:
    """Add `accountSwitchKey` to the query unless it is already there."""
    if not account_key or ACCOUNT_SWITCH_PARAM in url.params:
        return url
    return url.copy_add_param(ACCOUNT_SWITCH_PARAM, account_key)


class EdgeGridAuth(httpx2.Auth):
    """Signs each request with a section's EdgeGrid credentials.

    `account_key`, when set (from the section, or per call through the request's
    `extensions["alecs.account_key"]`), is added to the query before signing.
    `timestamp` and `nonce` are injectable for Akamai's test vectors.
    """

    requires_request_body = True

    def __init__(
        self,
        credentials: Credentials,
        *,
        timestamp: Callable[[], str] = eg_timestamp,
        nonce: Callable[[], object] = uuid.uuid4,
    ) -> None:
        self._headers = EdgeGridAuthHeaders(
            credentials.client_token,
            credentials.client_secret,
            credentials.access_token,
            headers_to_sign=credentials.headers_to_sign,
            max_body=credentials.max_body,
        )
        self._account_key = credentials.account_key
        self._timestamp = timestamp
        self._nonce = nonce
        self.section = credentials.section

    def __repr__(self) -> str:
        return f"EdgeGridAuth(section={self.section!r})"

    def sign(self, request: httpx2.Request) -> None:
        """Set the Authorization header for `request` as it stands now."""
        account_key = request.extensions.get("alecs.account_key", self._account_key)
        if account_key:
            request.url = with_account_switch_key(request.url, account_key)
        signable = _SignableRequest(
            method=request.method,
            url=str(request.url),
            headers=request.headers,
            body=request.content,
        )
        request.headers["Authorization"] = self._headers.make_auth_header(
            signable, self._timestamp(), self._nonce()
        )

    def auth_flow(
        self, request: httpx2.Request
    ) -> Generator[httpx2.Request, httpx2.Response, None]:
        self.sign(request)
        yield request

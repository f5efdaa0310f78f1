"""The spec-driven responder: answers every Akamai operation that has no stateful simulator.

The sandbox calls `spec_response` for a request that matches no simulator route, after the
EdgeGrid signature was verified and the rate limits, faults and counters applied, so all of them
hold for these operations too. It returns `(status, headers, body)` when `method` and `path` are
an operation of an Akamai API, or None when they are not (the sandbox then answers a 404 whose
body says the path is no operation of any Akamai API, or a 405 when only the method is wrong).

This stub knows no operations yet; the catalog replaces its body (keep the signature).
"""

from __future__ import annotations

from collections.abc import Mapping


def spec_response(
    method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
) -> tuple[int, dict[str, str], bytes] | None:
    """The answer of the operation `method path` per its API's OpenAPI spec, or None.

    `path` is the raw request path (percent-escapes kept), `query` the raw query string without
    `?`, `headers` the request headers with lowercase names, `body` the request body.
    """
    return None

"""HTTP/1.1 responses with reason phrases (`HTTP/1.1 404 Not Found`, not `HTTP/1.1 404 `).

hypercorn builds its h11 responses without a reason phrase; some clients print or even check
it. `install_reason_phrases()` makes hypercorn's HTTP/1.1 protocol fill in the standard phrase
(from `http.HTTPStatus`) for every response that has none. It is idempotent and changes only
hypercorn's H11 protocol class used by hypercorn's servers in this process (HTTP/2 has no
reason phrases).
"""

from __future__ import annotations

import http
from typing import Any

REASON_PHRASES: dict[int, bytes] = {s.value: s.phrase.encode() for s in http.HTTPStatus}


def with_reason(event: Any) -> Any:
    """An h11 Response/InformationalResponse with its standard reason phrase (when missing)."""
    import h11

    if not isinstance(event, h11.Response | h11.InformationalResponse) or event.reason:
        return event
    phrase = REASON_PHRASES.get(event.status_code)
    if phrase is None:
        return event
    return type(event)(
        status_code=event.status_code,
        headers=event.headers.raw_items(),
        http_version=event.http_version,
        reason=phrase,
    )


def install_reason_phrases() -> None:
    from hypercorn.protocol import h11 as hypercorn_h11

    protocol = hypercorn_h11.H11Protocol
    if getattr(protocol, "_alecs_reason_phrases", False):
        return
    original = protocol._send_h11_event

    async def _send_h11_event(self: Any, event: Any) -> None:
        await original(self, with_reason(event))

    protocol._send_h11_event = _send_h11_event  # type: ignore[method-assign]
    protocol._alecs_reason_phrases = True  # type: ignore[attr-defined]

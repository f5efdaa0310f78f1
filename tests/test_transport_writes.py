"""Writes are retried only when the request provably was not processed: a connect failure, a
429, an HTTP/2 REFUSED_STREAM, a GOAWAY below our stream id. A write whose outcome is unknown
(timeout, connection lost after sending) raises `AmbiguousWriteError`, never retried. Against
a real local HTTPS server and a raw HTTP/2 server that refuses streams and sends GOAWAY."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from transport_server import (
    H2FaultServer,
    Reply,
    TransportServer,
    running_h2_server,
    running_server,
)

from alecs.transport import (
    AkamaiApiError,
    ManualClock,
    RetryPolicy,
    Transport,
    TransportError,
    TransportSettings,
)
from alecs.transport.errors import AmbiguousWriteError

NO_LIMITS = TransportSettings(rate_limiting=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransportServer]:
    yield from running_server(tmp_path_factory.mktemp("transport-writes"))


@pytest.fixture(scope="module")
def h2server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[H2FaultServer]:
    yield from running_h2_server(tmp_path_factory.mktemp("transport-h2faults"))


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
async def test_a_refused_stream_is_retried_for_any_write(h2server: H2FaultServer, method: str):
    path = f"/w/refused-{method}"
    h2server.script(path, ["refuse"])
    async with Transport([h2server.credentials()], NO_LIMITS, clock=ManualClock()) as t:
        response = await t.request("h2", method, path, json={"a": 1})
    assert response.status_code == 200
    assert response.extensions["alecs.attempts"] == 2
    assert h2server.count(path) == 2


async def test_a_goaway_below_our_stream_is_retried_for_a_write(h2server: H2FaultServer):
    h2server.script("/w/goaway", ["goaway"])
    async with Transport([h2server.credentials()], NO_LIMITS, clock=ManualClock()) as t:
        response = await t.request("h2", "POST", "/w/goaway", json={"a": 1})
    assert response.status_code == 200
    assert response.extensions["alecs.attempts"] == 2
    assert h2server.count("/w/goaway") == 2


async def test_a_goaway_that_covers_our_stream_is_ambiguous_for_a_write(h2server: H2FaultServer):
    h2server.script("/w/goaway-processed", ["goaway_processed", "goaway_processed"])
    async with Transport([h2server.credentials()], NO_LIMITS, clock=ManualClock()) as t:
        with pytest.raises(AmbiguousWriteError) as info:
            await t.request("h2", "PUT", "/w/goaway-processed", json={"a": 1})
        # A read in the same situation is simply retried.
        response = await t.request("h2", "GET", "/w/goaway-processed")
    assert info.value.attempts == 1 and info.value.applied is None
    assert "UNKNOWN" in str(info.value) and "PUT /w/goaway-processed" in str(info.value)
    assert response.extensions["alecs.attempts"] == 2


async def test_a_connection_dropped_after_a_post_is_ambiguous_and_not_retried(
    h2server: H2FaultServer,
):
    h2server.script("/w/drop", ["drop"])
    async with Transport([h2server.credentials()], NO_LIMITS, clock=ManualClock()) as t:
        with pytest.raises(AmbiguousWriteError) as info:
            await t.request("h2", "POST", "/w/drop", json={"name": "x"})
    error = info.value
    assert isinstance(error, TransportError) and error.kind == "connection"
    assert h2server.count("/w/drop") == 1, "never sent twice"
    assert error.to_dict()["write_applied"] == "unknown"
    assert "To check: read the resource back (GET)" in str(error)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_writes_are_not_retried_after_a_read_timeout(server: TransportServer, method: str):
    path = f"/w/slow-{method}"
    server.hold(path)
    try:
        settings = NO_LIMITS.replace(retry=RetryPolicy(attempts=3))
        async with Transport([server.credentials()], settings, clock=ManualClock()) as t:
            with pytest.raises(AmbiguousWriteError) as info:
                await t.request("t", method, path, json={}, timeout=0.3)
    finally:
        server.release(path)
    assert (info.value.kind, info.value.attempts) == ("timeout", 1)
    assert server.count(path) == 1


async def test_a_put_is_not_retried_after_a_503(server: TransportServer):
    server.script("/w/put-503", [Reply(503)], default=Reply(json={}))
    async with Transport([server.credentials()], NO_LIMITS, clock=ManualClock()) as t:
        with pytest.raises(AkamaiApiError) as info:
            await t.request("t", "PUT", "/w/put-503", json={"a": 1})
    assert (info.value.status, info.value.attempts) == (503, 1)
    assert server.count("/w/put-503") == 1


async def test_a_write_cut_by_the_call_deadline_is_ambiguous_a_read_is_a_deadline(
    server: TransportServer,
):
    from alecs.transport import DeadlineExceededError

    server.hold("/w/deadline")
    try:
        async with Transport([server.credentials()], NO_LIMITS) as t:
            with pytest.raises(AmbiguousWriteError) as write:
                await t.request("t", "POST", "/w/deadline", json={}, deadline=0.3)
            with pytest.raises(DeadlineExceededError):
                await t.request("t", "GET", "/w/deadline", deadline=0.3)
    finally:
        server.release("/w/deadline")
    assert write.value.kind == "deadline" and write.value.applied is None
    assert "passed during attempt 1" in str(write.value)

"""Single-flight rules: each follower bounded by its own deadline, each with its own response
object, and a leader that gives up (cancelled, or its own deadline passed) never fails its
followers. Pure `SingleFlight` tests first, then through `Transport` against a local HTTPS server
whose requests can be held."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from transport_server import TransportServer, running_server

from alecs.transport import DeadlineExceededError, Transport, TransportSettings
from alecs.transport.singleflight import SingleFlight, SingleFlightTimeout

NO_LIMITS = TransportSettings(rate_limiting=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransportServer]:
    yield from running_server(tmp_path_factory.mktemp("transport-singleflight"))


# --------------------------------------------------------------------------- SingleFlight alone


async def test_follower_gives_up_at_its_own_wait_limit_and_the_leader_goes_on():
    flight: SingleFlight[dict[str, int]] = SingleFlight()
    gate = asyncio.Event()
    runs = 0

    async def work() -> dict[str, int]:
        nonlocal runs
        runs += 1
        await gate.wait()
        return {"n": runs}

    leader = asyncio.ensure_future(flight.do("k", work))
    await asyncio.sleep(0)
    with pytest.raises(SingleFlightTimeout):
        await flight.do("k", work, wait_limit=0.01)
    assert not leader.done(), "the follower did not wait for the leader"
    gate.set()
    assert await leader == ({"n": 1}, False)
    assert runs == 1


async def test_wait_limit_counts_time_already_spent_following():
    now = [100.0]
    flight: SingleFlight[int] = SingleFlight()
    gate = asyncio.Event()

    async def work() -> int:
        await gate.wait()
        return 1

    leader = asyncio.ensure_future(flight.do("k", work))
    await asyncio.sleep(0)
    follower = asyncio.ensure_future(flight.do("k", work, wait_limit=5, monotonic=lambda: now[0]))
    await asyncio.sleep(0)
    now[0] += 6  # the injected clock says the follower's limit is used up
    leader.cancel()  # the follower is woken and would lead; it has no time left
    with pytest.raises(SingleFlightTimeout):
        await follower
    with pytest.raises(asyncio.CancelledError):
        await leader


async def test_each_follower_gets_its_own_copy():
    flight: SingleFlight[dict[str, int]] = SingleFlight(share=dict)
    gate = asyncio.Event()

    async def work() -> dict[str, int]:
        await gate.wait()
        return {"n": 1}

    tasks = [asyncio.ensure_future(flight.do("k", work)) for _ in range(4)]
    await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*tasks)
    values = [r for r, _ in results]
    assert [shared for _, shared in results] == [False, True, True, True]
    assert len({id(v) for v in values}) == 4
    values[1]["n"] = 99
    assert [v["n"] for v in values] == [1, 99, 1, 1]


async def test_a_cancelled_leader_hands_over_to_one_follower():
    flight: SingleFlight[str] = SingleFlight()
    gates = [asyncio.Event(), asyncio.Event()]
    runs: list[int] = []

    def work(i: int):
        async def run() -> str:
            runs.append(i)
            await gates[len(runs) - 1].wait()
            return f"from {i}"

        return run

    leader = asyncio.ensure_future(flight.do("k", work(0)))
    await asyncio.sleep(0)
    followers = [asyncio.ensure_future(flight.do("k", work(i))) for i in (1, 2, 3)]
    await asyncio.sleep(0)
    leader.cancel()
    for _ in range(5):  # every follower wakes up: one leads, the others follow it
        await asyncio.sleep(0)
    gates[1].set()
    results = await asyncio.gather(*followers)
    assert runs == [0, 1], "one follower took over; the others followed it"
    assert results == [("from 1", False), ("from 1", True), ("from 1", True)]
    assert flight.handovers == 1
    with pytest.raises(asyncio.CancelledError):
        await leader


async def test_handover_exceptions_are_not_inherited_other_errors_are():
    class LeaderDeadline(Exception):
        pass

    flight: SingleFlight[str] = SingleFlight(handover=(LeaderDeadline,))
    gate = asyncio.Event()
    calls: list[str] = []

    async def failing(exc: Exception) -> str:
        calls.append(type(exc).__name__)
        await gate.wait()
        raise exc

    async def ok() -> str:
        calls.append("ok")
        return "fine"

    leader = asyncio.ensure_future(flight.do("k", lambda: failing(LeaderDeadline())))
    await asyncio.sleep(0)
    follower = asyncio.ensure_future(flight.do("k", ok))
    await asyncio.sleep(0)
    gate.set()
    with pytest.raises(LeaderDeadline):
        await leader
    assert await follower == ("fine", False)

    gate.clear()
    leader = asyncio.ensure_future(flight.do("j", lambda: failing(KeyError("nope"))))
    await asyncio.sleep(0)
    follower = asyncio.ensure_future(flight.do("j", ok))
    await asyncio.sleep(0)
    gate.set()
    for task in (leader, follower):
        with pytest.raises(KeyError):
            await task
    assert calls == ["LeaderDeadline", "ok", "KeyError"]


# --------------------------------------------------------------------------- through Transport


async def _until(server: TransportServer, path: str, n: int) -> None:
    assert await asyncio.to_thread(server.wait_for, lambda: server.count(path) >= n, 10.0)


async def test_a_follower_is_bounded_by_its_own_deadline(server: TransportServer):
    path = "/sft/deadline"
    server.hold(path)
    try:
        async with Transport([server.credentials()], NO_LIMITS) as t:
            leader = asyncio.ensure_future(t.request("t", "GET", path))
            await _until(server, path, 1)
            with pytest.raises(DeadlineExceededError) as info:
                await t.request("t", "GET", path, deadline=0.2)
            assert not leader.done(), "the follower returned while the leader still waited"
            server.release(path)
            assert (await leader).status_code == 200
            health = t.health().host("t")
    finally:
        server.release(path)
    assert "waiting for an identical request already in flight" in str(info.value)
    assert info.value.attempts == 0
    assert server.count(path) == 1, "the follower sent nothing of its own"
    assert health.errors.get("deadline") == 1


async def test_every_follower_gets_its_own_response_object(server: TransportServer):
    path = "/sft/own"
    server.hold(path)
    try:
        async with Transport([server.credentials()], NO_LIMITS) as t:
            tasks = [asyncio.ensure_future(t.request("t", "GET", path)) for _ in range(5)]
            await _until(server, path, 1)
            server.release(path)
            responses = await asyncio.gather(*tasks)
    finally:
        server.release(path)
    assert server.count(path) == 1
    assert len({id(r) for r in responses}) == 5
    assert len({id(r.headers) for r in responses}) == 5
    assert len({id(r.extensions) for r in responses}) == 5
    assert len({id(r.request.headers) for r in responses}) == 5
    assert sum(1 for r in responses if r.extensions.get("alecs.shared")) == 4
    responses[1].headers["x-mine"] = "changed"
    responses[1].extensions["mine"] = True
    assert all("x-mine" not in r.headers for i, r in enumerate(responses) if i != 1)
    assert all("mine" not in r.extensions for i, r in enumerate(responses) if i != 1)
    assert all(r.json() == responses[0].json() for r in responses)


async def test_a_cancelled_leader_never_fails_its_followers(server: TransportServer):
    path = "/sft/cancel"
    server.hold(path)
    try:
        async with Transport([server.credentials()], NO_LIMITS) as t:
            leader = asyncio.ensure_future(t.request("t", "GET", path))
            await _until(server, path, 1)
            followers = [asyncio.ensure_future(t.request("t", "GET", path)) for _ in range(3)]
            for _ in range(5):  # let the followers join the leader's flight
                await asyncio.sleep(0)
            assert len(t._flight) == 1
            leader.cancel()
            await _until(server, path, 2)  # one follower took over and sent the request
            server.release(path)
            responses = await asyncio.gather(*followers)
            with pytest.raises(asyncio.CancelledError):
                await leader
    finally:
        server.release(path)
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert server.count(path) == 2, "one hand-over request, not one per follower"


async def test_a_leader_past_its_deadline_hands_over_to_followers_with_time_left(
    server: TransportServer,
):
    path = "/sft/leader-deadline"
    server.hold(path)
    try:
        async with Transport([server.credentials()], NO_LIMITS) as t:
            leader = asyncio.ensure_future(t.request("t", "GET", path, deadline=0.3))
            await _until(server, path, 1)
            follower = asyncio.ensure_future(t.request("t", "GET", path, deadline=60))
            with pytest.raises(DeadlineExceededError):
                await leader
            await _until(server, path, 2)
            server.release(path)
            response = await follower
    finally:
        server.release(path)
    assert response.status_code == 200

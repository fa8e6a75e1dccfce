"""The breaker's Redis store: shared by processes, no lost updates, and no hard dependency."""

import asyncio
import dataclasses
import json
import random
import time
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from router_service.breaker import BreakerConfig, BreakerState
from router_service.breaker_store import LocalBreaker, RedisBreakerStore, Step

REDIS_URL = "redis://127.0.0.1:6379/0"
CONFIG = BreakerConfig(latency_threshold_s=10.0, service_time_s=0.01)


@pytest.fixture
async def key() -> AsyncIterator[str]:
    name = f"hybrid-router:test-store:{uuid.uuid4().hex}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    await client.delete(name, f"{{{name}}}:version")
    await client.aclose()


async def test_concurrent_updates_from_two_stores_are_all_kept(key: str) -> None:
    first = LocalBreaker(CONFIG, RedisBreakerStore.from_url(REDIS_URL, key))
    second = LocalBreaker(CONFIG, RedisBreakerStore.from_url(REDIS_URL, key))
    ids = [f"r{number}" for number in range(40)]
    admissions = await asyncio.gather(
        *(
            (first if number % 2 else second).admit(request_id)
            for number, request_id in enumerate(ids)
        )
    )
    assert set(admissions) == {"local"}
    assert {item.request_id for item in (await first.state()).in_flight} == set(ids)
    for number, request_id in enumerate(ids):  # each store ends the requests it admitted
        (first if number % 2 else second).finished(request_id, 0.1, 0.1)
    await second.state()  # reading waits for this process's updates written behind
    state = await first.state()
    assert state.in_flight == () and len(state.samples) == len(ids)


async def test_an_unreachable_redis_falls_back_to_the_process_state() -> None:
    store = RedisBreakerStore.from_url("redis://127.0.0.1:1/0", "unused")
    breaker = LocalBreaker(CONFIG, store)
    assert await breaker.admit("r1") == "local"
    assert [item.request_id for item in (await breaker.state()).in_flight] == ["r1"]


async def test_a_cancelled_update_strands_no_other_request(key: str) -> None:
    breaker = LocalBreaker(CONFIG, RedisBreakerStore.from_url(REDIS_URL, key))
    admits = [asyncio.create_task(breaker.admit(f"r{number}")) for number in range(20)]
    await asyncio.sleep(0)  # every task has queued its step; none is sent yet
    for cancelled in (0, 7):
        admits[cancelled].cancel()
    outcomes = await asyncio.wait_for(asyncio.gather(*admits, return_exceptions=True), 5)
    kept = {f"r{number}" for number in range(20) if number not in (0, 7)}
    assert [outcomes[number] for number in range(20) if f"r{number}" in kept] == ["local"] * 18
    in_flight = {item.request_id for item in (await breaker.state()).in_flight}
    assert kept <= in_flight and "r7" not in in_flight  # r7 was still waiting: never applied


async def test_a_step_cancelled_before_it_is_sent_is_never_applied(key: str) -> None:
    store = RedisBreakerStore.from_url(REDIS_URL, key)
    applied: list[int] = []

    def recording(number: int) -> Step[int]:
        def step(state: BreakerState) -> tuple[BreakerState, int]:
            applied.append(number)
            return state, number

        return step

    updates = [asyncio.create_task(store.update(recording(number))) for number in range(6)]
    await asyncio.sleep(0)  # all six queued, none sent yet
    updates[4].cancel()
    outcomes = await asyncio.gather(*updates, return_exceptions=True)
    assert [outcomes[number] for number in (0, 1, 2, 3, 5)] == [0, 1, 2, 3, 5]
    assert isinstance(outcomes[4], asyncio.CancelledError)
    assert applied == [0, 1, 2, 3, 5]


async def test_a_state_an_earlier_release_wrote_is_read_not_overwritten(key: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    opened = BreakerState(mode="open", since=time.time(), cause="failures", cooldown_s=30.0)
    await client.set(key, json.dumps(dataclasses.asdict(opened)))  # no version beside it
    await client.aclose()
    breaker = LocalBreaker(CONFIG, RedisBreakerStore.from_url(REDIS_URL, key))
    assert await breaker.admit("r1") != "local"
    assert (await breaker.state()).mode == "open"


async def test_a_recent_view_admits_without_asking_redis_until_it_ages(key: str) -> None:
    first = LocalBreaker(CONFIG, RedisBreakerStore.from_url(REDIS_URL, key), recent_s=0.5)
    second = LocalBreaker(CONFIG, RedisBreakerStore.from_url(REDIS_URL, key))
    assert await first.admit("a0") == "local"  # no view yet: asked Redis
    for number in range(CONFIG.failures_to_open):  # another process sees local fail
        assert await second.admit(f"b{number}") == "local"
        second.failed(f"b{number}")
    assert (await second.state()).mode == "open"
    assert await first.admit("a1") == "local"  # its view is younger than 0.5 s: not asked
    await asyncio.sleep(0.6)
    assert await first.admit("a2") == "breaker_open"  # the view aged: asked, and told
    state = await first.state()
    assert state.mode == "open"
    # Written behind onto the open state: a1 is counted in flight all the same.
    assert {item.request_id for item in state.in_flight} == {"a0", "a1"}


async def test_a_view_counts_the_admissions_of_its_own_process(key: str) -> None:
    config = BreakerConfig(latency_threshold_s=10.0, service_time_s=1.0)  # room for 10
    first = LocalBreaker(config, RedisBreakerStore.from_url(REDIS_URL, key), recent_s=5.0)
    second = LocalBreaker(config, RedisBreakerStore.from_url(REDIS_URL, key))
    admissions = [await first.admit(f"r{number}") for number in range(12)]
    assert admissions == ["local"] * 10 + ["local_busy"] * 2
    await first.state()  # its admissions, written behind, are stored
    assert await second.admit("elsewhere") == "local_busy"  # the shared count is full
    for number in range(10):
        first.finished(f"r{number}", 0.5, 0.5)
    await first.state()
    assert await second.admit("elsewhere") == "local"


async def test_a_look_at_the_state_refreshes_the_view(key: str) -> None:
    first = LocalBreaker(CONFIG, RedisBreakerStore.from_url(REDIS_URL, key), recent_s=5.0)
    second = LocalBreaker(CONFIG, RedisBreakerStore.from_url(REDIS_URL, key))
    assert await first.admit("a0") == "local"
    for number in range(CONFIG.failures_to_open):
        assert await second.admit(f"b{number}") == "local"
        second.failed(f"b{number}")
    await second.state()
    assert (await first.state()).mode == "open"  # an operator looks (admin API, metrics)
    assert await first.admit("a1") == "breaker_open"


async def test_admissions_on_views_lose_no_update_under_concurrency(key: str) -> None:
    breakers = [
        LocalBreaker(CONFIG, RedisBreakerStore.from_url(REDIS_URL, key), recent_s=5.0)
        for _ in range(2)
    ]

    async def request(breaker: LocalBreaker, request_id: str) -> None:
        assert await breaker.admit(request_id) == "local"
        await asyncio.sleep(0)  # let other requests and the writes behind run
        breaker.finished(request_id, 0.1, 0.1)

    await asyncio.gather(*(request(breakers[n % 2], f"r{n}") for n in range(60)))
    for breaker in breakers:
        await breaker.state()  # each process's writes behind are stored
    state = await breakers[0].state()
    assert state.in_flight == () and len(state.samples) == 60


async def test_near_capacity_the_view_is_not_enough(key: str) -> None:
    config = BreakerConfig(latency_threshold_s=4.0, service_time_s=1.0)  # room for 4
    first = LocalBreaker(config, RedisBreakerStore.from_url(REDIS_URL, key), recent_s=5.0)
    second = LocalBreaker(config, RedisBreakerStore.from_url(REDIS_URL, key))
    assert await first.admit("a0") == "local"
    assert [await second.admit("b0"), await second.admit("b1")] == ["local", "local"]
    assert await first.admit("a1") == "local"  # its view: 1 of 4 in flight, plainly room
    assert await first.admit("a2") == "local_busy"  # its view: 2 of 4, so Redis is asked: 4


async def test_a_process_never_admits_past_capacity_on_its_views(key: str) -> None:
    config = BreakerConfig(latency_threshold_s=8.0, service_time_s=1.0)  # room for 8
    breaker = LocalBreaker(config, RedisBreakerStore.from_url(REDIS_URL, key), recent_s=1.0)
    pauses = random.Random(1)
    in_flight = peak = 0

    async def client(name: int) -> None:
        nonlocal in_flight, peak
        for number in range(100):
            await asyncio.sleep(pauses.random() * 0.002)
            request_id = f"{name}-{number}"
            if await breaker.admit(request_id) == "local":
                in_flight += 1
                peak = max(peak, in_flight)
                await asyncio.sleep(pauses.random() * 0.003)
                in_flight -= 1
                breaker.released(request_id)

    await asyncio.gather(*(client(name) for name in range(40)))
    assert peak == 8  # full, never past it (commits, views and writes behind interleaving)


async def test_a_cancelled_admission_leaves_nothing_in_flight(key: str) -> None:
    breaker = LocalBreaker(CONFIG, RedisBreakerStore.from_url(REDIS_URL, key))
    admits = [asyncio.create_task(breaker.admit(f"r{number}")) for number in range(3)]
    await asyncio.sleep(0)  # r0-r2 queued
    await asyncio.sleep(0)  # ... and sent, one batch now with Redis
    admits += [asyncio.create_task(breaker.admit(f"r{number}")) for number in range(3, 6)]
    await asyncio.sleep(0)  # r3-r5 queued behind it
    admits[0].cancel()  # sent with the first batch
    admits[4].cancel()  # still waiting
    outcomes = await asyncio.gather(*admits, return_exceptions=True)
    assert [outcomes[number] for number in (1, 2, 3, 5)] == ["local"] * 4
    in_flight = {item.request_id for item in (await breaker.state()).in_flight}
    assert in_flight == {"r1", "r2", "r3", "r5"}

"""The breaker's Redis store: shared by processes, no lost updates, and no hard dependency."""

import asyncio
import dataclasses
import json
import time
import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from router_service.breaker import BreakerConfig, BreakerState
from router_service.breaker_store import LocalBreaker, RedisBreakerStore

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
    await asyncio.sleep(0)  # every task has queued its step; the first is with Redis
    for cancelled in (0, 7):
        admits[cancelled].cancel()
    outcomes = await asyncio.wait_for(asyncio.gather(*admits, return_exceptions=True), 5)
    kept = {f"r{number}" for number in range(20) if number not in (0, 7)}
    assert [outcomes[number] for number in range(20) if f"r{number}" in kept] == ["local"] * 18
    in_flight = {item.request_id for item in (await breaker.state()).in_flight}
    assert kept <= in_flight and "r7" not in in_flight  # r7 was still waiting: never applied


async def test_a_state_an_earlier_release_wrote_is_read_not_overwritten(key: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    opened = BreakerState(mode="open", since=time.time(), cause="failures", cooldown_s=30.0)
    await client.set(key, json.dumps(dataclasses.asdict(opened)))  # no version beside it
    await client.aclose()
    breaker = LocalBreaker(CONFIG, RedisBreakerStore.from_url(REDIS_URL, key))
    assert await breaker.admit("r1") != "local"
    assert (await breaker.state()).mode == "open"

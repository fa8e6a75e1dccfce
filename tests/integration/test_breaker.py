"""The latency breaker through real proxies: a load spike, recovery, and shared state.

The Ollama emulator serves one request at a time; its `gpu_ms` fault makes
every request hold the GPU longer, as a slower or busier GPU would. The
proxies run with a small latency threshold and short cool-down so a whole
open / half-open / closed cycle takes seconds.
"""

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
import redis

from bench.harness import Emulators, Proxy, run_emulators, run_proxy
from tests.integration.conftest import openai_for, reset_breaker, reset_emulators
from tests.support.commands import admin
from tests.support.emulator_faults import local_faults
from tests.support.requests_seen import recording_async_client

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/0"
ADDRESS = [{"role": "user", "content": "What is your address?"}]  # a local rule
BREAKER_ENV = {
    "HR_LOCAL_LATENCY_THRESHOLD_S": "0.5",
    "HR_BREAKER_WINDOW_S": "20",
    "HR_BREAKER_MIN_SAMPLES": "4",
    "HR_BREAKER_COOLDOWN_S": "1.5",
    "HR_BREAKER_PROBES": "2",
    "HR_LOCAL_SERVICE_TIME_S": "0.05",
}


def async_openai_for(proxy: Proxy) -> openai.AsyncOpenAI:
    http_client = recording_async_client(timeout=120)
    return openai.AsyncOpenAI(
        base_url=proxy.url + "/v1", api_key=proxy.master_key, http_client=http_client
    )


def wait_for_idle_gpu(emulators: Emulators, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        queue = httpx.get(emulators.ollama_url + "/_emulator/stats").json()["queue"]
        if queue["in_flight"] == 0 and queue["queued"] == 0:
            return
        assert time.monotonic() < deadline, "the local queue did not drain"
        time.sleep(0.1)


async def ask(client: openai.AsyncOpenAI) -> tuple[str, str]:
    raw = await client.chat.completions.with_raw_response.create(model="auto", messages=ADDRESS)
    assert raw.parse().choices[0].message.content
    return raw.headers["x-hybrid-actual-model"], raw.headers["x-hybrid-reason"]


async def spike(client: openai.AsyncOpenAI, requests: int, concurrency: int) -> list[str]:
    """`requests` requests, `concurrency` at a time; the reason each was routed for."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> str:
        async with gate:
            return (await ask(client))[1]

    return list(await asyncio.gather(*(one() for _ in range(requests))))


@pytest.fixture(scope="module")
def breaker_setup(process_logs: Path, database_url: str) -> Iterator[tuple[Proxy, Emulators]]:
    env = {**BREAKER_ENV, "HR_DATABASE_URL": database_url}
    with (
        run_emulators(process_logs) as emulators,
        run_proxy(emulators, process_logs, env) as proxy,
    ):
        yield proxy, emulators


async def test_a_load_spike_opens_the_breaker_and_recovery_closes_it(
    breaker_setup: tuple[Proxy, Emulators],
) -> None:
    proxy, emulators = breaker_setup
    reset_emulators(emulators)
    reset_breaker(proxy)
    client = async_openai_for(proxy)

    healthy = [(await ask(client))[1] for _ in range(4)]
    assert set(healthy) == {"rule:address"}

    local_faults(emulators, gpu_ms=300)  # each request now holds the GPU for 0.3 s
    during = Counter(await spike(client, requests=24, concurrency=8))
    assert during["breaker_open"] > 0, during  # p95 rose past 0.5 s: the breaker opened
    assert during["breaker_open"] + during["local_busy"] >= 12, during
    assert admin(proxy, "GET", "/hr/admin/breaker")["mode"] in {"open", "half_open"}

    local_faults(emulators, gpu_ms=0)  # the GPU recovers
    wait_for_idle_gpu(emulators)
    await asyncio.sleep(float(BREAKER_ENV["HR_BREAKER_COOLDOWN_S"]) + 0.2)
    after = [await ask(client) for _ in range(5)]
    # Half-open: the first requests are probes on local; two fast ones close it.
    assert all(reason == "rule:address" for _, reason in after), after
    assert all(model.startswith("ollama_chat/") for model, _ in after), after
    state = admin(proxy, "GET", "/hr/admin/breaker")
    assert state["mode"] == "closed" and state["window_samples"] <= len(after)
    await client.close()


async def test_the_queue_check_sheds_a_burst_before_p95_rises(
    breaker_setup: tuple[Proxy, Emulators],
) -> None:
    proxy, emulators = breaker_setup
    reset_emulators(emulators)
    reset_breaker(proxy)
    local_faults(emulators, gpu_ms=200)  # a steady 0.2 s per request: 2 fit in 0.5 s
    client = async_openai_for(proxy)
    warm = [(await ask(client))[1] for _ in range(4)]  # the breaker learns the service time
    assert set(warm) == {"rule:address"}
    burst = Counter(await spike(client, requests=12, concurrency=12))
    assert burst["local_busy"] >= 6, burst  # shed at once, without waiting for latencies
    assert burst["breaker_open"] == 0, burst
    state = admin(proxy, "GET", "/hr/admin/breaker")
    assert state["mode"] == "closed"
    assert state["p95_latency_s"] <= float(BREAKER_ENV["HR_LOCAL_LATENCY_THRESHOLD_S"])
    await client.close()


@pytest.fixture
def redis_key() -> Iterator[str]:
    key = f"hybrid-router:test-breaker:{uuid.uuid4().hex}"
    yield key
    redis.Redis.from_url(REDIS_URL).delete(key)


def test_two_proxies_share_the_breaker_through_redis(
    process_logs: Path, redis_key: str, database_url: str
) -> None:
    env = {
        "HR_REDIS_URL": REDIS_URL,
        "HR_REDIS_BREAKER_KEY": redis_key,
        "HR_DATABASE_URL": database_url,
    }
    with (
        run_emulators(process_logs) as emulators,
        run_proxy(emulators, process_logs, env) as first,
        run_proxy(emulators, process_logs, env) as second,
    ):
        local_faults(emulators, down=True)
        client = openai_for(first)
        while admin(first, "GET", "/hr/admin/breaker")["mode"] != "open":
            raw = client.chat.completions.with_raw_response.create(model="auto", messages=ADDRESS)
            assert raw.headers["x-hybrid-escalation"] in {"local_unavailable", "none"}
        # The other instance sees the open breaker and sends `auto` traffic to the cloud.
        assert admin(second, "GET", "/hr/admin/breaker")["mode"] == "open"
        other = openai_for(second)
        raw = other.chat.completions.with_raw_response.create(model="auto", messages=ADDRESS)
        assert raw.headers["x-hybrid-reason"] == "breaker_open"
        assert redis.Redis.from_url(REDIS_URL).exists(redis_key)
        # A reset on one instance closes it for both.
        local_faults(emulators, down=False)
        admin(second, "POST", "/hr/admin/breaker/reset")
        assert admin(first, "GET", "/hr/admin/breaker")["mode"] == "closed"
        raw = client.chat.completions.with_raw_response.create(model="auto", messages=ADDRESS)
        assert raw.headers["x-hybrid-reason"] == "rule:address"

"""Two proxy instances on different ports, one emulator, one Postgres, one Redis.

What must be global holds across them: the breaker and the local requests in
flight (Redis), budgets (Postgres), and the active model version.
"""

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.harness import Emulators, Proxy, run_proxy
from router_service.core.config import Settings
from router_service.db.engine import migrate
from tests.integration.test_model_registry import save_version
from tests.support.commands import admin, new_client
from tests.support.database import throwaway_database
from tests.support.emulator_faults import local_faults

pytestmark = pytest.mark.integration

REDIS_URL = "redis://127.0.0.1:6379/0"
POLL_S = 1
ADDRESS = [{"role": "user", "content": "What's your address?"}]
COMPLAINT = [{"role": "user", "content": "I want to complain, my order was cold"}]


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """The pair's own database: a model activation here must not reach other tests' proxies."""
    with throwaway_database() as url:
        migrate(Settings(database_url=url))
        yield url


@pytest.fixture(scope="module")
def pair(emulators: Emulators, process_logs: Path, database: str) -> Iterator[tuple[Proxy, Proxy]]:
    env = {
        "HR_DATABASE_URL": database,
        "HR_REDIS_URL": REDIS_URL,
        "HR_REDIS_BREAKER_KEY": f"hybrid-router-test:breaker:{uuid.uuid4().hex}",
        "HR_MODEL_POLL_S": str(POLL_S),
    }
    with (
        run_proxy(emulators, process_logs, env) as first,
        run_proxy(emulators, process_logs, env) as second,
    ):
        yield first, second


def chat(proxy: Proxy, messages: list[dict[str, str]], key: str | None = None) -> httpx.Response:
    return httpx.post(
        proxy.url + "/v1/chat/completions",
        headers={"Authorization": f"Bearer {key or proxy.master_key}"},
        json={"model": "auto", "messages": messages, "max_tokens": 100},
        timeout=60,
    )


def test_a_breaker_opened_on_one_instance_is_open_on_the_other(
    pair: tuple[Proxy, Proxy], emulators: Emulators
) -> None:
    first, second = pair
    admin(first, "POST", "/hr/admin/breaker/reset")
    local_faults(emulators, error_rate=1.0, error_status=503)
    for _ in range(Settings().local_failures_to_open):
        assert chat(first, ADDRESS).headers["x-hybrid-escalation"] == "local_unavailable"
    assert admin(second, "GET", "/hr/admin/breaker")["mode"] == "open"
    shed = chat(second, ADDRESS)
    assert (shed.headers["x-hybrid-routed-to"], shed.headers["x-hybrid-reason"]) == (
        "cloud",
        "breaker_open",
    )
    local_faults(emulators, error_rate=0.0)
    admin(second, "POST", "/hr/admin/breaker/reset")
    assert admin(first, "GET", "/hr/admin/breaker")["mode"] == "closed"


def test_local_requests_in_flight_are_counted_across_instances(
    pair: tuple[Proxy, Proxy], emulators: Emulators
) -> None:
    first, second = pair
    admin(first, "POST", "/hr/admin/breaker/reset")
    local_faults(emulators, latency_ms=2000)
    worker = threading.Thread(target=chat, args=(first, ADDRESS))
    worker.start()
    try:
        deadline = time.monotonic() + 1.5
        seen = 0
        while time.monotonic() < deadline and not seen:
            seen = admin(second, "GET", "/hr/admin/breaker")["local_in_flight"]
            time.sleep(0.05)
        assert seen == 1  # the other instance's request, seen through Redis
    finally:
        worker.join()
    assert admin(second, "GET", "/hr/admin/breaker")["local_in_flight"] == 0


def test_a_budget_holds_across_instances(pair: tuple[Proxy, Proxy]) -> None:
    first, second = pair
    budget_usd = 0.01
    name, key = new_client(first, "scale", budget_usd=str(budget_usd))
    answered = 0
    deadline = time.monotonic() + 60
    while True:  # one request to each instance per round, until the budget is spent
        statuses = [chat(proxy, COMPLAINT, key).status_code for proxy in pair]
        answered += statuses.count(200)
        spend = admin(second, "GET", f"/hr/admin/spend?client={name}")[0]
        assert spend["spend_micros"] <= budget_usd * 1_000_000, spend  # never overspent
        if statuses == [429, 429] and spend["reserved_micros"] == 0:
            break  # both refuse with nothing reserved: what is left fits no request
        assert time.monotonic() < deadline, (statuses, spend)
        if 429 in statuses:
            time.sleep(0.6)  # refused while others are reserved: let settlements land
    assert answered >= 2 and spend["spend_micros"] > 0


def test_an_activation_reaches_every_instance(pair: tuple[Proxy, Proxy], database: str) -> None:
    version = f"scale-{uuid.uuid4().hex[:8]}"
    save_version(database, version)
    admin(pair[0], "POST", f"/hr/admin/models/{version}/activate")
    for proxy in pair:
        deadline = time.monotonic() + POLL_S + 5
        while admin(proxy, "GET", "/hr/admin/models/serving")["version"] != version:
            assert time.monotonic() < deadline, f"{proxy.url} did not switch to {version}"
            time.sleep(0.2)
        assert chat(proxy, ADDRESS).headers["x-hybrid-classifier-version"] == version

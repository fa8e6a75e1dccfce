"""The local model's server killed mid-run under load.

Requests that had received nothing yet are answered by the cloud; the
breaker opens within a second, after which nothing tries the dead server;
every request keeps its one log row.
"""

import asyncio
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from bench.harness import Emulators, Proxy, run_emulators, run_proxy
from tests.reliability.conftest import Figures, assert_one_row_each
from tests.support.emulator_faults import local_faults
from tests.support.load import Load, summary

pytestmark = pytest.mark.integration

LOAD_BEFORE_S = 3.0
LOAD_AFTER_S = 3.0
REACTION_LIMIT_S = 1.0


async def wait_for_open_breaker(proxy: Proxy, timeout_s: float) -> float:
    """When the admin API first reports the breaker open."""
    headers = {"Authorization": f"Bearer {proxy.master_key}"}
    deadline = time.monotonic() + timeout_s
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            response = await client.get(proxy.url + "/hr/admin/breaker", headers=headers)
            if response.json()["mode"] == "open":
                return time.monotonic()
            await asyncio.sleep(0.02)
    raise AssertionError(f"the breaker did not open within {timeout_s} s")


async def test_local_model_killed_under_load(
    process_logs: Path, database_url: str, figures: Figures
) -> None:
    with (
        run_emulators(process_logs, name="cloud-side") as cloud_side,
        run_emulators(process_logs, name="local-side") as local_side,
    ):
        # A slower GPU, so that requests queue at the local server when it dies.
        emulators = Emulators(local_side.ollama_url, cloud_side.anthropic_url)
        local_faults(emulators, gpu_ms=40)
        with run_proxy(emulators, process_logs, {"HR_DATABASE_URL": database_url}) as proxy:
            load = Load(proxy.url, proxy.master_key, concurrency=6)
            running = asyncio.create_task(load.run())
            await asyncio.sleep(LOAD_BEFORE_S)
            os.kill(local_side.pid, signal.SIGKILL)
            killed_at = time.monotonic()
            opened_at = await wait_for_open_breaker(proxy, timeout_s=5)
            await asyncio.sleep(LOAD_AFTER_S)
            load.stop()
            outcomes = await running
        # The proxy has stopped: every row is written.

    counts = summary(outcomes)
    before = [outcome for outcome in outcomes if outcome.ended < killed_at]
    after_open = [outcome for outcome in outcomes if outcome.started > opened_at + 0.05]
    tried_local_after_open = [
        outcome for outcome in after_open if outcome.headers.get("x-hybrid-local-attempts") != "0"
    ]
    in_flight = [outcome for outcome in outcomes if outcome.started < killed_at < outcome.ended]
    rows = assert_one_row_each(database_url, outcomes)
    figures(
        in_flight_at_kill=len(in_flight),
        in_flight_escalated=sum(
            outcome.headers.get("x-hybrid-escalation") == "local_unavailable"
            for outcome in in_flight
        ),
        **counts,
        served_locally_before_kill=sum(
            outcome.headers.get("x-hybrid-actual-model", "").startswith("ollama")
            for outcome in before
        ),
        breaker_opened_after_s=round(opened_at - killed_at, 3),
        requests_after_open=len(after_open),
        tried_local_after_open=len(tried_local_after_open),
        log_rows=rows,
    )
    assert before and after_open, "the load was too short to see both sides"
    assert in_flight, "no request was in flight when the local server died"
    assert counts["failed_before_first_byte"] == 0, [
        (outcome.status, outcome.error) for outcome in outcomes if outcome.client_error
    ][:5]
    assert opened_at - killed_at <= REACTION_LIMIT_S
    assert not tried_local_after_open, tried_local_after_open[0].headers
    assert all(outcome.headers["x-hybrid-routed-to"] == "cloud" for outcome in after_open)

"""Anthropic answering 429 or 529 to everything, then to some requests.

A cloud request is tried at most twice (LiteLLM's one retry), then the client
gets a clear error with a status it can act on (429 / 503 and Retry-After);
local traffic carries on untouched; after the storm the cloud serves again.
"""

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.harness import Emulators, Proxy, run_emulators, run_proxy
from tests.reliability.conftest import Figures, assert_one_row_each
from tests.support.emulator_faults import cloud_faults
from tests.support.load import Load, Outcome, send, summary

pytestmark = pytest.mark.integration

CLOUD_REQUESTS = 12
ATTEMPTS_PER_REQUEST = 2  # litellm_config.yaml: num_retries 1 on the cloud
EXPECTED = {
    429: (429, "rate-limited"),
    529: (503, "overloaded"),
}


def cloud_question(number: int, stream: bool) -> dict[str, Any]:
    return {
        "model": "cloud",
        "stream": stream,
        "messages": [{"role": "user", "content": f"Write a short poem for order {number}."}],
    }


def cloud_attempts(emulators: Emulators) -> int:
    stats = httpx.get(emulators.anthropic_url + "/_emulator/stats").json()
    return int(stats["requests"]["total"])


async def cloud_burst(proxy: Proxy) -> list[Outcome]:
    """CLOUD_REQUESTS cloud requests at once, a third of them streamed."""
    headers = {"Authorization": f"Bearer {proxy.master_key}"}
    url = proxy.url + "/v1/chat/completions"
    outcomes = [Outcome(started=time.monotonic(), stream=n % 3 == 0) for n in range(CLOUD_REQUESTS)]
    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(
            *(
                send(client, url, headers, cloud_question(n, outcome.stream), outcome)
                for n, outcome in enumerate(outcomes)
            )
        )
    return outcomes


async def test_cloud_storms_end_in_clear_errors_and_spare_local_traffic(
    process_logs: Path, database_url: str, figures: Figures
) -> None:
    results: dict[str, Any] = {}
    everything: list[Outcome] = []
    with (
        run_emulators(process_logs) as emulators,
        run_proxy(emulators, process_logs, {"HR_DATABASE_URL": database_url}) as proxy,
    ):
        for upstream, (status, wording) in EXPECTED.items():
            cloud_faults(emulators, error_rate=1.0, error_status=upstream)
            local = Load(proxy.url, proxy.master_key, concurrency=3)
            local_run = asyncio.create_task(local.run())
            started = time.monotonic()
            storm = await cloud_burst(proxy)
            took_s = time.monotonic() - started
            local.stop()
            local_traffic = await local_run
            everything += storm + local_traffic
            attempts = cloud_attempts(emulators)
            errors = [outcome for outcome in storm if outcome.status == status]
            results[f"storm_{upstream}"] = {
                "cloud_requests": len(storm),
                "client_status": sorted({outcome.status or 0 for outcome in storm}),
                "provider_attempts": attempts,
                "burst_seconds": round(took_s, 2),
                "local_traffic": summary(local_traffic),
            }
            assert len(errors) == len(storm), [(o.status, o.error) for o in storm]
            for outcome in errors:
                error = httpx.Response(status, text=outcome.error or "").json()["error"]
                assert wording in error["message"], error
                assert "litellm" not in error["message"].lower(), error
                assert int(outcome.headers["retry-after"]) >= 1
            assert CLOUD_REQUESTS < attempts <= ATTEMPTS_PER_REQUEST * CLOUD_REQUESTS
            assert summary(local_traffic)["completed"] == len(local_traffic) > 0
            assert all(
                outcome.headers["x-hybrid-actual-model"].startswith("ollama")
                for outcome in local_traffic
            )

        # A partial storm: the retry absorbs most of it.
        cloud_faults(emulators, error_rate=0.3, error_status=529)
        partial = await cloud_burst(proxy) + await cloud_burst(proxy)
        everything += partial
        results["storm_529_at_30_percent"] = {
            "cloud_requests": len(partial),
            "answered": sum(outcome.completed for outcome in partial),
            "provider_attempts": cloud_attempts(emulators),
        }
        # After the storm: served again at once.
        cloud_faults(emulators)
        after = await cloud_burst(proxy)
        everything += after
        results["after_storm"] = {"answered": sum(outcome.completed for outcome in after)}
        assert results["after_storm"]["answered"] == CLOUD_REQUESTS

    results["log_rows"] = assert_one_row_each(database_url, everything)
    figures(**results)
    assert results["storm_529_at_30_percent"]["answered"] >= len(partial) * 0.7

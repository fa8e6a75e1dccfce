"""SIGTERM while streams are in flight: the proxy drains them, then writes every row and exits.

New connections are refused from the signal on (a load balancer moves on to
another replica); every stream already accepted, started or still queued at
the local model, runs to its end; then the process writes one row per request
and ends by the signal it was sent (uvicorn re-raises it after the drain).
"""

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.harness import run_emulators, run_proxy
from tests.reliability.conftest import Figures, assert_one_row_each
from tests.support.load import Outcome, local_question, send

pytestmark = pytest.mark.integration

STREAMS = 6


def stream_body(number: int) -> dict[str, Any]:
    if number % 2:
        return local_question(number, stream=True)
    question = f"Write a short poem about the café for table {number}."
    return {"model": "cloud", "stream": True, "messages": [{"role": "user", "content": question}]}


async def test_sigterm_drains_streams_in_flight(
    process_logs: Path, database_url: str, figures: Figures
) -> None:
    # Realistic speed: a stream lasts seconds (the local ones queue on one GPU).
    speed = ("--speed", "realistic", "--cold-load-ms", "0")
    env = {"HR_DATABASE_URL": database_url}
    with (
        run_emulators(process_logs, *speed) as emulators,
        run_proxy(emulators, process_logs, env) as proxy,
    ):
        assert proxy.process is not None
        headers = {"Authorization": f"Bearer {proxy.master_key}"}
        url = proxy.url + "/v1/chat/completions"
        outcomes = [Outcome(started=time.monotonic(), stream=True) for _ in range(STREAMS)]
        async with httpx.AsyncClient(timeout=60) as client:
            streams = [
                asyncio.create_task(send(client, url, headers, stream_body(n), outcome))
                for n, outcome in enumerate(outcomes)
            ]
            while sum(outcome.first_byte for outcome in outcomes) < 2:
                await asyncio.sleep(0.05)
            started_when_signalled = sum(outcome.first_byte for outcome in outcomes)
            os.kill(proxy.pid, signal.SIGTERM)
            signalled_at = time.monotonic()
            await asyncio.sleep(0.3)
            with pytest.raises(httpx.ConnectError):
                await client.get(proxy.url + "/health/liveliness")
            await asyncio.gather(*streams)
        exit_code = await asyncio.to_thread(proxy.process.wait, 30)
        exited_after_s = time.monotonic() - signalled_at
        last_stream_end_s = max(outcome.ended for outcome in outcomes) - signalled_at

    rows = assert_one_row_each(database_url, outcomes)
    figures(
        streams=STREAMS,
        started_when_signalled=started_when_signalled,
        completed=sum(outcome.completed for outcome in outcomes),
        last_stream_ended_after_s=round(last_stream_end_s, 2),
        exited_after_s=round(exited_after_s, 2),
        exit_code=exit_code,
        log_rows=rows,
    )
    assert started_when_signalled < STREAMS, "every stream had started: nothing was queued"
    assert all(outcome.completed for outcome in outcomes), [o.error for o in outcomes]
    assert exit_code == -signal.SIGTERM

"""The database restarted under load.

Requests (with a client key, whose check the cache carries through the
outage) keep being answered; rows written while the database is away spill
to disk and are replayed when it is back; none is lost or doubled.
"""

import asyncio
import time
from pathlib import Path

import pytest

from bench.harness import free_port, run_emulators, run_proxy
from router_service.core.config import Settings
from router_service.db.engine import migrate
from tests.reliability.conftest import Figures, assert_one_row_each
from tests.support.commands import new_client
from tests.support.load import Load, summary
from tests.support.private_postgres import private_postgres

pytestmark = pytest.mark.integration

LOAD_BEFORE_S = 2.0
OUTAGE_S = 4.0
LOAD_AFTER_S = 4.0


async def test_postgres_restarted_under_load(process_logs: Path, figures: Figures) -> None:
    with private_postgres(free_port()) as postgres:
        database_url = postgres.server_url + "/hr"
        await asyncio.to_thread(migrate, Settings(database_url=database_url))
        env = {"HR_DATABASE_URL": database_url}
        spill = process_logs / "data" / "spill"
        env["HR_DATA_DIR"] = str(process_logs / "data")
        with (
            run_emulators(process_logs) as emulators,
            run_proxy(emulators, process_logs, env) as proxy,
        ):
            _, key = new_client(proxy)
            load = Load(proxy.url, key, concurrency=4)
            running = asyncio.create_task(load.run())
            await asyncio.sleep(LOAD_BEFORE_S)
            await asyncio.to_thread(postgres.stop, "fast")
            stopped_at = time.monotonic()
            await asyncio.sleep(OUTAGE_S)
            spilled_files = len(list(spill.glob("spill-*.jsonl")))
            await asyncio.to_thread(postgres.start)
            restarted_at = time.monotonic()
            await asyncio.sleep(LOAD_AFTER_S)
            load.stop()
            outcomes = await running
            left_after_restart = len(list(spill.glob("spill-*.jsonl")))
        rows = assert_one_row_each(database_url, outcomes)

    during = [o for o in outcomes if stopped_at <= o.started and o.ended <= restarted_at]
    figures(
        **summary(outcomes),
        answered_while_down=sum(outcome.completed for outcome in during),
        requests_while_down=len(during),
        spill_files_while_down=spilled_files,
        spill_files_left_after_restart=left_after_restart,
        slowest_while_down_ms=round(max((o.ended - o.started) * 1000 for o in during), 1),
        log_rows=rows,
    )
    assert during, "no request was made while the database was down"
    assert summary(outcomes)["completed"] == len(outcomes), [
        (o.status, o.error) for o in outcomes if o.client_error
    ][:5]
    assert spilled_files > 0, "nothing spilled while the database was down"
    assert left_after_restart == 0, "spilled rows were not replayed once the database was back"

"""The log writer on the real Postgres: duplicates, follow-ups in any order, settlements."""

import asyncio
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from router_service.budget import reserve
from router_service.core.config import Settings
from router_service.db.engine import SQLITE_FILE, Database, migrate
from router_service.db.models import Client
from router_service.request_log.record import SETTLE_KEY, PendingRecord
from router_service.request_log.spill import SpillFiles
from router_service.request_log.writer import LogWriter
from tests.support.database import query, throwaway_database

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
def url() -> Iterator[str]:
    """A migrated database of the test's own: the tests read whole tables."""
    with throwaway_database() as database_url:
        migrate(Settings(database_url=database_url))
        yield database_url


def row(request_id: str, start_s: float, length_s: float = 1.0, **fields: Any) -> dict[str, Any]:
    started = T0 + timedelta(seconds=start_s)
    record = PendingRecord(request_id, "/v1/chat/completions", started_at=started, status_code=200)
    record.finished_at = started + timedelta(seconds=length_s)
    for name, value in fields.items():
        setattr(record, name, value)
    return record.to_row()


def test_follow_ups_duplicates_and_settlements(tmp_path: Path, url: str) -> None:
    settings = Settings(database_url=url)

    async def scenario() -> None:
        database = Database.from_settings(settings)
        writer = LogWriter(database, SpillFiles(tmp_path), follow_up_window_s=120)
        async with database.session() as session:
            client = Client(name="cafe", budget_micros=1_000_000)
            session.add(client)
            await session.commit()
            await session.refresh(client)
            assert client.id is not None
            held = await reserve(session, client.id, "b", 50_000)
            assert held.granted
        # Written out of order: the later message first, the answer it follows up second.
        later = row("b", 60, conversation_id="c1", client_id=client.id, cost_micros=700,
                    expects_llm_event=True)  # fmt: skip
        await writer.write([later])
        await writer.write([row("a", 0, conversation_id="c1")])
        await writer.write([row("z", 500, conversation_id="c1")])  # too late to follow up
        await writer.write([later])  # delivered twice: no second row, no second charge
        await database.close()

    asyncio.run(scenario())
    rows = query(url, "SELECT request_id, followed_up, follow_up_gap_s FROM request_log "
                      "ORDER BY started_at")  # fmt: skip
    assert rows == [("a", True, 59.0), ("b", False, None), ("z", False, None)]
    ((spend, reserved),) = query(url, "SELECT spend_micros, reserved_micros FROM client")
    assert (spend, reserved) == (700, 0)  # the reservation became the actual cost, once


def test_settlement_with_and_without_a_reservation(tmp_path: Path, url: str) -> None:
    settings = Settings(database_url=url)

    async def scenario() -> None:
        database = Database.from_settings(settings)
        writer = LogWriter(database, SpillFiles(tmp_path))
        async with database.session() as session:
            free, budgeted = Client(name="free"), Client(name="cafe", budget_micros=90_000)
            session.add_all([free, budgeted])
            await session.commit()
            assert free.id is not None and budgeted.id is not None
            assert (await reserve(session, budgeted.id, "held", 40_000)).granted
        charged = {"client_id": free.id, "expects_llm_event": True, "reserved": False}
        reserved = row("held", 2, client_id=budgeted.id, cost_micros=900,
                       expects_llm_event=True)  # fmt: skip
        assert reserved[SETTLE_KEY] is True  # as releases before "unreserved" wrote every row
        await writer.write([
            row("local", 0, cost_micros=0, **charged),
            row("cloud", 1, cost_micros=1_200, **charged),
            reserved,
        ])  # fmt: skip
        await database.close()

    asyncio.run(scenario())
    spent = query(url, "SELECT name, spend_micros, reserved_micros FROM client ORDER BY name")
    assert spent == [("cafe", 900, 0), ("free", 1_200, 0)]
    assert query(url, "SELECT status, actual_micros FROM budget_reservation") == [("settled", 900)]


@pytest.mark.parametrize("engine", ["postgres", "sqlite"])
def test_a_batch_marks_its_follow_ups_in_a_few_statements(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Under load each statement the writer awaits waits behind the requests: few per batch."""
    if engine == "postgres":
        settings = Settings(database_url=request.getfixturevalue("url"))
    else:
        settings = Settings(data_dir=tmp_path)
        migrate(settings)
    tiers: list[str] = []
    statements: list[str] = []

    async def scenario() -> None:
        database = Database.from_settings(settings)
        writer = LogWriter(database, SpillFiles(tmp_path / "spill"), 120, tiers.append)
        answers = [
            row(f"a{n}", 2 * n, conversation_id=f"c{n}", routed_to="local") for n in range(100)
        ]
        await writer.write(answers)
        # Half of them followed up 29 s after the answer, half too late (499 s).
        later = [
            row(f"b{n}", 2 * n + (30 if n % 2 == 0 else 500), conversation_id=f"c{n}")
            for n in range(100)
        ]
        event.listen(database.engine.sync_engine, "before_cursor_execute", _counted(statements))
        await writer.write(later)
        await database.close()

    asyncio.run(scenario())
    assert len(statements) <= 4, statements  # insert, select, update; the rows as parameters
    assert tiers == ["local"] * 50
    found = _rows(settings, "SELECT request_id, followed_up, follow_up_gap_s FROM request_log")
    marked = {request_id: gap for request_id, followed_up, gap in found if followed_up}
    assert marked == {f"a{n}": 29.0 for n in range(0, 100, 2)}


def _counted(statements: list[str]) -> Any:
    def count(_connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.split()[0])

    return count


def _rows(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    if settings.database_url is not None:
        return query(settings.database_url.get_secret_value(), sql)
    with sqlite3.connect(settings.data_dir / SQLITE_FILE) as connection:
        return [(a, bool(b), c) for a, b, c in connection.execute(sql).fetchall()]

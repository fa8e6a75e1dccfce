"""A burst of one client's requests takes one pooled connection, not one per request.

200 concurrent requests of one new key used to hold every connection of the
pool (key checks, then reservations waiting on the client's row), and the
requests after them failed with "the database is unreachable".
"""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from router_service.admin import service
from router_service.auth.key_store import KeyStore
from router_service.auth.keys import parse_key
from router_service.budget_gate import BudgetGate
from router_service.core.config import Settings
from router_service.db.engine import Database, migrate
from router_service.db.models import ClientCreate
from router_service.pricing import Prices
from tests.support.database import query, throwaway_database

BURST = 100


@pytest.fixture
def url() -> Iterator[str]:
    with throwaway_database("hr_burst") as database_url:
        migrate(Settings(database_url=database_url))
        yield database_url


class Checkouts:
    """How many pooled connections are out at once, at most."""

    def __init__(self, database: Database) -> None:
        self.out = self.most = 0
        pool = database.engine.sync_engine.pool
        event.listen(pool, "checkout", self._checked_out)
        event.listen(pool, "checkin", self._checked_in)

    def _checked_out(self, *_: Any) -> None:
        self.out += 1
        self.most = max(self.most, self.out)

    def _checked_in(self, *_: Any) -> None:
        self.out -= 1


def test_a_new_keys_burst_reads_it_once_and_reserves_and_releases_one_at_a_time(url: str) -> None:
    settings = Settings(database_url=url)

    async def scenario() -> None:
        database = Database.from_settings(settings)
        async with database.session() as session:
            await service.create_client(session, ClientCreate(name="cafe", budget_micros=10**9))
            _, key = await service.create_key(session, "cafe", "burst")
        presented = parse_key(key)
        assert presented is not None
        checkouts = Checkouts(database)
        keys = KeyStore(database)
        identities = await asyncio.gather(*(keys.identify(presented) for _ in range(BURST)))
        assert len({identity for identity in identities}) == 1 and identities[0] is not None
        assert checkouts.most == 1  # one read for the whole burst

        gate = BudgetGate(database, Prices(3.0, 15.0), default_max_tokens=100)
        client = vars(identities[0])
        request = {"messages": [{"role": "user", "content": "Are you open on Sunday?"}]}
        verdicts = await asyncio.gather(
            *(gate.check(client, f"r{n}", request) for n in range(BURST))
        )
        assert all(verdict.allowed for verdict in verdicts)
        assert checkouts.most == 1  # the reservations took turns in the process
        assert query(url, "SELECT count(*) FROM budget_reservation") == [(BURST,)]

        await asyncio.gather(*(gate.release(client, f"r{n}") for n in range(BURST)))
        assert checkouts.most == 1  # so did the releases
        await database.close()

    asyncio.run(scenario())
    assert query(url, "SELECT status, count(*) FROM budget_reservation GROUP BY status") == [
        ("settled", BURST)
    ]
    assert query(url, "SELECT reserved_micros, spend_micros FROM client") == [(0, 0)]

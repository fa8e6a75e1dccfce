"""Client keys looked up in the database, cached briefly in the process.

A key's row and its client are cached for `ttl_s` seconds (5 by default): a
revoked key stops working within that time, and a busy client costs one
database read per key every few seconds, not one per request. When the
database cannot be reached, cached entries stay usable for `stale_s` (10
minutes): requests keep flowing while it is away. Unknown keys are cached
too (as unknown), so random keys cannot hammer the database. Checks of a
key that is not cached share one read: a burst of a new key's requests
takes one database connection, not one each (which emptied the pool).
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from router_service.auth.identity import ClientIdentity
from router_service.auth.keys import PresentedKey, secret_matches
from router_service.db.engine import Database
from router_service.db.models import ApiKey, Client, utc_now

LOGGER = logging.getLogger(__name__)
CACHE_LIMIT = 10_000  # entries; the oldest go first when it is full


class KeyStoreUnavailable(RuntimeError):
    """The key is not cached and the database cannot be reached to check it."""


@dataclass(frozen=True)
class _Entry:
    fetched_at: float
    secret_sha256: str | None  # None: no such key, or revoked, or its client deactivated
    identity: ClientIdentity | None


class KeyStore:
    def __init__(
        self,
        database: Database,
        ttl_s: float = 5.0,
        stale_s: float = 600.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = database
        self.ttl_s = ttl_s
        self.stale_s = stale_s
        self.clock = clock
        self._cache: dict[str, _Entry] = {}
        self._loading: dict[str, asyncio.Future[_Entry]] = {}  # by public id

    async def identify(self, key: PresentedKey) -> ClientIdentity | None:
        """The client of a valid, unrevoked key; None for any other key."""
        entry = await self._entry(key.public_id)
        if entry.secret_sha256 is None or not secret_matches(key.secret, entry.secret_sha256):
            return None
        return entry.identity

    def forget(self, public_id: str) -> None:
        """Drop a key from the cache (after a revocation in this process)."""
        self._cache.pop(public_id, None)

    def forget_client(self, client_id: int) -> None:
        """Drop a client's keys from the cache (after its budget changed in this process)."""
        for public_id, entry in list(self._cache.items()):
            if entry.identity is not None and entry.identity.client_id == client_id:
                del self._cache[public_id]

    async def _entry(self, public_id: str) -> _Entry:
        now = self.clock()
        cached = self._cache.get(public_id)
        if cached is not None and now - cached.fetched_at < self.ttl_s:
            return cached
        try:
            entry = await self._shared_load(public_id, now)
        except (OSError, SQLAlchemyError) as error:
            if cached is not None and now - cached.fetched_at < self.stale_s:
                return cached
            LOGGER.warning("key check: the database is unreachable (%s)", type(error).__name__)
            raise KeyStoreUnavailable(
                "cannot check the API key now: the database is unreachable"
            ) from error
        if len(self._cache) >= CACHE_LIMIT:
            self._cache.pop(next(iter(self._cache)))
        self._cache[public_id] = entry
        return entry

    async def _shared_load(self, public_id: str, now: float) -> _Entry:
        """One read per key at a time; the checks that arrive meanwhile wait for it."""
        loading = self._loading.get(public_id)
        if loading is None:
            loading = asyncio.ensure_future(self._load(public_id, now))
            self._loading[public_id] = loading
            loading.add_done_callback(lambda _: self._loading.pop(public_id, None))
        # Shielded: one waiting request cancelled must not cancel the others' read.
        return await asyncio.shield(loading)

    async def _load(self, public_id: str, now: float) -> _Entry:
        async with self.database.session() as session:
            row = (
                await session.exec(
                    select(ApiKey, Client)
                    .join(Client, ApiKey.client_id == Client.id)  # type: ignore[arg-type]
                    .where(ApiKey.public_id == public_id)
                )
            ).first()
            if row is None:
                return _Entry(now, None, None)
            key, client = row
            if key.revoked_at is not None or not client.active or client.id is None:
                return _Entry(now, None, None)
            key.last_used_at = utc_now()  # refreshed once per cache period, not per request
            session.add(key)
            await session.commit()
        identity = ClientIdentity(
            client_id=client.id,
            client_name=client.name,
            key_id=public_id,
            policy=client.policy,
            budget_pressure=client.budget_pressure,
            has_budget=client.budget_micros is not None,
            rate_limit_per_minute=client.rate_limit_per_minute,
            allow_pinned_tiers=client.allow_pinned_tiers,
        )
        return _Entry(now, key.secret_sha256, identity)

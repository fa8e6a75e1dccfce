"""The request log writer: rows go to the database in batches, off the request path.

`submit` never blocks and never fails: a row joins a bounded in-memory queue,
or, when the queue is full, the spill file. A background task takes up to
`batch_size` rows at a time and writes them in one transaction: the rows
(a duplicate request id is skipped), their follow-ups and their budget
settlements. If the database fails, the batch is spilled to disk and
replayed when the database answers again. `close` writes what is left
(shutdown); nothing is dropped on the way.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col

from router_service.budget import Charge, settle
from router_service.db.engine import Database
from router_service.db.models import RequestLog
from router_service.db.statements import insert_or_ignore
from router_service.request_log.follow_ups import mark_follow_ups
from router_service.request_log.record import SETTLE_KEY, UNRESERVED
from router_service.request_log.spill import SpillFiles

LOGGER = logging.getLogger(__name__)
DATABASE_ERRORS = (OSError, SQLAlchemyError)
STOP: dict[str, Any] = {}  # put last into the queue: the background task finishes


class LogWriter:
    def __init__(
        self,
        database: Database,
        spill: SpillFiles,
        follow_up_window_s: float = 120.0,
        on_follow_up: Callable[[str], None] | None = None,
        batch_size: int = 200,
        # A batch waits this long for company: a transaction costs the proxy
        # about a millisecond of CPU whatever its size, so one row per
        # transaction was the largest part of a request's overhead. Rows
        # reach the database at most this much later.
        linger_s: float = 0.5,
        queue_limit: int = 20_000,
        retry_s: float = 2.0,
    ) -> None:
        self.database = database
        self.spill = spill
        self.follow_up_window_s = follow_up_window_s
        # Told the tier of each answer newly found followed up (for metrics).
        self.on_follow_up = on_follow_up
        self.batch_size = batch_size
        self.linger_s = linger_s
        self.retry_s = retry_s
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(queue_limit)
        self._task: asyncio.Task[None] | None = None
        self._spilled_at: float | None = None  # when the database last failed

    def submit(self, row: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait(row)
        except asyncio.QueueFull:
            self.spill.append([row])
            self._spilled_at = time.monotonic()

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="request-log")

    async def close(self) -> None:
        """Write (or spill) every row submitted so far, then stop.

        The background task is asked to finish, not cancelled: a batch it is
        writing completes first, so no row is lost between the queue and the
        database.
        """
        if self._task is not None and not self._task.done():
            await self._queue.put(STOP)
            await self._task
        else:
            await self._store_all()
        if self.spill.has_rows():
            await self._replay()
        self.spill.close()

    async def _run(self) -> None:
        while True:
            try:
                # Not asyncio.wait_for: on Python 3.11 it can drop an item taken just
                # as the timeout fires; a timeout around get() leaves it in the queue.
                async with asyncio.timeout(self.retry_s):
                    first = await self._queue.get()
            except TimeoutError:
                first = None
            if first is STOP:
                await self._store_all()
                return
            if first is not None:
                if self._queue.qsize() < self.batch_size - 1:  # a backlog waits for nothing
                    await asyncio.sleep(self.linger_s)  # let a burst gather into one batch
                rows, stopping = self._take_now(self.batch_size - 1)
                await self._store([first, *rows])
                if stopping:
                    await self._store_all()
                    return
            if self._spilled_at is not None and time.monotonic() - self._spilled_at >= self.retry_s:
                await self._replay()

    def _take_now(self, limit: int) -> tuple[list[dict[str, Any]], bool]:
        """Up to `limit` queued rows, and whether the STOP behind them was reached."""
        rows: list[dict[str, Any]] = []
        while len(rows) < limit and not self._queue.empty():
            row = self._queue.get_nowait()
            if row is STOP:
                return rows, True
            rows.append(row)
        return rows, False

    async def _store_all(self) -> None:
        while not self._queue.empty():
            rows, _ = self._take_now(self.batch_size)
            await self._store(rows)

    async def _store(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if self._spilled_at is not None:
            self.spill.append(rows)  # keep the order: older rows are waiting on disk
            return
        try:
            await self.write(rows)
        except DATABASE_ERRORS as error:
            LOGGER.warning("request log: write failed (%s); spilling", type(error).__name__)
            self.spill.append(rows)
            self._spilled_at = time.monotonic()

    async def _replay(self) -> None:
        try:
            await self.spill.replay(self.write)
        except DATABASE_ERRORS:
            self._spilled_at = time.monotonic()  # still away: try again later
            return
        self._spilled_at = None

    async def write(self, rows: list[dict[str, Any]]) -> None:
        """Write one batch in one transaction: rows, follow-ups, settlements."""
        async with self.database.session() as session:
            columns = [
                {key: value for key, value in row.items() if key != SETTLE_KEY} for row in rows
            ]
            # Rows as parameters, not in the statement: one compiled statement
            # serves every batch size (compiling a 200-row VALUES cost more
            # than sending it).
            inserted = await session.exec(
                insert_or_ignore(session, RequestLog, "request_id").returning(
                    col(RequestLog.request_id)
                ),
                params=columns,
            )
            new_ids = set(inserted.scalars().all())  # a row delivered twice is not new
            window = timedelta(seconds=self.follow_up_window_s)
            followed_up = await mark_follow_ups(session, rows, window)  # their tiers
            charges: list[Charge] = []
            for row in rows:
                client_id = row.get("client_id")
                if row.get(SETTLE_KEY) and client_id is not None and row["request_id"] in new_ids:
                    new_ids.discard(row["request_id"])  # the same id twice in a batch: charged once
                    cost = row.get("cost_micros") or 0
                    reserved = row[SETTLE_KEY] != UNRESERVED
                    charges.append(Charge(row["request_id"], client_id, cost, reserved))
            await settle(session, charges)
            await session.commit()
        if self.on_follow_up is not None:
            for tier in followed_up:
                self.on_follow_up(tier)

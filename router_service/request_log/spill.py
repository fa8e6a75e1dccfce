"""Log rows that could not reach the database, kept in append-only files.

While the database is away, rows are appended (and fsynced) to a JSON-lines
file of this process, `spill-<pid>-<time>.jsonl` under the data directory.
Once the database answers again the files are replayed and deleted. A file
is locked by whoever is writing or replaying it, so several processes can
share the directory, and files a crashed process left behind are replayed by
the next one. Writing a row twice is harmless: the request id is unique.
"""

import fcntl
import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import IO, Any

from router_service.request_log.record import row_from_json, row_to_json

LOGGER = logging.getLogger(__name__)
REPLAY_BATCH = 500


class SpillFiles:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._current: IO[str] | None = None

    def append(self, rows: list[dict[str, Any]]) -> None:
        handle = self._open_current()
        for row in rows:
            handle.write(json.dumps(row_to_json(row), ensure_ascii=False, default=str) + "\n")
        handle.flush()
        os.fsync(handle.fileno())

    def has_rows(self) -> bool:
        return any(self.directory.glob("spill-*.jsonl"))

    async def replay(self, write: Callable[[list[dict[str, Any]]], Awaitable[None]]) -> int:
        """Write back every spilled row (`write` raises while the database is away).

        Returns how many rows went back; a file is deleted once all its rows did.
        """
        self._close_current()
        replayed = 0
        for path in sorted(self.directory.glob("spill-*.jsonl")):
            with path.open("r+", encoding="utf-8") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # another process is writing or replaying it
                rows = list(_read_rows(handle, path))
                for start in range(0, len(rows), REPLAY_BATCH):
                    await write(rows[start : start + REPLAY_BATCH])
                path.unlink()
                replayed += len(rows)
        if replayed:
            LOGGER.warning("request log: %d spilled rows written to the database", replayed)
        return replayed

    def close(self) -> None:
        self._close_current()

    def _open_current(self) -> IO[str]:
        if self._current is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"spill-{os.getpid()}-{time.time_ns()}.jsonl"
            self._current = path.open("a", encoding="utf-8")
            fcntl.flock(self._current, fcntl.LOCK_EX)
            LOGGER.warning("request log: database unreachable; spilling rows to %s", path)
        return self._current

    def _close_current(self) -> None:
        if self._current is not None:
            self._current.close()  # closing releases the lock
            self._current = None


def _read_rows(handle: IO[str], path: Path) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            yield row_from_json(json.loads(line))
        except (ValueError, TypeError):
            # Only a write cut short by a crash ends like this; the row cannot be read back.
            LOGGER.error("request log: unreadable line %d in %s skipped", number, path)

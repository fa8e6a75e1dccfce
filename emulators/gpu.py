"""The single-GPU service model: a bounded number of requests run, the rest queue.

``GpuModel(parallelism=None)`` is the cloud: nothing queues, but in-flight
requests are still counted so the stats look the same for both emulators.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class GpuModel:
    """Counts in-flight and queued requests around an :class:`asyncio.Semaphore`."""

    def __init__(self, parallelism: int | None) -> None:
        self.parallelism = parallelism
        self._slots = asyncio.Semaphore(parallelism) if parallelism is not None else None
        self.in_flight = 0
        self.queued = 0
        self.max_queued = 0
        self.max_in_flight = 0

    async def acquire(self) -> None:
        """Wait for a slot (FIFO). Cancelling while queued leaves counts intact."""
        if self._slots is not None:
            if self._slots.locked():
                self.queued += 1
                self.max_queued = max(self.max_queued, self.queued)
                try:
                    await self._slots.acquire()
                finally:
                    self.queued -= 1
            else:
                await self._slots.acquire()
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def release(self) -> None:
        """Give the slot back; synchronous so it is safe in generator finalizers."""
        self.in_flight -= 1
        if self._slots is not None:
            self._slots.release()

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self.acquire()
        try:
            yield
        finally:
            self.release()

    def reset_peaks(self) -> None:
        """Forget the high-water marks (live counts stay: those requests still run)."""
        self.max_queued = self.queued
        self.max_in_flight = self.in_flight

    def snapshot(self) -> dict[str, int | None]:
        return {
            "parallelism": self.parallelism,
            "in_flight": self.in_flight,
            "queued": self.queued,
            "max_queued": self.max_queued,
            "max_in_flight": self.max_in_flight,
        }

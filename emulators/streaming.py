"""Streaming helpers: a response that can hold back its headers, pacing, stalls."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Coroutine, Mapping
from typing import Any, TypeVar

from fastapi import Request
from starlette.responses import StreamingResponse
from starlette.types import Send

# Sleeps shorter than this are batched: the event loop cannot time them anyway.
MIN_SLEEP_S = 0.002
T = TypeVar("T")


class ChunkStream(StreamingResponse):
    """A streaming response over an async generator of ready-made byte chunks.

    With ``defer_start`` the status line and headers go out together with the
    first chunk, like Ollama (Gin writes headers on the first flush): a request
    that is still queued, or stalls before its first chunk, has sent nothing.
    The generator is always closed, so its ``finally`` blocks run even when the
    client disconnects between chunks.
    """

    def __init__(
        self,
        chunks: AsyncGenerator[bytes, None],
        *,
        media_type: str,
        headers: Mapping[str, str] | None = None,
        defer_start: bool = False,
    ) -> None:
        super().__init__(chunks, media_type=media_type, headers=headers)
        self._chunks = chunks
        self._defer_start = defer_start

    async def stream_response(self, send: Send) -> None:
        try:
            first = await anext(self._chunks, None) if self._defer_start else None
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            if first is not None:
                await send({"type": "http.response.body", "body": first, "more_body": True})
            async for chunk in self._chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await self._chunks.aclose()


class Pacer:
    """Spaces out chunks so that ``n`` tokens take ``n / tokens_per_s`` seconds."""

    def __init__(self, tokens_per_s: float) -> None:
        self._seconds_per_token = 1.0 / tokens_per_s
        self._start = time.monotonic()
        self._tokens = 0

    async def wait(self, tokens: int) -> None:
        """Wait until the next ``tokens`` tokens are due."""
        self._tokens += tokens
        delay = self._start + self._tokens * self._seconds_per_token - time.monotonic()
        if delay > MIN_SLEEP_S:
            await asyncio.sleep(delay)


async def sleep_s(seconds: float) -> None:
    """``asyncio.sleep`` that skips waits too short for the event loop to time."""
    if seconds > MIN_SLEEP_S:
        await asyncio.sleep(seconds)


async def unless_disconnected(request: Request, work: Coroutine[Any, Any, T]) -> T | None:
    """Run ``work`` but cancel it if the client disconnects first (then ``None``).

    Like Ollama's request context: an abandoned request leaves the queue and
    frees its GPU slot instead of being computed for nobody.
    """

    async def disconnected() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            continue

    job = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(disconnected())
    try:
        await asyncio.wait({job, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        job.cancel()  # no-op when it already finished
        watcher.cancel()
        await asyncio.gather(job, watcher, return_exceptions=True)
    return None if job.cancelled() else job.result()

"""Request and fault counters served by ``GET /_emulator/stats``."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

NUM_CTX_HISTORY = 100


@dataclass
class Stats:
    """Counters of one emulator since start or the last reset."""

    total: int = 0
    by_path: Counter[str] = field(default_factory=Counter)
    by_model: Counter[str] = field(default_factory=Counter)
    # num_ctx of the last requests as sent (None: the request sent none).
    num_ctx: deque[int | None] = field(default_factory=lambda: deque(maxlen=NUM_CTX_HISTORY))
    truncations: int = 0
    generations: int = 0  # chat/generate requests that produced a reply (not loads)
    cold_loads: int = 0
    # keep_alive of the last requests in seconds as sent (None: the request sent none).
    keep_alive: deque[float | None] = field(default_factory=lambda: deque(maxlen=NUM_CTX_HISTORY))
    errors_injected: int = 0
    resets: int = 0
    stalls: int = 0
    json_malformed: int = 0
    json_fenced: int = 0
    json_prose: int = 0
    empty_replies: int = 0

    def count_request(self, path: str) -> None:
        self.total += 1
        self.by_path[path] += 1

    def count_model(self, model: str) -> None:
        self.by_model[model] += 1

    def to_json(self, queue: dict[str, int | None]) -> dict[str, Any]:
        return {
            "requests": {
                "total": self.total,
                "by_path": dict(self.by_path),
                "by_model": dict(self.by_model),
            },
            "num_ctx": list(self.num_ctx),
            "truncations": self.truncations,
            "generations": self.generations,
            "cold_loads": self.cold_loads,
            "keep_alive": list(self.keep_alive),
            "queue": queue,
            "errors_injected": self.errors_injected,
            "resets": self.resets,
            "stalls": self.stalls,
            "json_malformed": self.json_malformed,
            "json_fenced": self.json_fenced,
            "json_prose": self.json_prose,
            "empty_replies": self.empty_replies,
        }


class RequestCounter:
    """ASGI middleware counting every API request (control requests excluded)."""

    def __init__(self, app: ASGIApp, count: Callable[[str], None]) -> None:
        self.app = app
        self.count = count

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/_emulator/"):
            self.count(scope["path"])
        await self.app(scope, receive, send)

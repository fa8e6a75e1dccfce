"""Per-client request rate limits: at most N requests per clock minute.

Counted per process, or in Redis (one counter per client and minute, shared
by every instance) when `HR_REDIS_URL` is set. A fixed window is simple to
share and to explain; a client may burst up to twice its limit across a
minute boundary. If Redis is unreachable the process counts on its own.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis.asyncio as redis
from redis.exceptions import RedisError

LOGGER = logging.getLogger(__name__)
WINDOW_S = 60


@dataclass(frozen=True)
class RateVerdict:
    allowed: bool
    retry_after_s: int  # until the current window ends


class RateLimiter:
    def __init__(
        self,
        client: "redis.Redis | None" = None,
        key_prefix: str = "hybrid-router:rate",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = client
        self._prefix = key_prefix
        self._clock = clock
        self._counts: dict[tuple[int, int], int] = {}

    async def hit(self, client_id: int, limit: int) -> RateVerdict:
        now = self._clock()
        window = int(now // WINDOW_S)
        retry_after = max(1, int((window + 1) * WINDOW_S - now))
        count = await self._count(client_id, window)
        return RateVerdict(count <= limit, retry_after)

    async def _count(self, client_id: int, window: int) -> int:
        if self._redis is not None:
            key = f"{self._prefix}:{client_id}:{window}"
            try:
                async with self._redis.pipeline(transaction=True) as pipe:
                    pipe.incr(key)
                    pipe.expire(key, 2 * WINDOW_S)
                    count, _ = await pipe.execute()
                return int(count)
            except RedisError as error:
                LOGGER.warning("rate limit: Redis unreachable (%s); counting here", error)
        for old in [key for key in self._counts if key[1] < window]:
            del self._counts[old]
        count = self._counts.get((client_id, window), 0) + 1
        self._counts[(client_id, window)] = count
        return count

"""Where the breaker's state lives: in this process, or in Redis for all of them.

`LocalBreaker` applies the pure transitions of `router_service.breaker` to a
store. By default the state is per process; with `HR_REDIS_URL` it is one
JSON document in Redis with a version token beside it, so every worker and
instance sees the same state, in-flight count and latency window.

An update is optimistic and costs one round trip when nothing else wrote in
between: the process applies the step to the state it last saw and a small
Lua script stores the result only if the version is still the one it saw;
otherwise the script returns the newer state and the step is redone on it.
Within a process one task sends the updates, a batch at a time, and the
ones that arrive while a batch is with Redis go together in the next call (a
group commit): under load a round trip carries many requests' updates
instead of each waiting for its own, and a caller whose batch is stored is
answered at once, not after every earlier caller has had a turn (a loop
cycle each: under load, about 100 ms at the 99th percentile). Steps whose
result nobody needs (a request's end) are submitted rather than awaited:
written behind, they join the next commit. A process may also decide on its
recent view of the state (`recent_state`: the last state Redis returned,
with its own queued steps applied) and write the decision behind;
`LocalBreaker` does that for admissions.
If Redis cannot be reached the process falls back to its own state until it
can, and says so in its log: routing must never stop because Redis did.
"""

import asyncio
import logging
import math
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import redis.asyncio as redis
from redis.exceptions import RedisError

from router_service import breaker
from router_service.breaker import Admission, BreakerConfig, BreakerState
from router_service.breaker_codec import StateEncoder, decode

LOGGER = logging.getLogger(__name__)
Result = TypeVar("Result")
Step = Callable[[BreakerState], tuple[BreakerState, Result]]
Queued = tuple[Step[Result], "asyncio.Future[Result]"]  # a step and where its result goes
Waiting = Queued[Any]


class BreakerStore(Protocol):
    async def update(self, step: Step[Result]) -> Result: ...

    def submit(self, step: Step[None]) -> None:
        """Apply a step whose result nobody waits for; `read` sees it."""

    def recent_state(self, max_age_s: float) -> BreakerState | None:
        """The state as this process knows it, if known that recently; else None."""

    async def read(self) -> BreakerState: ...


class MemoryBreakerStore:
    """The state of this process; updates are atomic on the event loop (no await inside)."""

    def __init__(self) -> None:
        self._state = BreakerState()

    async def update(self, step: Step[Result]) -> Result:
        self._state, result = step(self._state)
        return result

    def submit(self, step: Step[None]) -> None:
        self._state, _ = step(self._state)

    def recent_state(self, max_age_s: float) -> BreakerState | None:
        return None  # an update costs no more than a look

    async def read(self) -> BreakerState:
        return self._state


# KEYS: state, version. ARGV: the version the caller saw ("" for none), the new
# state ("" to keep it), a new version (a random token: versions never repeat,
# even after Redis restarts empty). Stored only if the version is unchanged;
# else the current state and version come back. A state with no version (an
# earlier release wrote it) counts as changed, so it is read, not overwritten.
COMPARE_AND_SET = """
local version = redis.call('GET', KEYS[2])
if not version then
  version = redis.call('EXISTS', KEYS[1]) == 1 and 'unversioned' or ''
end
if version ~= ARGV[1] then
  return {0, version, redis.call('GET', KEYS[1]) or ''}
end
if ARGV[2] == '' then
  return {1, version}
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3])
return {1, ARGV[3]}
"""


class RedisBreakerStore:
    """One JSON document in Redis and its version; a lost race is redone on the newer state."""

    def __init__(self, client: "redis.Redis", key: str) -> None:
        self._client = client
        self._key = key
        # The version's key is tagged with the state's name: one cluster slot for both.
        self._keys = [key, f"{{{key}}}:version"]
        self._compare_and_set = client.register_script(COMPARE_AND_SET)
        self._fallback = MemoryBreakerStore()
        self._degraded = False
        self._committer: asyncio.Task[None] | None = None  # sends the queued steps, batch by batch
        self._waiting: list[Waiting] = []
        self._seen: tuple[BreakerState, str] = (BreakerState(), "")  # the state and its version
        self._seen_at = -math.inf  # when Redis last told it (time.monotonic)
        self._answers = 0  # compare-and-set answers so far
        self._committing: list[list[Waiting]] = []  # batches with Redis now
        # `_seen` with the queued steps applied, and the steps queued since.
        self._view: BreakerState | None = None
        self._view_behind: list[Step[Any]] = []
        self._written_behind: set[asyncio.Task[None]] = set()
        self._encoder = StateEncoder()

    @classmethod
    def from_url(cls, url: str, key: str) -> "RedisBreakerStore":
        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        return cls(client, key)

    async def update(self, step: Step[Result]) -> Result:
        return await self._settle(self._enqueue(step))

    def submit(self, step: Step[None]) -> None:
        """Written behind: the caller goes on; the step joins the next commit.

        It is queued at once, so `recent_state` includes it from now on.
        """
        task = asyncio.get_running_loop().create_task(self._settle(self._enqueue(step)))
        self._written_behind.add(task)
        task.add_done_callback(self._written)

    def recent_state(self, max_age_s: float) -> BreakerState | None:
        """The shared state as last seen, with this process's updates not yet stored applied.

        None when Redis last answered more than `max_age_s` ago (or is away):
        then only a round trip tells what other processes did meanwhile.
        """
        if self._degraded or time.monotonic() - self._seen_at > max_age_s:
            return None
        # Kept between calls: under load each admission would otherwise redo
        # every queued step (a latency sample sorts the window).
        view = self._view
        if view is None:
            view, queued = self._seen[0], [*self._committing, self._waiting]
            self._view_behind = [step for batch in queued for step, _ in batch]
        for step in self._view_behind:
            view, _ = step(view)
        self._view, self._view_behind = view, []
        return view

    def _forget_view(self) -> None:
        """`_seen` or the queue changed other than by a new step: rebuild the view when asked."""
        self._view, self._view_behind = None, []

    def _written(self, task: "asyncio.Task[Any]") -> None:
        self._written_behind.discard(task)
        if not task.cancelled() and task.exception() is not None:
            LOGGER.error("breaker: an update failed", exc_info=task.exception())

    async def read(self) -> BreakerState:
        if self._written_behind:  # this process's own updates first
            await asyncio.wait(set(self._written_behind))
        answers = self._answers
        try:
            raw, version = await self._client.mget(self._keys)
        except RedisError as error:
            self._degrade(error)
            return await self._fallback.read()
        self._recover()
        state = decode(raw)
        # A commit under way, or one answered while this read was out, knows
        # better (Redis may have run the read before it).
        if not self._committing and self._answers == answers:
            # A look refreshes the view: `recent_state` sees what was read.
            known = _text(version) if version is not None else "unversioned" if raw else ""
            self._seen, self._seen_at = (state, known), time.monotonic()
            self._forget_view()
        return state

    def _enqueue(self, step: Step[Result]) -> "Queued[Result]":
        done: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        entry = (step, done)
        self._waiting.append(entry)
        if self._view is not None:
            self._view_behind.append(step)
        if self._committer is None or self._committer.done():
            self._committer = asyncio.get_running_loop().create_task(self._send_queued())
        return entry

    async def _settle(self, entry: "Queued[Result]") -> Result:
        """The queued step's result, once stored; from this process's own state if Redis is away."""
        step, done = entry
        try:
            # Cancelled, the wait cancels `done`: a batch already sent is
            # stored all the same, and its answer for this step goes to nobody.
            result = await done
        except asyncio.CancelledError:
            if entry in self._waiting:  # not sent yet: never apply it
                self._waiting.remove(entry)
                self._forget_view()
            raise
        except RedisError as error:
            self._degrade(error)
            return await self._fallback.update(step)
        self._recover()
        return result

    async def _send_queued(self) -> None:
        """One batch at a time, in order: whatever queued while a batch was with Redis goes next."""
        while self._waiting:
            queued, self._waiting = self._waiting, []
            # A caller cancelled before its step was sent: never apply the step
            # (the cancel reaches its future before the caller's own clean-up).
            batch = [entry for entry in queued if not entry[1].done()]
            if len(batch) < len(queued):
                self._forget_view()
            if batch:
                self._committing.append(batch)  # at once: the view must never miss it
                await self._commit(batch)

    async def _commit(self, batch: list[Waiting]) -> None:
        """Apply a batch (already in `_committing`) and give each step its result, or the error."""
        try:
            results = await self._apply(batch)
        except Exception as error:
            for _, waiting in batch:
                if not waiting.done():
                    waiting.set_exception(error)
        else:
            for (_, waiting), result in zip(batch, results, strict=True):
                if not waiting.done():
                    waiting.set_result(result)
        finally:
            self._committing.remove(batch)  # stored (in `_seen`), or failed
            self._forget_view()

    async def _apply(self, batch: list[Waiting]) -> list[Any]:
        """Apply the steps in order in one compare-and-set; redo them if another process won."""
        while True:
            state, version = self._seen
            new_state, results = state, []
            for step, _ in batch:
                new_state, result = step(new_state)
                results.append(result)
            stored = self._encoder.encode(new_state) if new_state != state else ""
            token = uuid.uuid4().hex
            reply = await self._compare_and_set(keys=self._keys, args=[version, stored, token])
            self._seen_at, self._answers = time.monotonic(), self._answers + 1
            self._forget_view()
            if reply[0] == 1:
                self._seen = (new_state, _text(reply[1]))
                return results
            self._seen = (decode(_text(reply[2]) or None), _text(reply[1]))

    def _degrade(self, error: RedisError) -> None:
        if not self._degraded:
            LOGGER.warning("breaker: Redis unreachable (%s); using this process's state", error)
        self._degraded = True

    def _recover(self) -> None:
        if self._degraded:
            LOGGER.warning("breaker: Redis reachable again; using the shared state")
        self._degraded = False


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class LocalBreaker:
    """The breaker as the router uses it: transitions applied to a store, with a clock.

    A request is admitted on the state as this process last saw it, when it
    saw it less than `recent_s` ago (its own updates, sent a moment ago,
    refresh that view) and the view leaves no doubt (`breaker.plain_on_view`:
    open, or closed with room to spare for what other processes admitted
    meanwhile); the admission is then written behind. Otherwise, or with
    `recent_s` 0, the admission itself is the round trip. Other processes'
    openings and resets reach this one within about `recent_s`.

    A request lives in the process that admitted it, so that process alone
    reports its end, and only once: the callbacks may hear of one end twice
    (a whole reply, then its log event; a failure, then the request's), and
    the repeat would cost a round trip to Redis for a step that changes nothing.
    """

    def __init__(
        self,
        config: BreakerConfig,
        store: BreakerStore,
        clock: Callable[[], float] = time.time,
        recent_s: float = 0.0,
    ) -> None:
        # Wall-clock time: instances sharing Redis must agree on "now".
        self.config = config
        self.store = store
        self.clock = clock
        self.recent_s = recent_s
        self._admitted: dict[str, float] = {}  # request id -> admission time, oldest first

    async def admit(self, request_id: str, pinned: bool = False) -> Admission:
        now = self.clock()
        view = self.store.recent_state(self.recent_s) if self.recent_s > 0 else None
        if view is None or not (pinned or breaker.plain_on_view(view, self.config, now)):
            admission = await self._admit_in_store(now, request_id, pinned)
        else:
            decided, admission = breaker.admit(view, self.config, now, request_id, pinned)
            if admission == "local":
                probe = decided.in_flight[-1].probe  # the entry admit just added
                self.store.submit(
                    lambda state: (
                        breaker.admitted(state, self.config, now, request_id, probe),
                        None,
                    )
                )
        if admission == "local":
            self._forget_older_than(now - self.config.in_flight_max_age_s)
            self._admitted[request_id] = now
        return admission

    async def _admit_in_store(self, now: float, request_id: str, pinned: bool) -> Admission:
        try:
            return await self.store.update(
                lambda state: breaker.admit(state, self.config, now, request_id, pinned)
            )
        except asyncio.CancelledError:
            # Stored or not, the request is gone: leave nothing in flight for it.
            self.store.submit(lambda state: (breaker.released(state, request_id), None))
            raise

    # A request's end is written behind: nothing waits for it, least of all the reply.

    def finished(
        self, request_id: str, latency_s: float | None = None, total_s: float | None = None
    ) -> None:
        self._end(
            request_id,
            lambda state, now: breaker.finished(
                state, self.config, now, request_id, latency_s, total_s
            ),
        )

    def failed(self, request_id: str) -> None:
        self._end(
            request_id, lambda state, now: breaker.failed(state, self.config, now, request_id)
        )

    def released(self, request_id: str) -> None:
        self._end(request_id, lambda state, now: breaker.released(state, request_id))

    def _end(
        self, request_id: str, transition: Callable[[BreakerState, float], BreakerState]
    ) -> None:
        """Submit the first end heard of a request this process admitted; ignore the rest."""
        if self._admitted.pop(request_id, None) is None:
            return
        now = self.clock()
        self.store.submit(lambda state: (transition(state, now), None))

    def _forget_older_than(self, cutoff: float) -> None:
        # The store drops such requests too (in_flight_max_age_s); their end never came.
        while self._admitted:
            oldest_id, admitted_at = next(iter(self._admitted.items()))
            if admitted_at >= cutoff:
                return
            del self._admitted[oldest_id]

    async def health_checked(self, reachable: bool) -> None:
        now = self.clock()
        await self.store.update(
            lambda state: (breaker.health_checked(state, self.config, now, reachable), None)
        )

    async def reset(self) -> None:
        now = self.clock()
        await self.store.update(lambda state: (breaker.reset(state, now), None))

    async def state(self) -> BreakerState:
        return await self.store.read()

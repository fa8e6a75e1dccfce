"""LocalBreaker: each admitted request's end reaches the store once, from its own process."""

from router_service.breaker import BreakerConfig, BreakerState
from router_service.breaker_store import LocalBreaker, MemoryBreakerStore, Step

CONFIG = BreakerConfig(latency_threshold_s=10.0, service_time_s=0.01, in_flight_max_age_s=60.0)


class CountingStore(MemoryBreakerStore):
    """The process's own store, counting the updates (each a Redis round trip when shared)."""

    def __init__(self) -> None:
        super().__init__()
        self.updates = 0

    async def update(self, step: Step[object]) -> object:
        self.updates += 1
        return await super().update(step)

    def submit(self, step: Step[None]) -> None:
        self.updates += 1
        super().submit(step)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_repeated_end_does_not_reach_the_store() -> None:
    store = CountingStore()
    breaker = LocalBreaker(CONFIG, store)
    assert await breaker.admit("whole") == "local"
    assert await breaker.admit("broken") == "local"
    breaker.finished("whole")  # the whole reply is back
    breaker.finished("whole", 0.2, 0.3)  # then its log event
    breaker.failed("broken")  # the deployment call failed
    breaker.released("broken")  # then the request did
    assert store.updates == 4  # two admissions, two ends
    state = await breaker.state()
    assert state.in_flight == () and len(state.samples) == 1 and state.failures == 1


async def test_a_request_this_process_did_not_admit_is_left_alone() -> None:
    store = CountingStore()
    breaker = LocalBreaker(CONFIG, store)
    assert await breaker.admit("mine") == "local"
    breaker.released("someone-else")
    breaker.failed("someone-else")
    assert store.updates == 1
    assert [item.request_id for item in (await breaker.state()).in_flight] == ["mine"]


async def test_requests_whose_end_never_came_are_forgotten_with_the_store() -> None:
    clock = Clock()
    store = CountingStore()
    breaker = LocalBreaker(CONFIG, store, clock)
    assert await breaker.admit("lost") == "local"
    clock.now += CONFIG.in_flight_max_age_s + 1
    assert await breaker.admit("next") == "local"
    state: BreakerState = await breaker.state()
    assert [item.request_id for item in state.in_flight] == ["next"]  # the store expired it
    breaker.finished("lost")  # far too late: nothing to end
    assert store.updates == 2
    breaker.finished("next")
    assert store.updates == 3

"""The breaker's transitions, checked as a state machine with hypothesis."""

import itertools

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from router_service import breaker
from router_service.breaker import BreakerConfig, BreakerState

CONFIG = BreakerConfig(
    latency_threshold_s=1.0,
    window_s=30.0,
    min_samples=4,
    cooldown_s=5.0,
    max_cooldown_s=40.0,
    close_ratio=0.7,
    probes_to_close=2,
    failures_to_open=3,
    parallelism=1,
    service_time_s=0.1,
    in_flight_max_age_s=20.0,
)
LATENCIES = st.sampled_from([0.05, 0.1, 0.2, 0.5, 0.69, 0.8, 1.0, 1.5, 4.0])


class BreakerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state = BreakerState()
        self.now = 1000.0
        self.ids = itertools.count()

    @rule(seconds=st.floats(min_value=0.0, max_value=30.0))
    def time_passes(self, seconds: float) -> None:
        self.now += seconds

    @rule(pinned=st.booleans())
    def a_request_asks_for_local(self, pinned: bool) -> None:
        before = self.state
        request_id = f"r{next(self.ids)}"
        self.state, admission = breaker.admit(before, CONFIG, self.now, request_id, pinned)
        admitted = request_id in {item.request_id for item in self.state.in_flight}
        assert admitted == (admission == "local")
        if pinned:
            assert admission == "local"
            return
        cooled = before.mode == "open" and self.now >= before.since + before.cooldown_s
        may_probe = cooled and (before.cause == "latency" or before.health_ok)
        if before.mode == "open" and not may_probe:
            assert admission == "breaker_open"
        if admission == "local_busy":
            assert len(self.state.in_flight) >= breaker.local_capacity(self.state, CONFIG)

    @precondition(lambda self: self.state.in_flight)
    @rule(pick=st.integers(min_value=0), latency=LATENCIES)
    def a_local_call_answers(self, pick: int, latency: float) -> None:
        before = self.state
        entry = before.in_flight[pick % len(before.in_flight)]
        self.state = breaker.finished(before, CONFIG, self.now, entry.request_id, latency, latency)
        assert entry not in self.state.in_flight
        if before.mode == "half_open" and entry.probe:
            fast = latency <= CONFIG.close_ratio * CONFIG.latency_threshold_s
            if not fast:
                assert self.state.mode == "open"
                assert self.state.cooldown_s >= min(2 * before.cooldown_s, CONFIG.max_cooldown_s)
            elif before.probes_passed + 1 >= CONFIG.probes_to_close:
                assert self.state.mode == "closed" and self.state.samples == ()
            else:
                assert self.state.mode == "half_open"
        if before.mode == "closed" and self.state.mode == "open":
            assert len(self.state.samples) >= CONFIG.min_samples
            p95 = breaker.p95(self.state.samples)
            assert p95 is not None and p95 > CONFIG.latency_threshold_s
        if before.mode == "open":
            assert self.state.mode == "open"  # stragglers move nothing

    @precondition(lambda self: self.state.in_flight)
    @rule(pick=st.integers(min_value=0))
    def a_local_call_fails(self, pick: int) -> None:
        before = self.state
        entry = before.in_flight[pick % len(before.in_flight)]
        self.state = breaker.failed(before, CONFIG, self.now, entry.request_id)
        if before.mode == "closed":
            opened = before.failures + 1 >= CONFIG.failures_to_open
            assert (self.state.mode == "open") == opened
        if before.mode == "half_open" and entry.probe:
            assert self.state.mode == "open" and self.state.cause == "failures"

    @rule(reachable=st.booleans())
    def the_health_probe_runs(self, reachable: bool) -> None:
        before = self.state
        self.state = breaker.health_checked(before, CONFIG, self.now, reachable)
        if before.mode == "open" and self.state.mode == "half_open":
            assert self.now >= before.since + before.cooldown_s
            assert reachable or before.cause == "latency"

    @invariant()
    def the_state_is_consistent(self) -> None:
        state = self.state
        ids = [item.request_id for item in state.in_flight]
        assert len(ids) == len(set(ids))
        if state.mode == "closed":
            assert state.cause is None and state.probes_passed == 0
        if state.mode == "open":
            assert CONFIG.cooldown_s <= state.cooldown_s <= CONFIG.max_cooldown_s
        if state.mode == "half_open":
            probes = sum(item.probe for item in state.in_flight)
            assert probes + state.probes_passed <= CONFIG.probes_to_close
            assert state.probes_passed < CONFIG.probes_to_close


BreakerMachine.TestCase.settings = settings(max_examples=300, stateful_step_count=60, deadline=None)
TestBreakerStateMachine = BreakerMachine.TestCase


def test_a_queue_longer_than_the_threshold_sends_new_requests_to_the_cloud() -> None:
    config = BreakerConfig(latency_threshold_s=2.0, service_time_s=0.5, parallelism=1)
    state = BreakerState()
    admissions = []
    for number in range(6):
        state, admission = breaker.admit(state, config, 0.0, f"r{number}")
        admissions.append(admission)
    assert admissions == ["local"] * 4 + ["local_busy"] * 2
    assert state.mode == "closed"  # the breaker itself did not open


def test_service_time_is_each_total_shared_by_the_rounds_it_waited() -> None:
    config = BreakerConfig(latency_threshold_s=10.0, service_time_s=5.0)
    assert breaker.service_time(BreakerState(), config) == 5.0  # the guess, before any sample
    state, _ = breaker.admit(BreakerState(), config, 0.0, "first")
    state, _ = breaker.admit(state, config, 0.0, "second")  # one ahead of it
    state = breaker.finished(state, config, 1.0, "first", 0.1, 1.0)
    state = breaker.finished(state, config, 2.0, "second", 0.1, 2.0)
    assert [sample.service_s for sample in state.samples] == [1.0, 1.0]
    assert breaker.service_time(state, config) == 1.0
    assert breaker.local_capacity(state, config) == 10


def test_after_failures_half_open_waits_for_the_health_probe() -> None:
    config = BreakerConfig(failures_to_open=2, cooldown_s=5.0)
    state = BreakerState()
    for number in range(2):
        state, _ = breaker.admit(state, config, 0.0, f"r{number}")
        state = breaker.failed(state, config, 0.0, f"r{number}")
    assert (state.mode, state.cause) == ("open", "failures")
    state, admission = breaker.admit(state, config, 60.0, "late")
    assert admission == "breaker_open"  # cool-down over, but Ollama not seen yet
    state = breaker.health_checked(state, config, 61.0, reachable=True)
    assert state.mode == "half_open"

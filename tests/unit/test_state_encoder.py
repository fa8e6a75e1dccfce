"""The breaker state's JSON: what one encoder writes over a run of updates decodes to the state."""

import json

from hypothesis import given
from hypothesis import strategies as st

from router_service import breaker
from router_service.breaker import BreakerConfig, BreakerState
from router_service.breaker_codec import StateEncoder, decode

CONFIG = BreakerConfig(window_s=5.0, service_time_s=0.01, latency_threshold_s=1.0)
STEPS = st.lists(st.tuples(st.floats(0.0, 3.0), st.floats(0.001, 2.0), st.booleans()), max_size=60)


@given(STEPS)
def test_every_state_of_a_run_decodes_to_itself(steps: list[tuple[float, float, bool]]) -> None:
    encoder = StateEncoder()
    state, now = BreakerState(), 1_000.0
    for number, (pause, latency, fails) in enumerate(steps):
        now += pause
        state, admission = breaker.admit(state, CONFIG, now, f"r{number}")
        assert decode(encoder.encode(state)) == state
        if admission != "local":
            continue
        if fails:
            state = breaker.failed(state, CONFIG, now + latency, f"r{number}")
        else:
            state = breaker.finished(state, CONFIG, now + latency, f"r{number}", latency)
        text = encoder.encode(state)
        assert decode(text) == state
        assert json.loads(text)["samples"] == [
            [item.at, item.latency_s, item.service_s] for item in state.samples
        ]

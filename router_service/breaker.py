"""The latency circuit breaker of the local tier, as pure state transitions.

Ollama on one GPU queues requests instead of running them side by side, so
when traffic spikes every local answer gets slower. The breaker watches the
local tier and, while it is unhealthy, sends `auto` traffic to the cloud:

- closed: local is used. It opens when the p95 of the local latencies in a
  sliding window (time to first token for streams, total time otherwise)
  exceeds the threshold, or after several local failures in a row.
- open: `auto` traffic goes to the cloud (reason `breaker_open`) for a
  cool-down. Opened on latency, it turns half-open when the cool-down ends;
  opened on failures, only once the health probe has reached Ollama again,
  so requests stop paying for a dead server.
- half-open: a few requests go local as probes. When enough of them are fast
  (below `close_ratio` of the threshold: hysteresis) it closes with an empty
  window; one slow or failed probe opens it again for twice the cool-down.
  Requests admitted before it opened may still finish; they are recorded
  but move nothing.

Independently of the state, a queue check refuses local (reason
`local_busy`) when the requests already in flight would keep a new one
waiting past the latency threshold: Ollama's queue is visible before p95 is.

Every function takes a state and returns a new one; `breaker_store` keeps
the state per process or in Redis. Nothing here reads a clock or does I/O.
"""

import math
from dataclasses import dataclass, field, replace
from statistics import median
from typing import Literal

Mode = Literal["closed", "open", "half_open"]
Cause = Literal["latency", "failures"]
Admission = Literal["local", "breaker_open", "local_busy"]
MAX_SAMPLES = 200  # newest samples kept: enough for a p95, cheap to sort per request
SERVICE_SAMPLES = 5  # latest requests the service time is estimated from


@dataclass(frozen=True)
class BreakerConfig:
    latency_threshold_s: float = 8.0
    window_s: float = 60.0
    min_samples: int = 10
    cooldown_s: float = 15.0
    max_cooldown_s: float = 300.0
    close_ratio: float = 0.7  # probes must be this much faster than the threshold
    probes_to_close: int = 3
    failures_to_open: int = 3
    parallelism: int = 1  # requests Ollama runs at once (OLLAMA_NUM_PARALLEL)
    service_time_s: float = 2.0  # GPU time of one request until samples tell better
    in_flight_max_age_s: float = 120.0  # a request not heard of for this long is gone


@dataclass(frozen=True)
class Sample:
    at: float
    latency_s: float  # what the client waits for: first token, or the whole reply
    service_s: float  # estimated GPU time: the total shared by the rounds it waited


@dataclass(frozen=True)
class InFlight:
    request_id: str
    started: float
    ahead: int  # local requests already in flight when this one was admitted
    probe: bool = False


@dataclass(frozen=True)
class BreakerState:
    mode: Mode = "closed"
    since: float = 0.0
    cause: Cause | None = None
    cooldown_s: float = 0.0
    failures: int = 0  # consecutive local failures
    probes_passed: int = 0
    health_ok: bool = False  # the health probe reached Ollama since the breaker opened
    samples: tuple[Sample, ...] = ()
    in_flight: tuple[InFlight, ...] = field(default=())


# -- reading the state ---------------------------------------------------------


def p95(samples: tuple[Sample, ...]) -> float | None:
    if not samples:
        return None
    ordered = sorted(sample.latency_s for sample in samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def service_time(state: BreakerState, config: BreakerConfig) -> float:
    """Median GPU time of the latest requests, or the configured guess before any.

    Only the latest few count, so the estimate follows a GPU that slows down
    (or recovers) within a few requests rather than a whole window.
    """
    latest = [sample.service_s for sample in state.samples[-SERVICE_SAMPLES:]]
    return median(latest) if latest else config.service_time_s


def local_capacity(state: BreakerState, config: BreakerConfig) -> int:
    """Requests that can be in flight at once and still all finish within the threshold."""
    rounds = max(1, math.floor(config.latency_threshold_s / service_time(state, config)))
    return rounds * config.parallelism


# -- transitions ---------------------------------------------------------------


def admit(
    state: BreakerState, config: BreakerConfig, now: float, request_id: str, pinned: bool = False
) -> tuple[BreakerState, Admission]:
    """Whether a request may go local; an admitted one is counted in flight.

    A pinned request always goes local (the client chose the tier) but still
    counts in flight: it occupies the GPU like any other.
    """
    state = _expire(_tick(state, config, now), config, now)
    if pinned:
        return _start(state, now, request_id, probe=False), "local"
    if state.mode == "open":
        return state, "breaker_open"
    if len(state.in_flight) >= local_capacity(state, config):
        return state, "local_busy"
    if state.mode == "half_open":
        probes = sum(item.probe for item in state.in_flight)
        if probes + state.probes_passed >= config.probes_to_close:
            return state, "breaker_open"
        return _start(state, now, request_id, probe=True), "local"
    return _start(state, now, request_id, probe=False), "local"


def plain_on_view(state: BreakerState, config: BreakerConfig, now: float) -> bool:
    """Whether a recent copy of a shared state is enough to decide an admission.

    Yes when it is plainly open, or closed with the local tier less than half
    full: other processes may have admitted requests since the copy was
    taken, so near capacity, and while half-open probes are counted, only the
    shared state itself can tell.
    """
    state = _tick(state, config, now)
    if state.mode == "open":
        return True
    return state.mode == "closed" and 2 * len(state.in_flight) < local_capacity(state, config)


def admitted(
    state: BreakerState, config: BreakerConfig, now: float, request_id: str, probe: bool
) -> BreakerState:
    """Count in flight a request admitted on a recent view of the state, whatever it says now.

    (A process may decide on its own recent copy of a shared state and write
    the admission behind: by then another process may have changed the state.)
    """
    return _start(_expire(_tick(state, config, now), config, now), now, request_id, probe)


def finished(
    state: BreakerState,
    config: BreakerConfig,
    now: float,
    request_id: str,
    latency_s: float | None = None,
    total_s: float | None = None,
) -> BreakerState:
    """A local call answered: record its latency and move the state if it says so.

    Without measured times, the time since admission is both the latency and
    the total. Only a request in flight counts, once: a call the breaker did
    not admit (or already heard the end of) changes nothing.
    """
    entry, state = _take(state, request_id)
    if entry is None:
        return state
    since_admission = max(0.0, now - entry.started)
    latency_s = since_admission if latency_s is None else latency_s
    total_s = since_admission if total_s is None else total_s
    # A request admitted behind k others waited about k / parallelism rounds
    # before its own: its total, shared by those rounds, estimates one request's
    # GPU time (a little low, never high: the ones ahead had already started).
    rounds = 1 + entry.ahead / config.parallelism
    sample = Sample(now, latency_s, total_s / rounds)
    samples = _window((*state.samples, sample), config, now)
    state = replace(state, samples=samples, failures=0)
    if state.mode == "half_open" and entry.probe:
        if latency_s > config.close_ratio * config.latency_threshold_s:
            return _reopen(state, config, now, "latency")
        passed = state.probes_passed + 1
        if passed >= config.probes_to_close:
            return _close(state, now)
        return replace(state, probes_passed=passed)
    if state.mode == "closed" and len(samples) >= config.min_samples:
        current = p95(samples)
        if current is not None and current > config.latency_threshold_s:
            return _open(state, config, now, "latency", config.cooldown_s)
    return state


def failed(state: BreakerState, config: BreakerConfig, now: float, request_id: str) -> BreakerState:
    """A local call failed: unreachable, a 5xx, or a timeout (counted once, as `finished`)."""
    entry, state = _take(state, request_id)
    if entry is None:
        return state
    failures = state.failures + 1
    state = replace(state, failures=failures)
    if state.mode == "half_open" and entry.probe:
        return _reopen(state, config, now, "failures")
    if state.mode == "closed" and failures >= config.failures_to_open:
        return _open(state, config, now, "failures", config.cooldown_s)
    return state


def released(state: BreakerState, request_id: str) -> BreakerState:
    """A local call ended without saying anything about latency or health."""
    return _take(state, request_id)[1]


def reset(state: BreakerState, now: float) -> BreakerState:
    """An operator's reset: closed, with an empty window; requests in flight stay counted."""
    return replace(_close(state, now), in_flight=state.in_flight)


def health_checked(
    state: BreakerState, config: BreakerConfig, now: float, reachable: bool
) -> BreakerState:
    """The health probe's result.

    An open breaker waits for a reachable Ollama; an unreachable one counts
    as a failure, so a dead server is found before requests pay for it.
    """
    if state.mode == "open":
        return _tick(replace(state, health_ok=reachable), config, now)
    if reachable:
        return state
    if state.mode == "half_open":
        return _reopen(state, config, now, "failures")
    failures = state.failures + 1
    if failures >= config.failures_to_open:
        return _open(replace(state, failures=failures), config, now, "failures", config.cooldown_s)
    return replace(state, failures=failures)


# -- helpers -------------------------------------------------------------------


def _tick(state: BreakerState, config: BreakerConfig, now: float) -> BreakerState:
    """Open becomes half-open once the cool-down is over (and Ollama answers, after failures)."""
    if state.mode != "open" or now < state.since + state.cooldown_s:
        return state
    if state.cause == "failures" and not state.health_ok:
        return state
    return replace(state, mode="half_open", since=now, probes_passed=0, failures=0)


def _open(
    state: BreakerState, config: BreakerConfig, now: float, cause: Cause, cooldown_s: float
) -> BreakerState:
    return replace(
        state,
        mode="open",
        since=now,
        cause=cause,
        cooldown_s=min(cooldown_s, config.max_cooldown_s),
        probes_passed=0,
        health_ok=False,
    )


def _reopen(state: BreakerState, config: BreakerConfig, now: float, cause: Cause) -> BreakerState:
    return _open(state, config, now, cause, max(config.cooldown_s, 2 * state.cooldown_s))


def _close(state: BreakerState, now: float) -> BreakerState:
    return replace(
        state,
        mode="closed",
        since=now,
        cause=None,
        cooldown_s=0.0,
        failures=0,
        probes_passed=0,
        health_ok=False,
        samples=(),
    )


def _start(state: BreakerState, now: float, request_id: str, probe: bool) -> BreakerState:
    entry = InFlight(request_id, now, len(state.in_flight), probe)
    return replace(state, in_flight=(*state.in_flight, entry))


def _take(state: BreakerState, request_id: str) -> tuple[InFlight | None, BreakerState]:
    entry = next((item for item in state.in_flight if item.request_id == request_id), None)
    if entry is None:
        return None, state
    rest = tuple(item for item in state.in_flight if item.request_id != request_id)
    return entry, replace(state, in_flight=rest)


def _expire(state: BreakerState, config: BreakerConfig, now: float) -> BreakerState:
    alive = tuple(
        item for item in state.in_flight if now - item.started < config.in_flight_max_age_s
    )
    samples = _window(state.samples, config, now)
    if len(alive) == len(state.in_flight) and len(samples) == len(state.samples):
        return state
    return replace(state, in_flight=alive, samples=samples)


def _window(samples: tuple[Sample, ...], config: BreakerConfig, now: float) -> tuple[Sample, ...]:
    # Samples are appended about as they are taken (a sample redone after a lost
    # race, or another instance's clock, may be a little out of order): if the
    # oldest is recent, the others are too, give or take that. The check runs
    # for every request, the filter only once a sample has aged out.
    if samples and now - samples[0].at > config.window_s:
        samples = tuple(sample for sample in samples if now - sample.at <= config.window_s)
    return samples[-MAX_SAMPLES:]

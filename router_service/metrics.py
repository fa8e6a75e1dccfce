"""Prometheus metrics at `/metrics`: where requests went, why, how fast, at what cost.

One `RouterMetrics` per process, on a registry of its own (no module
globals). Counters grow from each finished request (`observe`, called as
its log row is handed to the writer) and each follow-up the log writer
finds (`observe_follow_up`); the breaker's state and the local requests in
flight are read when Prometheus scrapes (`exposition`), so with Redis they
are the shared, global values.

The local tier is not free: its cost is the GPU's price per hour
(`HR_LOCAL_GPU_USD_PER_HOUR`) over its busy time, the union of the local
calls' intervals, so queued or overlapping requests are not paid twice.
Each request is charged the busy time it added.

With several instances, Prometheus scrapes each and sums: every request
and follow-up is counted once, by the instance that served or wrote it.
"""

from datetime import datetime
from typing import Protocol, get_args

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import generate_latest
from starlette.types import Receive, Scope, Send

from router_service.breaker import BreakerState, Mode
from router_service.openai_errors import error_response
from router_service.pricing import MICROS_PER_USD, BusyTime, gpu_usd
from router_service.request_log.record import NONE, PendingRecord, escalated, served_tier

OPERATOR = "operator"  # the client label of requests made with the master key
BREAKER_MODES: tuple[Mode, ...] = get_args(Mode)
LATENCY_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120)


class RouterMetrics:
    def __init__(self, gpu_usd_per_hour: float = 0.0) -> None:
        self.gpu_usd_per_hour = gpu_usd_per_hour
        self.registry = CollectorRegistry(auto_describe=True)
        self._busy = BusyTime()
        self.requests = Counter(
            "hybrid_router_requests",
            "Requests by chosen tier, answering model, decision reason and status class",
            ["routed_to", "actual_model", "reason", "status"],
            registry=self.registry,
        )
        self.escalations = Counter(
            "hybrid_router_escalations",
            "Requests routed local that the cloud answered, by cause",
            ["cause"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "hybrid_router_request_duration_seconds",
            "Time from request to the end of the answer, by the tier that answered",
            ["tier"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.first_token = Histogram(
            "hybrid_router_time_to_first_token_seconds",
            "Streamed requests: time to the first token, by the tier that answered",
            ["tier"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.cost = Counter(
            "hybrid_router_cost_usd",
            "Cost in USD by tier and client (local: GPU price per hour over busy time)",
            ["tier", "client"],
            registry=self.registry,
        )
        self.local_busy = Counter(
            "hybrid_router_local_busy_seconds",
            "Time the local model was busy with at least one request",
            registry=self.registry,
        )
        self.answers = Counter(
            "hybrid_router_answers",
            "Successful answers by the tier that answered (the follow-up rate's denominator)",
            ["tier"],
            registry=self.registry,
        )
        self.follow_ups = Counter(
            "hybrid_router_follow_ups",
            "Answers the user wrote again after within the follow-up window, by tier",
            ["tier"],
            registry=self.registry,
        )
        self.breaker_state = Gauge(
            "hybrid_router_breaker_state",
            "The local tier's circuit breaker: 1 for its current mode",
            ["state"],
            registry=self.registry,
        )
        self.local_in_flight = Gauge(
            "hybrid_router_local_in_flight",
            "Local requests in flight (all instances, when the breaker state is in Redis)",
            registry=self.registry,
        )

    def observe(self, record: PendingRecord) -> None:
        """Count one finished request (its log row is complete)."""
        answered = 200 <= record.status_code < 300
        tier = served_tier(record.routed_to, record.escalation, answered)
        self.requests.labels(
            routed_to=record.routed_to or NONE,
            actual_model=record.actual_model or NONE,
            reason=record.decision_reason or NONE,
            status=f"{record.status_code // 100}xx",
        ).inc()
        if record.routed_to is None:
            return  # refused before routing: no tier to speak of
        if escalated(record.escalation):
            self.escalations.labels(cause=str(record.escalation)).inc()
        shown_tier = tier or record.routed_to
        finished = record.finished_at or record.started_at
        self.latency.labels(tier=shown_tier).observe(_seconds(record.started_at, finished))
        if record.stream and record.first_byte_at is not None:
            self.first_token.labels(tier=shown_tier).observe(
                _seconds(record.started_at, record.first_byte_at)
            )
        client = record.client_name or OPERATOR
        if record.cost_micros:
            self.cost.labels(tier="cloud", client=client).inc(record.cost_micros / MICROS_PER_USD)
        if record.local_attempts > 0:
            added = self._busy.add(record.started_at.timestamp(), finished.timestamp())
            self.local_busy.inc(added)
            self.cost.labels(tier="local", client=client).inc(gpu_usd(added, self.gpu_usd_per_hour))
        if tier is not None:
            self.answers.labels(tier=tier).inc()

    def observe_follow_up(self, tier: str) -> None:
        self.follow_ups.labels(tier=tier).inc()

    def exposition(self, state: BreakerState) -> bytes:
        """The text Prometheus scrapes, with the breaker's state as of now."""
        for mode in BREAKER_MODES:
            self.breaker_state.labels(state=mode).set(1 if state.mode == mode else 0)
        self.local_in_flight.set(len(state.in_flight))
        return generate_latest(self.registry)


class BreakerReader(Protocol):
    """What the endpoint needs of the breaker (router_service.breaker_store.LocalBreaker)."""

    async def state(self) -> BreakerState: ...


class MetricsEndpoint:
    """`GET /metrics` in Prometheus's text format (the key check runs before it)."""

    def __init__(self, metrics: RouterMetrics, read_breaker: BreakerReader) -> None:
        self.metrics = metrics
        self.read_breaker = read_breaker

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method") != "GET":
            await error_response("/metrics takes GET", 405)(scope, receive, send)
            return
        body = self.metrics.exposition(await self.read_breaker.state())
        headers = [(b"content-type", CONTENT_TYPE_LATEST.encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _seconds(start: datetime, end: datetime) -> float:
    return max(0.0, (end - start).total_seconds())

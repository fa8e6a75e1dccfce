"""Sum request-log rows into what reports and the dashboard show. Pure: no I/O.

Per interaction type (the rule that fired, or the score's tenth; see
router_service.request_log.fields) and per time bucket: requests, where they
were served, escalations, follow-ups, the actual cost and the all-cloud
counterfactual (every answer priced at the cloud's list price for its
tokens). The local tier is charged the GPU's price per hour over its busy
time, the union of the local calls' intervals (rows must come in order of
their start for that union to be exact), each request carrying the busy time
it added.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from router_service.pricing import MICROS_PER_USD, BusyTime, Prices, gpu_usd
from router_service.request_log.record import escalated, served_tier

# The columns a summary reads, in RequestLog's names.
COLUMNS = (
    "started_at", "finished_at", "interaction_type", "decision_reason", "routed_to",
    "escalation", "local_attempts", "status_code", "prompt_tokens", "completion_tokens",
    "cost_micros", "followed_up",
)  # fmt: skip
# Decisions the breaker or the local queue turned from local to cloud.
BREAKER_REASONS = frozenset({"breaker_open", "local_busy"})
BUCKET_CHOICES_S = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86400, 7 * 86400)
MAX_BUCKETS = 60


@dataclass(frozen=True)
class CostModel:
    cloud: Prices
    gpu_usd_per_hour: float = 0.0


@dataclass
class Tally:
    """Counts and costs of a group of requests (costs in micro-dollars)."""

    requests: int = 0
    routed_local: int = 0
    served_local: int = 0
    served_cloud: int = 0
    escalations: int = 0
    answered: int = 0
    followed_up: int = 0
    breaker_diverted: int = 0
    cloud_micros: float = 0.0
    local_micros: float = 0.0
    all_cloud_micros: float = 0.0
    local_busy_s: float = 0.0

    @property
    def actual_micros(self) -> float:
        return self.cloud_micros + self.local_micros

    @property
    def escalation_rate(self) -> float | None:
        return _ratio(self.escalations, self.routed_local)

    @property
    def follow_up_rate(self) -> float | None:
        return _ratio(self.followed_up, self.answered)

    @property
    def local_share(self) -> float | None:
        return _ratio(self.served_local, self.served_local + self.served_cloud)

    @classmethod
    def of_row(
        cls, row: Mapping[str, Any], local_micros: float, busy_s: float, all_cloud: float
    ) -> "Tally":
        """One request's counts."""
        answered = 200 <= row["status_code"] < 300
        tier = served_tier(row["routed_to"], row["escalation"], answered)
        routed_local = row["routed_to"] == "local"
        return cls(
            requests=1,
            routed_local=int(routed_local),
            served_local=int(tier == "local"),
            served_cloud=int(tier == "cloud"),
            escalations=int(routed_local and escalated(row["escalation"])),
            answered=int(answered),
            followed_up=int(answered and bool(row["followed_up"])),
            breaker_diverted=int(row["decision_reason"] in BREAKER_REASONS),
            cloud_micros=row["cost_micros"] or 0,
            local_micros=local_micros,
            all_cloud_micros=all_cloud,
            local_busy_s=busy_s,
        )

    def add(self, other: "Tally") -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


@dataclass
class Summary:
    since: datetime
    until: datetime
    bucket_s: int
    total: Tally = field(default_factory=Tally)
    refused: int = 0  # requests answered 4xx/5xx before any routing decision
    by_type: dict[str, Tally] = field(default_factory=dict)
    by_bucket: dict[datetime, Tally] = field(default_factory=dict)

    def types(self) -> list[tuple[str, Tally]]:
        """Interaction types, the most requested first."""
        return sorted(self.by_type.items(), key=lambda item: (-item[1].requests, item[0]))

    def timeline(self) -> list[tuple[datetime, Tally]]:
        """Every bucket from the first to `until`, empty ones included (charts need them)."""
        start = self.since
        buckets = []
        while start < self.until:
            buckets.append((start, self.by_bucket.get(start, Tally())))
            start += timedelta(seconds=self.bucket_s)
        return buckets


def bucket_size(since: datetime, until: datetime) -> int:
    """The smallest of the usual bucket sizes that gives at most MAX_BUCKETS buckets."""
    span = (until - since).total_seconds()
    for size in BUCKET_CHOICES_S:
        if span / size <= MAX_BUCKETS:
            return size
    return BUCKET_CHOICES_S[-1]


def align(moment: datetime, bucket_s: int) -> datetime:
    """The start of the bucket holding `moment` (buckets are aligned on the epoch)."""
    seconds = moment.timestamp()
    return datetime.fromtimestamp(seconds - seconds % bucket_s, tz=moment.tzinfo)


class Summarizer:
    """Adds rows one at a time, in order of `started_at`, all within [since, until)."""

    def __init__(self, costs: CostModel, since: datetime, until: datetime) -> None:
        bucket_s = bucket_size(since, until)
        self.costs = costs
        self.summary = Summary(align(since, bucket_s), until, bucket_s)
        self._busy = BusyTime()

    def add(self, row: Mapping[str, Any]) -> None:
        summary = self.summary
        if row["routed_to"] is None:
            summary.refused += 1
            return
        busy_s = 0.0
        if row["local_attempts"]:
            busy_s = self._busy.add(row["started_at"].timestamp(), row["finished_at"].timestamp())
        local_micros = gpu_usd(busy_s, self.costs.gpu_usd_per_hour) * MICROS_PER_USD
        tokens = (row["prompt_tokens"] or 0, row["completion_tokens"] or 0)
        one = Tally.of_row(row, local_micros, busy_s, self.costs.cloud.cost_micros(*tokens))
        kind = row["interaction_type"] or row["decision_reason"] or "unknown"
        bucket = align(row["started_at"], summary.bucket_s)
        summary.total.add(one)
        summary.by_type.setdefault(kind, Tally()).add(one)
        summary.by_bucket.setdefault(bucket, Tally()).add(one)


def summarize(
    rows: Iterable[Mapping[str, Any]], costs: CostModel, since: datetime, until: datetime
) -> Summary:
    summarizer = Summarizer(costs, since, until)
    for row in rows:
        summarizer.add(row)
    return summarizer.summary


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None

"""One request's log row while the request is under way.

Several places fill it in: the ASGI middleware (route, status, timing, the
client), the routing hook (decision, text, features), the recorder callback
(the model that answered, tokens, cost). `to_row` gives the `RequestLog`
columns as a plain dict, which the writer inserts or spills to a file.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from router_service.db.models import utc_now

DATETIME_FIELDS = ("started_at", "finished_at")
NONE = "none"  # no escalation
# Not a column: whether the request's cost must be settled against a budget:
# False, True (a reservation may be open for it), or UNRESERVED (its client had
# no budget, so none is). One key, so that a release before UNRESERVED can
# still replay the spill files of this one (it settles such rows as True).
SETTLE_KEY = "_settle"
UNRESERVED = "unreserved"


@dataclass
class PendingRecord:
    request_id: str
    route: str
    started_at: datetime = field(default_factory=utc_now)
    finished_at: datetime | None = None
    first_byte_at: datetime | None = None
    status_code: int = 0
    error: str | None = None
    stream: bool = False
    client_id: int | None = None
    client_name: str | None = None  # for metrics; not a column (the row keeps the id)
    conversation_id: str | None = None
    interaction_type: str | None = None
    decision_reason: str | None = None
    score: float | None = None
    confidence: float | None = None
    classifier_version: str | None = None
    routed_to: str | None = None
    actual_model: str | None = None
    escalation: str | None = None
    local_attempts: int = 0
    ttft_ms: float | None = None  # from the model call's log event, when it has one
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_micros: int | None = None
    text: str | None = None
    features: dict[str, Any] | None = None
    # Whether the routing hook ran: then the model call's log event will come.
    expects_llm_event: bool = False
    reserved: bool = True  # its client has a budget: a reservation may be open
    llm_event_seen: bool = False
    response_done: bool = False

    def _settlement(self) -> bool | str:
        if self.client_id is None or not self.expects_llm_event:
            return False
        return True if self.reserved else UNRESERVED

    def to_row(self) -> dict[str, Any]:
        finished = self.finished_at or utc_now()
        latency_ms = (finished - self.started_at).total_seconds() * 1000
        ttft_ms = self.ttft_ms
        if ttft_ms is None and self.stream and self.first_byte_at is not None:
            ttft_ms = (self.first_byte_at - self.started_at).total_seconds() * 1000
        return {
            "request_id": self.request_id,
            "client_id": self.client_id,
            "conversation_id": self.conversation_id,
            "route": self.route,
            "started_at": self.started_at,
            "finished_at": finished,
            "status_code": self.status_code,
            "error": self.error,
            "stream": self.stream,
            "interaction_type": self.interaction_type,
            "decision_reason": self.decision_reason,
            "score": self.score,
            "confidence": self.confidence,
            "classifier_version": self.classifier_version,
            "routed_to": self.routed_to,
            "actual_model": self.actual_model,
            "escalation": self.escalation,
            "local_attempts": self.local_attempts,
            "latency_ms": round(latency_ms, 3),
            "ttft_ms": None if ttft_ms is None else round(ttft_ms, 3),
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_micros": self.cost_micros,
            "text": self.text,
            "features": self.features,
            SETTLE_KEY: self._settlement(),
        }


def escalated(escalation: str | None) -> bool:
    """Whether the cloud took over a request routed local."""
    return escalation not in (None, NONE)


def served_tier(routed_to: str | None, escalation: str | None, answered: bool) -> str | None:
    """The tier whose model answered: the chosen one, unless the cloud took over."""
    if not answered or routed_to is None:
        return None
    return "cloud" if routed_to == "cloud" or escalated(escalation) else "local"


def row_to_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat() if key in DATETIME_FIELDS else value for key, value in row.items()
    }


def row_from_json(data: dict[str, Any]) -> dict[str, Any]:
    return {
        key: datetime.fromisoformat(value) if key in DATETIME_FIELDS else value
        for key, value in data.items()
    }

"""Training examples from the request log: which logged requests needed the cloud.

A logged request says which tier it needed in one of these ways, strongest
first (`LabelWeights` sets how much each counts):

- an operator's label (`hybrid-router logs label`): that tier;
- `invalid_output`: local failed twice to give the JSON asked for: cloud;
- a local answer the user followed up within the follow-up window: cloud
  (weaker: the user may just have had another question);
- a local answer in a conversation the user did not follow up: local was
  fine (weaker still).

Other rows (answered by the cloud, without a conversation, failed, too
recent to know, or stored without text) teach nothing and are skipped.
Rows are read in time order, in chunks, through a server-side cursor, so
memory stays bounded however large the log is.
"""

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, cast

from sqlmodel import col, select

from classifier.features import RequestFeatures
from router_service.db.engine import Database
from router_service.db.models import RequestLog
from router_service.db.statements import as_utc
from router_service.request_log.fields import STORED_FIELDS

# "file": the operator's labelled files; "shipped": the shipped model's own data.
Source = Literal["admin", "invalid_output", "follow_up", "no_follow_up", "file", "shipped"]
LOCAL_MODEL_PREFIXES = ("ollama_chat/", "ollama/")


@dataclass(frozen=True)
class LabelWeights:
    admin: float = 4.0
    invalid_output: float = 2.0
    follow_up: float = 0.5  # users often just ask the next thing: weak evidence
    no_follow_up: float = 0.5


@dataclass(frozen=True)
class TrainingExample:
    features: RequestFeatures
    needs_cloud: bool
    weight: float
    at: datetime | None  # None for file examples: they belong to no time
    source: Source


@dataclass(frozen=True)
class LogLabel:
    needs_cloud: bool
    weight: float
    source: Source


# The columns training reads: the label evidence and what rebuilds the features.
LABEL_COLUMNS = (
    RequestLog.started_at, RequestLog.finished_at, RequestLog.label, RequestLog.label_source,
    RequestLog.escalation, RequestLog.actual_model, RequestLog.status_code, RequestLog.error,
    RequestLog.followed_up, RequestLog.conversation_id,
)  # fmt: skip
TEXT_COLUMNS = (RequestLog.text, RequestLog.features)


def label_row(
    row: Mapping[str, Any], weights: LabelWeights, settled_before: datetime
) -> LogLabel | None:
    """What a logged request says about the tier it needed, if anything.

    `settled_before`: rows finished later may still be followed up; a
    missing follow-up says nothing about them yet.
    """
    if row["label"] in ("local", "cloud") and row["label_source"] == "admin":
        return LogLabel(row["label"] == "cloud", weights.admin, "admin")
    if row["escalation"] == "invalid_output":
        return LogLabel(True, weights.invalid_output, "invalid_output")
    answered_locally = (
        row["status_code"] == 200
        and row["error"] is None
        and str(row["actual_model"] or "").startswith(LOCAL_MODEL_PREFIXES)
        and row["conversation_id"] is not None
    )
    if not answered_locally:
        return None
    if row["followed_up"]:
        return LogLabel(True, weights.follow_up, "follow_up")
    if as_utc(row["finished_at"]) < settled_before:
        return LogLabel(False, weights.no_follow_up, "no_follow_up")
    return None


def features_from_log(text: str, stored: Mapping[str, Any]) -> RequestFeatures:
    """The features the router saw, rebuilt from a row's (redacted) text and stored signals."""
    values = {name: stored[name] for name in STORED_FIELDS}
    return RequestFeatures(
        last_user_text=text,
        previous_user_text=str(stored.get("previous_text") or ""),
        json_schema=None,
        **values,
    )


@dataclass(frozen=True)
class LogSpan:
    """Which logged requests to read: started in [since, until)."""

    since: datetime | None = None
    until: datetime | None = None


class LogReader:
    """Labelled examples from the request log, in time order, chunk by chunk."""

    def __init__(
        self,
        database: Database,
        weights: LabelWeights,
        follow_up_window_s: float,
        now: datetime,
        chunk_rows: int = 5000,
    ) -> None:
        self.database = database
        self.weights = weights
        self.settled_before = now - timedelta(seconds=follow_up_window_s)
        self.chunk_rows = chunk_rows

    async def label_times(self) -> AsyncIterator[list[datetime]]:
        """The start times of the rows that carry a label (a cheap pass: no text)."""
        async for rows in self._rows(LABEL_COLUMNS, LogSpan()):
            yield [as_utc(row["started_at"]) for row in rows if self._label(row) is not None]

    async def examples(self, span: LogSpan) -> AsyncIterator[list[TrainingExample]]:
        async for rows in self._rows((*LABEL_COLUMNS, *TEXT_COLUMNS), span):
            chunk = []
            for row in rows:
                label = self._label(row)
                if label is None or row["text"] is None or not row["features"]:
                    continue
                chunk.append(
                    TrainingExample(
                        features=features_from_log(row["text"], row["features"]),
                        needs_cloud=label.needs_cloud,
                        weight=label.weight,
                        at=as_utc(row["started_at"]),
                        source=label.source,
                    )
                )
            if chunk:
                yield chunk

    def _label(self, row: Mapping[str, Any]) -> LogLabel | None:
        return label_row(row, self.weights, self.settled_before)

    async def _rows(
        self, columns: tuple[Any, ...], span: LogSpan
    ) -> AsyncIterator[list[Mapping[str, Any]]]:
        query = select(*columns).order_by(col(RequestLog.started_at))
        if span.since is not None:
            query = query.where(col(RequestLog.started_at) >= span.since)
        if span.until is not None:
            query = query.where(col(RequestLog.started_at) < span.until)
        async with self.database.session() as session:
            # yield_per: a server-side cursor on Postgres, so the log is never all in memory.
            result = await session.stream(query.execution_options(yield_per=self.chunk_rows))
            async for partition in result.mappings().partitions(self.chunk_rows):
                # RowMapping is keyed by column name here (select of named columns).
                yield cast(list[Mapping[str, Any]], list(partition))

"""Which answers the user followed up: wrote again in the same conversation soon after.

An answer (status 200) is followed up when the first request of its
conversation that started after the answer finished started within the
window. Rows reach the log in any order (several instances, spill files
replayed late), so the log writer asks after inserting each batch, over the
conversations the batch touches: its rows may follow up answers written
before them, and be followed up by rows written before them.

One SELECT and at most one UPDATE per batch: the writer shares the event
loop with the requests, and under load every statement it awaits waits its
turn, so statements per row made the log fall minutes behind.
"""

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, select
from sqlmodel import col, update
from sqlmodel.ext.asyncio.session import AsyncSession

from router_service.db.models import RequestLog
from router_service.db.statements import as_utc
from router_service.request_log.record import served_tier


@dataclass(frozen=True)
class Turn:
    """One logged request of a conversation, as far as follow-ups go."""

    id: int
    request_id: str
    started_at: datetime
    finished_at: datetime
    answered: bool  # status 200
    followed_up: bool


def follow_up_gaps(turns: Sequence[Turn], window: timedelta) -> dict[int, timedelta]:
    """Answers of one conversation newly followed up, by row id, with the gap."""
    starts = sorted((turn.started_at, turn.request_id) for turn in turns)
    gaps: dict[int, timedelta] = {}
    for turn in turns:
        if not turn.answered or turn.followed_up:
            continue
        at = bisect_left(starts, (turn.finished_at, ""))
        while at < len(starts) and starts[at][1] == turn.request_id:
            at += 1  # a request that took no time starts as it finishes
        if at < len(starts) and starts[at][0] - turn.finished_at <= window:
            gaps[turn.id] = starts[at][0] - turn.finished_at
    return gaps


async def mark_follow_ups(
    session: AsyncSession, rows: Iterable[dict[str, Any]], window: timedelta
) -> list[str]:
    """Mark the answers newly followed up in the conversations of `rows` (inserted already).

    Returns the tiers that gave them, one per answer marked here: an answer
    another instance marked first is not counted twice.
    """
    in_conversations = [row for row in rows if row.get("conversation_id")]
    if not in_conversations:
        return []
    # Only an answer that finished after this can be followed up by a row of
    # the batch, and any row that follows up one of the batch's answers
    # started (so finished) after it too.
    since = min(row["started_at"] for row in in_conversations) - window
    # SQLAlchemy's select (SQLModel's is typed for at most four columns), on the
    # session's connection: the same transaction.
    connection = await session.connection()
    found = await connection.execute(
        select(
            col(RequestLog.id),
            col(RequestLog.conversation_id),
            col(RequestLog.request_id),
            col(RequestLog.started_at),
            col(RequestLog.finished_at),
            col(RequestLog.status_code),
            col(RequestLog.followed_up),
        ).where(
            col(RequestLog.conversation_id).in_(
                {row["conversation_id"] for row in in_conversations}
            ),
            col(RequestLog.finished_at) >= since,
        )
    )
    conversations: dict[str, list[Turn]] = defaultdict(list)
    for id_, conversation, request_id, started, finished, status, followed_up in found:
        assert id_ is not None and conversation is not None  # a stored row, of a conversation
        conversations[conversation].append(
            Turn(id_, request_id, as_utc(started), as_utc(finished), status == 200, followed_up)
        )
    gaps: dict[int, timedelta] = {}
    for turns in conversations.values():
        gaps |= follow_up_gaps(turns, window)
    if not gaps:
        return []
    seconds = {id_: gap.total_seconds() for id_, gap in gaps.items()}
    marked = await session.exec(
        update(RequestLog)
        .where(col(RequestLog.id).in_(seconds), col(RequestLog.followed_up).is_(False))
        .values(followed_up=True, follow_up_gap_s=case(seconds, value=col(RequestLog.id)))
        .returning(col(RequestLog.routed_to), col(RequestLog.escalation))
    )
    return [
        served_tier(routed_to, escalation, answered=True) or "none"
        for routed_to, escalation in marked
    ]

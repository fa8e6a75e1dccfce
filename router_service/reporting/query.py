"""Read the request log for a report, streaming (a month of logs never sits in memory)."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from router_service.core.config import Settings
from router_service.db.models import Client, RequestLog
from router_service.db.statements import as_utc
from router_service.pricing import Prices
from router_service.reporting.summary import COLUMNS, CostModel, Summarizer, Summary

CHUNK_ROWS = 5_000


def cost_model(settings: Settings) -> CostModel:
    cloud = Prices(settings.cloud_input_usd_per_mtok, settings.cloud_output_usd_per_mtok)
    return CostModel(cloud, settings.local_gpu_usd_per_hour)


async def log_summary(
    session: AsyncSession,
    costs: CostModel,
    since: datetime,
    until: datetime,
    client: Client | None = None,
) -> Summary:
    """The summary of the rows started in [since, until), of one client or all.

    The timeline starts at the first row, not at `since`: a new deployment's
    thirty-day report is not twenty-nine empty days.
    """
    filters: list[Any] = [
        col(RequestLog.started_at) >= since,
        col(RequestLog.started_at) < until,
    ]
    if client is not None:
        filters.append(col(RequestLog.client_id) == client.id)
    first = (await session.exec(select(func.min(RequestLog.started_at)).where(*filters))).first()
    start = as_utc(first) if first is not None else until - timedelta(hours=1)
    columns = [getattr(RequestLog, name) for name in COLUMNS]
    query = select(*columns).where(*filters).order_by(col(RequestLog.started_at))
    # yield_per: a server-side cursor on Postgres.
    result = await session.stream(query.execution_options(yield_per=CHUNK_ROWS))
    summarizer = Summarizer(costs, start, until)
    async for partition in result.mappings().partitions(CHUNK_ROWS):
        for row in partition:
            summarizer.add(_with_utc(dict(row)))
    return summarizer.summary


def _with_utc(row: dict[str, Any]) -> dict[str, Any]:
    """SQLite hands back naive datetimes; make every one UTC-aware."""
    row["started_at"] = as_utc(row["started_at"])
    row["finished_at"] = as_utc(row["finished_at"])
    return row

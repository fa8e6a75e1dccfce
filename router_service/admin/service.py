"""The admin operations, shared by `hybrid-router` commands and the `/hr/admin/` API.

Each takes a database session and returns table rows or plain values; errors
are `AdminError`s with a message for the operator and an HTTP status.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from router_service.auth.keys import generate_key
from router_service.budget import period_key
from router_service.db.models import (
    ApiKey,
    BudgetPeriod,
    BudgetPolicy,
    Client,
    ClientCreate,
    RequestLog,
    utc_now,
)

LABELS = ("local", "cloud")


def describe(error: Exception) -> str:
    """An error for the operator: validation errors as `field: problem; …`."""
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(map(str, item['loc']))}: {item['msg'].removeprefix('Value error, ')}"
            for item in error.errors()
        )
    return str(getattr(error, "message", error))


class AdminError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Spend:
    client: str
    period: str  # the current period's key, e.g. "2026-11"
    budget_micros: int | None
    spend_micros: int
    reserved_micros: int
    requests: int  # logged requests in the period
    cost_micros: int  # their logged cost


async def create_client(session: AsyncSession, data: ClientCreate) -> Client:
    client = Client.model_validate(data)
    client.period_key = period_key(client.period, utc_now())
    session.add(client)
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        raise AdminError(f"a client named {data.name!r} exists already", 409) from error
    await session.refresh(client)
    return client


async def list_clients(session: AsyncSession) -> list[Client]:
    return list((await session.exec(select(Client).order_by(col(Client.name)))).all())


async def get_client(session: AsyncSession, name: str) -> Client:
    client = (await session.exec(select(Client).where(Client.name == name))).first()
    if client is None:
        raise AdminError(f"no client named {name!r}", 404)
    return client


async def update_budget(
    session: AsyncSession,
    name: str,
    budget_micros: int | None,
    period: BudgetPeriod | None = None,
    policy: BudgetPolicy | None = None,
) -> Client:
    client = await get_client(session, name)
    client.budget_micros = budget_micros
    if period is not None and period != client.period:
        client.period = period
        client.period_key = period_key(period, utc_now())
        client.spend_micros = 0
    if policy is not None:
        client.policy = policy
    session.add(client)
    await session.commit()
    await session.refresh(client)
    return client


async def create_key(
    session: AsyncSession, client_name: str, label: str | None
) -> tuple[ApiKey, str]:
    """A new key for the client: its row, and the key itself (shown once, never stored)."""
    client = await get_client(session, client_name)
    if not client.active:
        raise AdminError(f"client {client_name!r} is deactivated", 409)
    new = generate_key()
    assert client.id is not None
    row = ApiKey(public_id=new.public_id, client_id=client.id, secret_sha256=new.secret_sha256,
                 label=label)  # fmt: skip
    session.add(row)
    await session.commit()
    await session.refresh(row)
    return row, new.key


async def revoke_key(session: AsyncSession, public_id: str) -> ApiKey:
    row = (await session.exec(select(ApiKey).where(ApiKey.public_id == public_id))).first()
    if row is None:
        raise AdminError(f"no key with id {public_id!r}", 404)
    if row.revoked_at is None:
        row.revoked_at = utc_now()
        session.add(row)
        await session.commit()
        await session.refresh(row)
    return row


async def list_keys(session: AsyncSession, client_name: str | None = None) -> list[ApiKey]:
    query = select(ApiKey).order_by(col(ApiKey.id))
    if client_name is not None:
        client = await get_client(session, client_name)
        query = query.where(ApiKey.client_id == client.id)
    return list((await session.exec(query)).all())


async def spend(session: AsyncSession, client_name: str | None = None) -> list[Spend]:
    clients = (
        [await get_client(session, client_name)] if client_name else await list_clients(session)
    )
    now = utc_now()
    report = []
    for client in clients:
        current = period_key(client.period, now)
        since = period_start(client.period, now)
        totals = (
            await session.exec(
                select(func.count(), func.coalesce(func.sum(RequestLog.cost_micros), 0)).where(
                    RequestLog.client_id == client.id, col(RequestLog.started_at) >= since
                )
            )
        ).one()
        report.append(
            Spend(
                client=client.name,
                period=current,
                budget_micros=client.budget_micros,
                spend_micros=client.spend_micros if client.period_key == current else 0,
                reserved_micros=client.reserved_micros,
                requests=int(totals[0] or 0),
                cost_micros=int(totals[1] or 0),
            )
        )
    return report


def period_start(period: BudgetPeriod, now: datetime) -> datetime:
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == BudgetPeriod.week:
        return start - timedelta(days=start.weekday())  # ISO weeks start on Monday
    if period == BudgetPeriod.month:
        return start.replace(day=1)
    return start


async def list_logs(
    session: AsyncSession,
    client_name: str | None = None,
    limit: int = 50,
    conversation_id: str | None = None,
) -> list[RequestLog]:
    query = select(RequestLog).order_by(col(RequestLog.started_at).desc()).limit(limit)
    if client_name is not None:
        client = await get_client(session, client_name)
        query = query.where(RequestLog.client_id == client.id)
    if conversation_id is not None:
        query = query.where(RequestLog.conversation_id == conversation_id)
    return list((await session.exec(query)).all())


async def label_log(session: AsyncSession, request_id: str, label: str) -> RequestLog:
    """The admin's label for a logged request: the strongest training signal."""
    if label not in LABELS:
        raise AdminError(f"label must be one of {', '.join(LABELS)}")
    row = (
        await session.exec(select(RequestLog).where(RequestLog.request_id == request_id))
    ).first()
    if row is None:
        raise AdminError(f"no logged request {request_id!r}", 404)
    row.label = label
    row.label_source = "admin"
    session.add(row)
    await session.commit()
    await session.refresh(row)
    return row

"""The admin operations, shared by `hybrid-router` commands and the `/hr/admin/` API.

Each takes a database session and returns table rows or plain values; errors
are `AdminError`s with a message for the operator and an HTTP status.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, func, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from router_service.auth.keys import generate_key
from router_service.budget import period_key
from router_service.db.models import (
    ApiKey,
    BudgetPeriod,
    BudgetPolicy,
    ClassifierVersion,
    Client,
    ClientCreate,
    RequestLog,
    utc_now,
)
from router_service.reporting.query import log_summary
from router_service.reporting.render import parse_period, report_dict
from router_service.reporting.summary import CostModel
from router_service.request_log.redaction import conversation_key

LABELS = ("local", "cloud")
RowT = TypeVar("RowT", bound=SQLModel)


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
    return await _insert(session, client, f"a client named {data.name!r} exists already")


async def _insert(session: AsyncSession, row: RowT, conflict: str) -> RowT:
    """Add a row; a unique-key clash is the operator's 409, said as `conflict`."""
    session.add(row)
    try:
        await session.commit()
    except IntegrityError as error:
        await session.rollback()
        raise AdminError(conflict, 409) from error
    await session.refresh(row)
    return row


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
        # Given as the client sent it; stored hashed.
        query = query.where(RequestLog.conversation_id == conversation_key(conversation_id))
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


# -- classifier versions (the model registry) ------------------------------------------------


async def list_models(session: AsyncSession) -> list[ClassifierVersion]:
    query = select(ClassifierVersion).order_by(col(ClassifierVersion.created_at).desc())
    return list((await session.exec(query)).all())


async def get_model(session: AsyncSession, version: str) -> ClassifierVersion:
    query = select(ClassifierVersion).where(ClassifierVersion.version == version)
    row = (await session.exec(query)).first()
    if row is None:
        raise AdminError(f"no model version {version!r}", 404)
    return row


async def active_model(session: AsyncSession) -> ClassifierVersion | None:
    query = select(ClassifierVersion).where(col(ClassifierVersion.active).is_(True))
    return (await session.exec(query)).first()


async def save_model(
    session: AsyncSession, row: ClassifierVersion, activate: bool
) -> ClassifierVersion:
    row = await _insert(session, row, f"a model version {row.version!r} exists already")
    return await activate_model(session, row.version) if activate else row


async def activate_model(session: AsyncSession, version: str) -> ClassifierVersion:
    """Make `version` the one model the proxies route with (they reload within seconds)."""
    chosen = await get_model(session, version)
    await session.exec(
        update(ClassifierVersion).where(col(ClassifierVersion.id) != chosen.id).values(active=False)
    )
    chosen.active = True
    chosen.activated_at = utc_now()
    session.add(chosen)
    await session.commit()
    await session.refresh(chosen)
    return chosen


async def rollback_model(session: AsyncSession) -> ClassifierVersion | None:
    """Activate the model that was active before the current one.

    None when there was none before it: no version is active any more, and
    the proxies route with the model file shipped with the router.
    """
    current = await active_model(session)
    if current is None:
        raise AdminError("no model version is active; nothing to roll back", 409)
    query = (
        select(ClassifierVersion)
        .where(
            col(ClassifierVersion.activated_at).is_not(None),
            col(ClassifierVersion.id) != current.id,
        )
        .order_by(col(ClassifierVersion.activated_at).desc())
        .limit(1)
    )
    previous = (await session.exec(query)).first()
    if previous is None:
        current.active = False
        session.add(current)
        await session.commit()
        return None
    return await activate_model(session, previous.version)


async def usage_report(
    session: AsyncSession, costs: CostModel, since: str, client_name: str | None = None
) -> dict[str, Any]:
    """The report of the last `since` (like `30d`): see router_service.reporting."""
    try:
        period = parse_period(since)
    except ValueError as error:
        raise AdminError(str(error)) from error
    client = await get_client(session, client_name) if client_name is not None else None
    until = utc_now()
    summary = await log_summary(session, costs, until - period, until, client)
    return report_dict(summary, client_name)

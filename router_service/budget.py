"""Client budgets: reserve the worst case before a call, settle the actual cost after.

Reserving is one conditional UPDATE (the reservation row is written in the
same transaction): it succeeds only if spend + reserved + this request's worst
case stays within the budget, so concurrent requests can never overspend,
on one instance or many. A new period (day, ISO week or month, UTC) starts
from zero spend in the same statement. Settling charges a batch of log rows,
each once: only rows newly written are passed in, and only a reservation
still open moves its amount from `reserved` to `spend`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, and_, case, literal, or_, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from router_service.db.models import (
    BudgetPeriod,
    BudgetReservation,
    Client,
    ReservationStatus,
    utc_now,
)


def period_key(period: BudgetPeriod, now: datetime) -> str:
    if period == BudgetPeriod.day:
        return now.strftime("%Y-%m-%d")
    if period == BudgetPeriod.week:
        year, week, _ = now.isocalendar()
        return f"{year}-W{week:02d}"
    return now.strftime("%Y-%m")


@dataclass(frozen=True)
class Reservation:
    granted: bool
    amount_micros: int
    # The client's state when the reservation was tried (after a period change).
    budget_micros: int | None
    spend_micros: int
    reserved_micros: int


async def reserve(
    session: AsyncSession, client_id: int, request_id: str, amount_micros: int
) -> Reservation:
    """Hold `amount_micros` of the client's budget for this request, if it fits."""
    client = await session.get(Client, client_id)
    if client is None:
        raise LookupError(f"no client with id {client_id}")
    current = period_key(client.period, utc_now())
    same_period = col(Client.period_key) == current
    spend_now = case((same_period, col(Client.spend_micros)), else_=0)
    fits = or_(
        col(Client.budget_micros).is_(None),
        spend_now + col(Client.reserved_micros) + amount_micros <= col(Client.budget_micros),
    )
    result = await session.exec(
        update(Client)
        .where(and_(col(Client.id) == client_id, fits))
        .values(
            spend_micros=spend_now,
            period_key=current,
            reserved_micros=col(Client.reserved_micros) + amount_micros,
        )
        .execution_options(synchronize_session=False)
    )
    granted = result.rowcount == 1
    if granted:
        session.add(BudgetReservation(request_id=request_id, client_id=client_id,
                                      amount_micros=amount_micros))  # fmt: skip
    await session.commit()
    await session.refresh(client)
    return Reservation(
        granted,
        amount_micros,
        client.budget_micros,
        client.spend_micros if client.period_key == current else 0,
        client.reserved_micros,
    )


@dataclass(frozen=True)
class Charge:
    request_id: str
    client_id: int
    actual_micros: int
    reserved: bool = True  # a reservation may be open (False: its client had no budget)


async def settle(session: AsyncSession, charges: Sequence[Charge]) -> None:
    """Charge each request's actual cost to its client, in a few statements per batch.

    The caller passes only requests whose log row this transaction inserted,
    so a row delivered twice (a replayed spill file) is charged once. A
    request with an open reservation moves it from `reserved` to `spend`; one
    without (its client has no budget, or the database was away when it
    started) is charged directly. The caller commits. A batch of free answers
    (local) for clients without a budget costs no statement at all.
    """
    now = utc_now()
    released = await _close_reservations(
        session, [charge for charge in charges if charge.reserved], now
    )
    per_client: dict[int, tuple[int, int]] = {}  # client id: (actual cost, reservations released)
    for charge in charges:
        spent, freed = per_client.get(charge.client_id, (0, 0))
        per_client[charge.client_id] = (
            spent + charge.actual_micros,
            freed + released.get(charge.request_id, 0),
        )
    for client_id, (spent, freed) in sorted(per_client.items()):  # one lock order everywhere
        if spent or freed:  # readers start a new period's spend from zero themselves
            await _charge(session, client_id, spent, freed, now)


async def _close_reservations(
    session: AsyncSession, charges: Sequence[Charge], now: datetime
) -> dict[str, int]:
    """Mark the open reservations of these requests settled; their amounts, by request id."""
    if not charges:
        return {}
    # 64-bit: an amount past 2**31 micro-dollars ($2,147) must not fail the batch.
    actual = {charge.request_id: literal(charge.actual_micros, BigInteger) for charge in charges}
    closed = await session.exec(
        update(BudgetReservation)
        .where(
            col(BudgetReservation.request_id).in_(list(actual)),
            col(BudgetReservation.status) == ReservationStatus.reserved,
        )
        .values(
            status=ReservationStatus.settled,
            actual_micros=case(actual, value=col(BudgetReservation.request_id)),
            settled_at=now,
        )
        .returning(col(BudgetReservation.request_id), col(BudgetReservation.amount_micros))
        .execution_options(synchronize_session=False)
    )
    return dict(closed.all())


async def _charge(
    session: AsyncSession, client_id: int, spent: int, freed: int, now: datetime
) -> None:
    client = await session.get(Client, client_id)
    if client is None:
        return  # deleted since: nothing to charge
    current = period_key(client.period, now)
    spend_now = case((col(Client.period_key) == current, col(Client.spend_micros)), else_=0)
    await session.exec(
        update(Client)
        .where(col(Client.id) == client_id)
        .values(
            reserved_micros=col(Client.reserved_micros) - freed,
            spend_micros=spend_now + spent,
            period_key=current,
        )
        .execution_options(synchronize_session=False)
    )

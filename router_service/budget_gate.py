"""The budget check of one request, in the routing hook before the decision.

A client with a budget gets the request's worst case reserved (all of it on
the cloud, the whole reply used): see `router_service.budget`. If it does not
fit, the client's policy decides: `reject` answers 429 with how much is left,
`downgrade` serves the request from the local tier only, with no fallback to
the cloud. With budget pressure on, the cloud threshold rises as the budget
runs out (`pressure`). If the database cannot be reached the request goes on
unreserved and is charged when its log row is written: serving the customer
wins over a moment's budget precision. A client without a budget reserves
nothing (known from its key, so a budget set takes effect within
`HR_KEY_CACHE_TTL_S`).

A process reserves and releases for one client at a time: a client's
reservations take turns on its database row anyway, and each one waiting
there held a pooled connection, so a burst from one client emptied the pool
(and other clients' key checks failed).
"""

import asyncio
import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from router_service.budget import Charge, reserve, settle
from router_service.db.engine import Database
from router_service.pricing import Prices, format_usd, worst_case_micros

LOGGER = logging.getLogger(__name__)
# Budget pressure starts when this share of the budget is used or reserved.
PRESSURE_FROM = 0.8


@dataclass(frozen=True)
class BudgetVerdict:
    allowed: bool  # within budget (or no budget, or the database is away)
    downgrade: bool  # over budget, served local only
    pressure: float  # 0 (plenty left) .. 1 (budget spent), for the cloud threshold
    message: str | None = None  # why a request was refused or downgraded


WITHIN = BudgetVerdict(True, False, 0.0)


def reserves(client: Mapping[str, Any]) -> bool:
    """Whether this client's requests hold a reservation (its key says it has a budget)."""
    return bool(client.get("has_budget", True))


class BudgetGate:
    def __init__(self, database: Database, cloud: Prices, default_max_tokens: int) -> None:
        self.database = database
        self.cloud = cloud
        self.default_max_tokens = default_max_tokens
        self._turns: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)  # by client id

    async def check(
        self, client: Mapping[str, Any], request_id: str, request: Mapping[str, Any]
    ) -> BudgetVerdict:
        if not reserves(client):
            # Nothing to hold: the log writer charges the actual cost to its spend.
            # Reserving anyway cost a row lock and a commit per request.
            return WITHIN
        amount = worst_case_micros(request, self.cloud, self.default_max_tokens)
        try:
            async with self._turns[client["client_id"]], self.database.session() as session:
                held = await reserve(session, client["client_id"], request_id, amount)
        except (OSError, SQLAlchemyError) as error:
            LOGGER.warning("budget: database unreachable (%s); not reserved", type(error).__name__)
            return WITHIN
        if held.budget_micros is None:
            return WITHIN
        used = held.spend_micros + held.reserved_micros
        share = used / held.budget_micros if held.budget_micros else 1.0
        pressure = _pressure(share) if client["budget_pressure"] else 0.0
        if held.granted:
            return BudgetVerdict(True, False, pressure)
        message = (
            f"client {client['client_name']!r} has {format_usd(held.spend_micros)} spent and "
            f"{format_usd(held.reserved_micros)} reserved of its {format_usd(held.budget_micros)} "
            f"budget; this request could cost up to {format_usd(amount)}"
        )
        return BudgetVerdict(False, client["policy"] == "downgrade", 1.0, message)

    async def release(self, client: Mapping[str, Any], request_id: str) -> None:
        """Give back what `check` held for a request refused before its model call.

        Its log row charges nothing (no call was made), so without this the
        amount would stay reserved, eating the budget.
        """
        if not reserves(client):
            return  # nothing was held
        try:
            async with self._turns[client["client_id"]], self.database.session() as session:
                await settle(session, [Charge(request_id, client["client_id"], 0)])
                await session.commit()
        except (OSError, SQLAlchemyError) as error:
            LOGGER.warning("budget: database unreachable (%s); not released", type(error).__name__)


def _pressure(used_share: float) -> float:
    """0 below PRESSURE_FROM of the budget, rising smoothly (quadratically) to 1 at all of it."""
    if used_share <= PRESSURE_FROM:
        return 0.0
    return min(1.0, (used_share - PRESSURE_FROM) / (1 - PRESSURE_FROM)) ** 2

"""What a request costs, in integer micro-dollars (1 USD = 1,000,000 µUSD).

A price of X USD per million tokens is X µUSD per token. The cloud is priced
from the settings (Claude Sonnet's list price by default). The local tier's
tokens are free; its GPU is paid for by the hour, and metrics and reports
charge that price over the time the local model was busy (`BusyTime`).
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from router_service.context_sizing import prompt_tokens

MICROS_PER_USD = 1_000_000


@dataclass(frozen=True)
class Prices:
    input_usd_per_mtok: float
    output_usd_per_mtok: float

    def cost_micros(self, prompt: int, completion: int) -> int:
        return math.ceil(prompt * self.input_usd_per_mtok + completion * self.output_usd_per_mtok)


FREE = Prices(0.0, 0.0)


def gpu_usd(busy_s: float, usd_per_hour: float) -> float:
    """What `busy_s` seconds of a GPU rented at `usd_per_hour` cost."""
    return busy_s * usd_per_hour / 3600


class BusyTime:
    """The union of time intervals, counted as they come.

    `add` returns the part of an interval not counted yet. Exact when the
    intervals come in order of their start (a report's scan); close when
    they come in order of their end (requests as they finish).
    """

    def __init__(self) -> None:
        self.until = float("-inf")  # the end of the time counted so far
        self.seconds = 0.0

    def add(self, start: float, end: float) -> float:
        added = max(0.0, end - max(start, self.until))
        self.until = max(self.until, end)
        self.seconds += added
        return added


def usd_to_micros(usd: float | str | Decimal) -> int:
    try:
        micros = Decimal(str(usd)) * MICROS_PER_USD
    except InvalidOperation as error:
        raise ValueError(f"not an amount of money in USD: {usd!r}") from error
    if not micros.is_finite():
        raise ValueError(f"not an amount of money in USD: {usd!r}")
    if micros < 0:
        raise ValueError("an amount of money cannot be negative")
    return int(micros.to_integral_value(rounding="ROUND_HALF_UP"))


def micros_to_usd(micros: int) -> Decimal:
    return Decimal(micros) / MICROS_PER_USD


def format_usd(micros: int | None) -> str:
    return "unlimited" if micros is None else f"${micros_to_usd(micros):,.4f}"


def worst_case_micros(request: Mapping[str, Any], cloud: Prices, default_reply_tokens: int) -> int:
    """The most a request can cost: all of it on the cloud, the whole reply budget used."""
    requested = request.get("max_tokens") or request.get("max_completion_tokens")
    reply = requested if isinstance(requested, int) and requested > 0 else default_reply_tokens
    return cloud.cost_micros(prompt_tokens(request), reply)

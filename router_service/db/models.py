"""The router's tables (SQLModel): clients, API keys, budget reservations,
request logs and classifier versions.

Money is stored in integer micro-dollars (`*_micros`, 1 USD = 1,000,000), so
budgets, reservations and spend add up exactly in any database. Times are
UTC. Names follow the full-stack FastAPI template: `ClientBase` holds the
shared fields, `Client` is the table, `ClientCreate` / `ClientPublic` are
what the admin API takes and returns.
"""

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import field_validator
from sqlalchemy import JSON, BigInteger, Column, DateTime, Integer, Text
from sqlmodel import Field, SQLModel

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def utc_now() -> datetime:
    return datetime.now(UTC)


class BudgetPolicy(StrEnum):
    """What happens to a request that does not fit the client's budget."""

    reject = "reject"  # 429 with a message saying how much is left
    downgrade = "downgrade"  # served by the local tier only


class BudgetPeriod(StrEnum):
    day = "day"
    week = "week"
    month = "month"


# -- clients -------------------------------------------------------------------------------


class ClientBase(SQLModel):
    name: str = Field(unique=True, index=True, max_length=100)
    # None: no budget. Otherwise the most the client may spend per period.
    budget_micros: int | None = Field(default=None, ge=0, sa_type=BigInteger)
    period: BudgetPeriod = BudgetPeriod.month
    policy: BudgetPolicy = BudgetPolicy.reject
    # Raise the cloud threshold smoothly as the client nears its budget.
    budget_pressure: bool = False
    rate_limit_per_minute: int | None = Field(default=None, gt=0)
    # Whether the client's keys may pin a tier (`model: local` / `cloud`).
    allow_pinned_tiers: bool = True

    @field_validator("name")
    @classmethod
    def _name_shape(cls, name: str) -> str:
        if not NAME.fullmatch(name):
            raise ValueError(
                "a client name is up to 100 letters, digits, '.', '_' or '-', "
                "starting with a letter or a digit"
            )
        return name


class Client(ClientBase, table=True):
    __tablename__ = "client"

    id: int | None = Field(default=None, primary_key=True)
    active: bool = True
    # The period the spend below belongs to, e.g. "2026-11" for a monthly budget.
    period_key: str = Field(default="", max_length=16)
    spend_micros: int = Field(default=0, sa_type=BigInteger)
    reserved_micros: int = Field(default=0, sa_type=BigInteger)
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ClientCreate(ClientBase):
    pass


class ClientPublic(ClientBase):
    id: int
    active: bool
    period_key: str
    spend_micros: int
    reserved_micros: int
    created_at: datetime


# -- API keys ------------------------------------------------------------------------------


class ApiKey(SQLModel, table=True):
    """A client's key: `sk-hr-<public_id>-<secret>`. Only the secret's SHA-256 is kept."""

    __tablename__ = "api_key"

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(unique=True, index=True, max_length=32)
    client_id: int = Field(foreign_key="client.id", index=True)
    secret_sha256: str = Field(max_length=64)
    label: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    last_used_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class ApiKeyPublic(SQLModel):
    id: int
    public_id: str
    client_id: int
    label: str | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


# -- budget reservations -------------------------------------------------------------------


class ReservationStatus(StrEnum):
    reserved = "reserved"
    settled = "settled"


class BudgetReservation(SQLModel, table=True):
    """The worst-case cost held for one request until its actual cost is known."""

    __tablename__ = "budget_reservation"

    request_id: str = Field(primary_key=True, max_length=64)
    client_id: int = Field(foreign_key="client.id", index=True)
    amount_micros: int = Field(sa_type=BigInteger)
    status: ReservationStatus = ReservationStatus.reserved
    actual_micros: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    settled_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


# -- request logs --------------------------------------------------------------------------


class RequestLogBase(SQLModel):
    request_id: str = Field(unique=True, index=True, max_length=64)
    client_id: int | None = Field(default=None, index=True)
    conversation_id: str | None = Field(default=None, index=True, max_length=200)
    route: str = Field(max_length=200)
    started_at: datetime = Field(
        sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
    finished_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    status_code: int
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    stream: bool = False
    # The decision: see classifier.decision and router_service.admission.
    interaction_type: str | None = Field(default=None, max_length=100)
    decision_reason: str | None = Field(default=None, max_length=100)
    score: float | None = None
    confidence: float | None = None
    classifier_version: str | None = Field(default=None, max_length=100)
    routed_to: str | None = Field(default=None, max_length=16)
    # What happened: the model that answered, and why it was not the one chosen.
    actual_model: str | None = Field(default=None, max_length=200)
    escalation: str | None = Field(default=None, max_length=32)
    local_attempts: int = 0
    latency_ms: float | None = None
    ttft_ms: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_micros: int | None = Field(default=None, sa_type=BigInteger)
    # The user's message, redacted (or None when only features are stored).
    text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    features: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # The user wrote again in the same conversation soon after this answer.
    followed_up: bool = False
    follow_up_gap_s: float | None = None
    label: str | None = Field(default=None, max_length=16)
    label_source: str | None = Field(default=None, max_length=32)


# SQLite only auto-increments an INTEGER primary key; Postgres gets a BIGINT.
LOG_ID = BigInteger().with_variant(Integer(), "sqlite")


class RequestLog(RequestLogBase, table=True):
    __tablename__ = "request_log"

    id: int | None = Field(default=None, primary_key=True, sa_type=LOG_ID)


class RequestLogPublic(RequestLogBase):
    id: int


# -- classifier versions -------------------------------------------------------------------


class ClassifierVersion(SQLModel, table=True):
    __tablename__ = "classifier_version"

    id: int | None = Field(default=None, primary_key=True)
    version: str = Field(unique=True, index=True, max_length=100)
    created_at: datetime = Field(
        default_factory=utc_now, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    training_rows: int = 0
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    thresholds: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    artifact: str = Field(sa_column=Column(Text, nullable=False))  # the JSON artifact, no pickle
    artifact_sha256: str = Field(max_length=64)
    active: bool = Field(default=False, index=True)
    # When it was last made the active model: rollback goes to the one before.
    activated_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class ClassifierVersionPublic(SQLModel):
    id: int
    version: str
    created_at: datetime
    training_rows: int
    metrics: dict[str, Any]
    thresholds: dict[str, Any]
    artifact_sha256: str
    active: bool
    activated_at: datetime | None

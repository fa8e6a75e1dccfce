"""SQL that differs by database: the INSERT that ignores duplicates, and UTC times back."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession


def insert_or_ignore(session: AsyncSession, table: Any, unique: str) -> Any:
    """INSERT … ON CONFLICT (`unique`) DO NOTHING, in this session's dialect (Postgres, SQLite)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(table).on_conflict_do_nothing(index_elements=[unique])


def as_utc(moment: datetime) -> datetime:
    """SQLite hands times back without their zone; ours are all UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment

"""The database: Postgres when `HR_DATABASE_URL` is set, embedded SQLite otherwise.

Both through SQLAlchemy's async engine: psycopg 3 for Postgres, aiosqlite for
SQLite (a file under `HR_DATA_DIR`, for a single process and for trying the
router out; production uses Postgres).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from router_service.core.config import Settings
from router_service.db.migrate import upgrade

SQLITE_FILE = "hybrid-router.sqlite3"


def database_url(settings: Settings) -> str:
    """The SQLAlchemy URL, with the async driver named."""
    url = settings.database_url.get_secret_value() if settings.database_url else None
    if not url:
        return f"sqlite+aiosqlite:///{settings.data_dir / SQLITE_FILE}"
    for plain, with_driver in (
        ("postgresql://", "postgresql+psycopg://"),
        ("postgres://", "postgresql+psycopg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return with_driver + url[len(plain) :]
    return url


def shown_url(settings: Settings) -> str:
    """The database URL for messages: without its password."""
    return make_url(database_url(settings)).render_as_string(hide_password=True)


def migrate(settings: Settings) -> None:
    """Bring the schema up to date (the embedded database's folder is made if needed)."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(database_url(settings))


def create_engine(settings: Settings) -> AsyncEngine:
    url = database_url(settings)
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return create_async_engine(url, connect_args={"timeout": 30})
    # Short connect timeout: when Postgres is away, rows spill at once instead of waiting.
    return create_async_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=10,
        pool_timeout=5,
        connect_args={"connect_timeout": 3},
    )


class Database:
    """The engine and a session factory; one per process."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Database":
        return cls(create_engine(settings))

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    async def close(self) -> None:
        await self.engine.dispose()

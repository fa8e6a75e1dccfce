"""Schema migrations (Alembic): apply them, and refuse to run on an old schema.

`hybrid-router db upgrade` applies every migration in router_service/migrations.
`serve` checks first that the database is at the newest revision and stops
with a message saying what to run if it is not.
"""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"


class SchemaError(RuntimeError):
    """The database is unreachable or not at the newest migration; the message says what to do."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # ini interpolation
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to `revision` (call from synchronous code: Alembic runs its own loop)."""
    command.upgrade(alembic_config(url), revision)


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:
        raise SchemaError("no migrations found in " + str(MIGRATIONS_DIR))
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        try:
            result = await connection.execute(text("SELECT version_num FROM alembic_version"))
        except SQLAlchemyError:
            return None  # no alembic_version table: never migrated
        return result.scalar_one_or_none()


async def check_schema(engine: AsyncEngine, shown_url: str) -> None:
    """Raise `SchemaError` unless the database answers and is at the newest migration."""
    try:
        current = await current_revision(engine)
    except (OSError, SQLAlchemyError) as error:
        raise SchemaError(f"cannot reach the database at {shown_url}: {error}") from error
    head = head_revision()
    if current != head:
        state = "has no schema" if current is None else f"is at migration {current}"
        raise SchemaError(
            f"the database at {shown_url} {state}, this version needs {head}: "
            "run `hybrid-router db upgrade` first"
        )

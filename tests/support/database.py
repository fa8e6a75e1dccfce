"""Throw-away Postgres databases on the server at 127.0.0.1:5432, for one test session or test."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

SERVER = "postgresql://postgres@127.0.0.1:5432"


@contextmanager
def throwaway_database(prefix: str = "hr_test") -> Iterator[str]:
    """A new, empty database; its URL, and the database dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    create_database(SERVER, name)
    try:
        yield f"{SERVER}/{name}"
    finally:
        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_database(server: str, name: str) -> None:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')


def query(url: str, sql: str, *params: object) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(sql, params).fetchall()  # type: ignore[arg-type]

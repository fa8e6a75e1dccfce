"""The reliability suite: the router under faults, each case with its own processes.

Every case starts the processes it breaks (emulators, proxy, sometimes a
Postgres server of its own) and records its figures in
`test-artifacts/reliability/<case>.json`; docs/RELIABILITY.md quotes them.
"""

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from router_service.core.config import Settings
from router_service.db.engine import migrate
from tests.support.database import query, throwaway_database
from tests.support.load import Outcome

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reliability"

Figures = Callable[..., None]


@pytest.fixture
def process_logs(tmp_path: Path) -> Path:
    return tmp_path


@contextmanager
def migrated_database() -> Iterator[str]:
    """A throw-away Postgres database with the router's schema."""
    with throwaway_database("hr_reliability") as url:
        migrate(Settings(database_url=url))
        yield url


@pytest.fixture
def database_url() -> Iterator[str]:
    """A migrated throw-away database of this case's own."""
    with migrated_database() as url:
        yield url


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Figures:
    """Record this case's figures (printed, and kept as a JSON artefact)."""

    def record(**values: object) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}.json"
        path.write_text(json.dumps(values, indent=2, default=str) + "\n")
        print(f"\n{request.node.name}: {json.dumps(values, default=str)}")

    return record


def assert_one_row_each(database_url: str, outcomes: list[Outcome]) -> int:
    """Every request that got an id has exactly one log row, with the status the client saw."""
    answered = [outcome for outcome in outcomes if outcome.request_id]
    assert len(answered) == len(outcomes), "a request got no response (and no id) at all"
    rows = query(database_url, "SELECT request_id, status_code FROM request_log")
    by_id: dict[str, list[object]] = {}
    for request_id, status in rows:
        by_id.setdefault(str(request_id), []).append(status)
    lost = [outcome.request_id for outcome in answered if outcome.request_id not in by_id]
    assert not lost, f"{len(lost)} of {len(answered)} requests have no log row: {lost[:5]}"
    doubled = [request_id for request_id, statuses in by_id.items() if len(statuses) > 1]
    assert not doubled, f"requests with more than one row: {doubled[:5]}"
    wrong = [
        (outcome.request_id, outcome.status, by_id[str(outcome.request_id)])
        for outcome in answered
        if by_id[str(outcome.request_id)] != [outcome.status]
    ]
    assert not wrong, f"rows whose status differs from the client's: {wrong[:5]}"
    return len(answered)

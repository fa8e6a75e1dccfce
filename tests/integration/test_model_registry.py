"""The model registry on Postgres: gated promotion, activation, rollback, hot reload."""

import json
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.types.json import Json

from bench.harness import Emulators, Proxy, run_proxy
from classifier import extract_features
from classifier.model import seal
from router_service.core.config import PACKAGE_DIR, Settings
from router_service.db.engine import migrate
from router_service.request_log.fields import stored_features, stored_text
from tests.support.commands import admin, hybrid_router
from tests.support.database import query, throwaway_database
from training.cafe import load_cafe_examples
from training.examples import Example

SHIPPED_MODEL = PACKAGE_DIR / "models" / "bootstrap.json"
POLL_S = 1.0
LOG_COLUMNS = (
    "request_id", "conversation_id", "route", "started_at", "finished_at", "status_code",
    "routed_to", "actual_model", "text", "features", "label", "label_source", "stream",
    "local_attempts", "followed_up",
)  # fmt: skip


@pytest.fixture
def database() -> Iterator[str]:
    with throwaway_database("hr_models") as url:
        migrate(Settings(database_url=url))
        yield url


def labelled_rows(
    examples: Sequence[Example], start: datetime, flipped: bool, tag: str
) -> list[tuple[Any, ...]]:
    """Log rows an operator labelled: each example's tier, or the other one when `flipped`."""
    rows = []
    for number, example in enumerate(examples):
        features = extract_features(example.request)
        tier = example.tier if not flipped else {"local": "cloud", "cloud": "local"}[example.tier]
        started = start + timedelta(minutes=number)
        rows.append((
            f"{tag}-{number}", f"{tag}-conversation-{number}", "/v1/chat/completions", started,
            started + timedelta(seconds=1), 200, "local", "ollama_chat/llama3.1:8b",
            stored_text(features, "redacted"), Json(stored_features(features, "redacted")), tier,
            "admin", False, 1, False,
        ))  # fmt: skip
    return rows


def insert(database_url: str, rows: Sequence[tuple[Any, ...]]) -> None:
    marks = ", ".join(["%s"] * len(LOG_COLUMNS))
    with psycopg.connect(database_url) as connection:
        connection.cursor().executemany(
            f"INSERT INTO request_log ({', '.join(LOG_COLUMNS)}) VALUES ({marks})", rows
        )


def active_versions(database_url: str) -> list[str]:
    rows = query(database_url, "SELECT version FROM classifier_version WHERE active")
    return [str(row[0]) for row in rows]


def train(database_url: str, *options: str) -> str:
    done = hybrid_router(database_url, "train", "--from", "db", "--no-progress", *options)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_candidate_worse_than_the_active_model_is_not_promoted(database: str) -> None:
    examples = [
        item
        for item in load_cafe_examples(split="train") + load_cafe_examples(split="test")
        if item.tier in ("local", "cloud")
    ]
    now = datetime.now(UTC)
    # A month of correctly labelled traffic: version A, made active by force.
    insert(database, labelled_rows(examples, now - timedelta(days=10), False, "right"))
    first = train(database, "--force")
    assert "promoted by --force" in first
    (good,) = active_versions(database)

    # Older rows, four times as many, labelled the wrong way round: a candidate
    # trained on them (the newest rows, the right ones, judge it) is worse.
    for copy in range(4):
        start = now - timedelta(days=40 + 5 * copy)
        insert(database, labelled_rows(examples, start, True, f"wrong-{copy}"))
    second = train(database)
    assert "not promoted" in second, second
    assert active_versions(database) == [good]
    ((metrics,),) = query(
        database, "SELECT metrics FROM classifier_version WHERE NOT active"
    )  # fmt: skip
    worse, than = metrics["holdout"]["cost_per_request"], metrics["active_on_holdout"]
    assert metrics["active_version"] == good
    assert worse > than["cost_per_request"]

    listed = hybrid_router(database, "models", "list").stdout
    assert f"* {good}" in " ".join(listed.split()), listed
    forced = train(database, "--force")
    assert "promoted by --force" in forced
    assert active_versions(database) != [good]


# -- activation and rollback on a running proxy ----------------------------------------------


def save_version(database_url: str, version: str) -> None:
    """A copy of the shipped model under another version name, stored inactive."""
    artifact = json.loads(SHIPPED_MODEL.read_text())
    del artifact["sha256"]
    artifact = seal({**artifact, "version": version})
    with psycopg.connect(database_url) as connection:
        connection.execute(
            "INSERT INTO classifier_version (version, created_at, training_rows, metrics, "
            "thresholds, artifact, artifact_sha256, active) "
            "VALUES (%s, now(), 0, '{}', %s, %s, %s, false)",
            (version, Json(artifact["thresholds"]), json.dumps(artifact), artifact["sha256"]),
        )


def routed_with(proxy: Proxy) -> str:
    response = httpx.post(
        proxy.url + "/v1/chat/completions",
        headers={"Authorization": f"Bearer {proxy.master_key}"},
        json={"model": "auto", "messages": [{"role": "user", "content": "do you have oat milk"}]},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.headers["x-hybrid-classifier-version"]


def wait_for_version(proxy: Proxy, version: str) -> None:
    deadline = time.monotonic() + POLL_S + 5
    while (seen := routed_with(proxy)) != version:
        assert time.monotonic() < deadline, f"still routing with {seen}, not {version}"
        time.sleep(0.2)


@pytest.fixture
def registry_proxy(
    emulators: Emulators, process_logs: Path, database: str
) -> Iterator[tuple[Proxy, str]]:
    env = {"HR_DATABASE_URL": database, "HR_MODEL_POLL_S": str(POLL_S)}
    with run_proxy(emulators, process_logs, env) as proxy:
        yield proxy, database


def test_rollback_restores_the_previous_version(registry_proxy: tuple[Proxy, str]) -> None:
    proxy, database = registry_proxy
    shipped = routed_with(proxy)
    assert admin(proxy, "GET", "/hr/admin/models/serving")["source"] == "file"
    for version in ("cafe-a", "cafe-b"):
        save_version(database, version)

    # The command line activates; the proxy notices within its poll.
    assert hybrid_router(database, "models", "activate", "cafe-a").returncode == 0
    wait_for_version(proxy, "cafe-a")
    # Rolling back the only version ever active: back to the shipped model file.
    rolled = admin(proxy, "POST", "/hr/admin/models/rollback")
    assert rolled["active"] is None
    assert rolled["serving"] == {**rolled["serving"], "version": shipped, "source": "file"}
    assert routed_with(proxy) == shipped

    # A, then B through the API (this proxy switches at once), then roll back: A again.
    admin(proxy, "POST", "/hr/admin/models/cafe-a/activate")
    admin(proxy, "POST", "/hr/admin/models/cafe-b/activate")
    assert routed_with(proxy) == "cafe-b"
    done = hybrid_router(database, "models", "rollback")
    assert "model cafe-a is active again" in done.stdout, done.stderr
    wait_for_version(proxy, "cafe-a")
    assert active_versions(database) == ["cafe-a"]
    listed = {item["version"]: item["active"] for item in admin(proxy, "GET", "/hr/admin/models")}
    assert listed == {"cafe-a": True, "cafe-b": False}


def test_a_version_that_does_not_exist_cannot_be_activated(
    registry_proxy: tuple[Proxy, str],
) -> None:
    proxy, database = registry_proxy
    response = httpx.post(
        proxy.url + "/hr/admin/models/nope/activate",
        headers={"Authorization": f"Bearer {proxy.master_key}"},
        timeout=10,
    )
    assert response.status_code == 404
    assert "no model version 'nope'" in response.json()["error"]["message"]
    done = hybrid_router(database, "models", "rollback")
    assert done.returncode != 0 and "nothing to roll back" in done.stderr

from collections.abc import Iterator
from pathlib import Path

import anthropic
import httpx
import openai
import pytest

from bench.harness import Emulators, Proxy, run_emulators, run_proxy
from router_service.core.config import Settings
from router_service.db.engine import migrate
from tests.support.database import query, throwaway_database
from tests.support.netaudit import NETAUDIT_DIR
from tests.support.requests_seen import SEEN, recording_client, recording_client2

# Filled in on every successful model request's row.
REQUIRED_ON_SUCCESS = (
    "routed_to", "actual_model", "escalation", "prompt_tokens", "completion_tokens", "cost_micros",
)  # fmt: skip


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """One throw-away Postgres database, migrated, for every proxy of the session.

    When the session ends (every proxy stopped, so every row written), each
    model request the tests made must have exactly one row, complete if it
    succeeded.
    """
    with throwaway_database() as url:
        migrate(Settings(database_url=url))
        yield url
        check_every_request_has_one_row(url)


def describe_row(url: str, request_id: str) -> str:
    (row,) = query(
        url,
        "SELECT route, stream, decision_reason, routed_to, escalation, error, latency_ms "
        "FROM request_log WHERE request_id = %s",
        request_id,
    )
    return str(row)


def check_every_request_has_one_row(url: str) -> None:
    columns = ", ".join(("request_id", "status_code", "error", *REQUIRED_ON_SUCCESS))
    rows = query(url, f"SELECT {columns} FROM request_log")
    by_id: dict[str, list[tuple[object, ...]]] = {}
    for row in rows:
        by_id.setdefault(str(row[0]), []).append(row)
    missing = [request_id for request_id in SEEN.statuses if request_id not in by_id]
    assert not missing, (
        f"{len(missing)} requests of {len(SEEN.statuses)} have no row: "
        f"{[(item, SEEN.statuses[item], SEEN.urls[item]) for item in missing[:5]]}"
    )
    doubled = [request_id for request_id, found in by_id.items() if len(found) > 1]
    assert not doubled, f"requests with more than one row: {doubled[:5]}"
    for request_id, status in SEEN.statuses.items():
        (row,) = by_id[request_id]
        assert row[1] == status, (request_id, row)
        if status == 200 and row[2] is None:  # answered in full (a stream may fail midway)
            filled = zip(REQUIRED_ON_SUCCESS, row[3:], strict=True)
            empty = [name for name, value in filled if value is None]
            assert not empty, (
                f"request {request_id} row lacks {empty}: {describe_row(url, request_id)}"
            )


@pytest.fixture(scope="session")
def process_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("process-logs")


@pytest.fixture(scope="session")
def emulators(process_logs: Path) -> Iterator[Emulators]:
    with run_emulators(process_logs) as running:
        yield running


@pytest.fixture(scope="session")
def network_log(process_logs: Path) -> Path:
    """Where the proxy's network audit hook writes any non-loopback attempt."""
    log = process_logs / "network.log"
    log.touch()
    return log


@pytest.fixture(scope="session")
def proxy(
    emulators: Emulators, process_logs: Path, network_log: Path, database_url: str
) -> Iterator[Proxy]:
    env = {
        "PYTHONPATH": str(NETAUDIT_DIR),
        "HR_TEST_NETWORK_LOG": str(network_log),
        "HR_DATABASE_URL": database_url,
    }
    with run_proxy(emulators, process_logs, env) as running:
        yield running


def reset_emulators(running: Emulators) -> None:
    for base in (running.ollama_url, running.anthropic_url):
        httpx.post(base + "/_emulator/reset", timeout=5).raise_for_status()


def reset_breaker(running: Proxy) -> None:
    headers = {"Authorization": f"Bearer {running.master_key}"}
    url = running.url + "/hr/admin/breaker/reset"
    httpx.post(url, headers=headers, timeout=5).raise_for_status()


def assert_no_truncation(running: Emulators) -> None:
    stats = httpx.get(running.ollama_url + "/_emulator/stats", timeout=5).json()
    assert stats["truncations"] == 0, "a local prompt was truncated: num_ctx too small"


@pytest.fixture(autouse=True)
def clean_emulators(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every integration test starts from emulators without faults and a closed breaker.

    Afterwards, no local prompt may have been truncated: every request the
    router sends local must fit the context it asked for.
    """
    if "emulators" not in request.fixturenames:
        yield
        return
    running: Emulators = request.getfixturevalue("emulators")
    reset_emulators(running)
    if "proxy" in request.fixturenames:
        reset_breaker(request.getfixturevalue("proxy"))
    yield
    assert_no_truncation(running)


def openai_for(proxy: Proxy, key: str | None = None) -> openai.OpenAI:
    """The official OpenAI SDK on the proxy, each request's id noted (see check above)."""
    return openai.OpenAI(
        base_url=proxy.url + "/v1",
        api_key=key or proxy.master_key,
        max_retries=0,
        http_client=recording_client(timeout=120),
    )


def anthropic_for(proxy: Proxy, key: str | None = None) -> anthropic.Anthropic:
    return anthropic.Anthropic(
        base_url=proxy.url,
        api_key=key or proxy.master_key,
        max_retries=0,
        http_client=recording_client2(timeout=120),
    )


@pytest.fixture
def openai_client(proxy: Proxy) -> openai.OpenAI:
    return openai_for(proxy)


@pytest.fixture
def anthropic_client(proxy: Proxy) -> anthropic.Anthropic:
    return anthropic_for(proxy)

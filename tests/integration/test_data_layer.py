"""The data layer through real proxies on the real Postgres: keys, budgets, logs, durability.

Every proxy here shares the session's throw-away database; each test makes
its own clients. Rows are written off the request path, so a test that reads
them waits until they are there.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from bench.harness import Emulators, Proxy, run_emulators, run_proxy
from router_service.core.config import Settings
from router_service.db.engine import migrate
from router_service.request_log.redaction import conversation_key
from tests.integration.conftest import openai_for
from tests.support.commands import admin, hybrid_router, new_client
from tests.support.database import query, throwaway_database
from tests.support.requests_seen import recording_async_client
from tests.support.tcp_proxy import tcp_proxy

pytestmark = pytest.mark.integration

ADDRESS = [{"role": "user", "content": "What is your address?"}]  # a local rule
CANARY_EMAIL = "canary.jane.doe@example.org"
CANARY_PHONE = "+44 20 7946 0321"


def wait_for(check: Callable[[], bool], timeout_s: float = 30, what: str = "") -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def client_rows(database_url: str, name: str, columns: str) -> list[tuple[Any, ...]]:
    return query(
        database_url,
        f"SELECT {columns} FROM request_log r JOIN client c ON r.client_id = c.id "
        "WHERE c.name = %s ORDER BY r.started_at",
        name,
    )


def client_budget(database_url: str, name: str) -> tuple[int, int, int | None]:
    ((spend, reserved, budget),) = query(
        database_url,
        "SELECT spend_micros, reserved_micros, budget_micros FROM client WHERE name = %s",
        name,
    )
    return int(spend), int(reserved), budget


@pytest.fixture(scope="module")
def data_proxy(process_logs: Path, database_url: str) -> Iterator[tuple[Proxy, Emulators]]:
    env = {"HR_DATABASE_URL": database_url, "HR_KEY_CACHE_TTL_S": "1"}
    with run_emulators(process_logs) as emulators, run_proxy(emulators, process_logs, env) as proxy:
        yield proxy, emulators


# -- schema and commands -------------------------------------------------------------------


def test_serve_refuses_a_database_without_the_schema() -> None:
    with throwaway_database() as url:
        env = {**os.environ, "HR_DATABASE_URL": url, "HR_MASTER_KEY": "sk-hr-test-master"}
        serve = [sys.executable, "-m", "router_service", "serve"]
        done = subprocess.run(serve, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "has no schema" in done.stderr and "hybrid-router db upgrade" in done.stderr


def test_the_admin_commands_manage_clients_keys_budgets_and_logs() -> None:
    with throwaway_database() as url:
        assert "has no schema" in hybrid_router(url, "clients", "list").stderr
        assert hybrid_router(url, "db", "upgrade").returncode == 0
        created = hybrid_router(url, "clients", "create", "bean-and-leaf", "--budget", "20")
        assert created.returncode == 0, created.stderr
        assert hybrid_router(url, "clients", "create", "bean-and-leaf").returncode == 1
        assert "letters" in hybrid_router(url, "clients", "create", "bad name").stderr
        key = hybrid_router(url, "keys", "create", "--client", "bean-and-leaf").stdout
        last_line = key.strip().splitlines()[-1]
        assert last_line.startswith("sk-hr-") and " " not in last_line
        key_id = last_line.removeprefix("sk-hr-").split("-")[0]
        listed = hybrid_router(url, "keys", "list").stdout
        assert key_id in listed and last_line not in listed  # the secret is never shown again
        assert "revoked" in hybrid_router(url, "keys", "revoke", key_id).stdout
        budget = hybrid_router(url, "budget", "set", "bean-and-leaf", "--budget", "35.5",
                               "--policy", "downgrade")  # fmt: skip
        assert "$35.5000" in budget.stdout and "downgrade" in budget.stdout
        assert "$35.5000" in hybrid_router(url, "spend").stdout
        assert hybrid_router(url, "logs", "list").returncode == 0
        assert "no logged request" in hybrid_router(url, "logs", "label", "nope", "cloud").stderr
        (stored,) = query(url, "SELECT secret_sha256 FROM api_key")
        assert last_line.split("-", 3)[3] not in str(stored)


def test_sqlite_is_migrated_like_postgres(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    migrate(settings)
    env = {**os.environ, "HR_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "router_service", "clients", "create", "embedded"]
    assert subprocess.run(command, env=env, capture_output=True, timeout=60).returncode == 0


# -- keys and clients through the proxy ----------------------------------------------------


def test_client_keys_reach_only_their_own_data(data_proxy: tuple[Proxy, Emulators]) -> None:
    proxy, _ = data_proxy
    name, key = new_client(proxy, budget_usd="10")
    other, _ = new_client(proxy)
    client = openai_for(proxy, key)
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=ADDRESS)
    assert raw.headers["x-hybrid-routed-to"] == "local"
    headers = {"Authorization": f"Bearer {key}"}
    for path in ("/hr/admin/clients", f"/hr/admin/clients/{other}", "/hr/admin/logs",
                 "/key/generate", "/spend/logs"):  # fmt: skip
        response = httpx.get(proxy.url + path, headers=headers, timeout=10)
        assert response.status_code == 403, (path, response.text)
        assert response.json()["error"]["type"] == "permission_error"
    me = httpx.get(proxy.url + "/hr/me", headers=headers, timeout=10).json()
    assert me["client"] == name and other not in json.dumps(me)
    assert me["budget_micros"] == 10_000_000


def test_the_admin_api_has_an_openapi_description(data_proxy: tuple[Proxy, Emulators]) -> None:
    proxy, _ = data_proxy
    spec = admin(proxy, "GET", "/hr/admin/openapi.json")
    paths = set(spec["paths"])
    assert {"/hr/admin/clients", "/hr/admin/keys", "/hr/admin/spend", "/hr/admin/logs",
            "/hr/admin/breaker", "/hr/me"} <= paths  # fmt: skip
    response = httpx.post(
        proxy.url + "/hr/admin/clients",
        headers={"Authorization": f"Bearer {proxy.master_key}"},
        json={"name": "x", "budget_usd": -5},
        timeout=10,
    )
    assert response.status_code == 400 and "budget_usd" in response.json()["error"]["message"]


def test_a_revoked_key_stops_working_within_seconds(
    data_proxy: tuple[Proxy, Emulators], database_url: str
) -> None:
    proxy, _ = data_proxy
    _, key = new_client(proxy)
    client = openai_for(proxy, key)
    client.chat.completions.create(model="auto", messages=ADDRESS)
    key_id = key.removeprefix("sk-hr-").split("-")[0]
    assert hybrid_router(database_url, "keys", "revoke", key_id).returncode == 0  # another process
    revoked_at = time.monotonic()

    def refused() -> bool:
        try:
            client.chat.completions.create(model="auto", messages=ADDRESS)
        except openai.AuthenticationError:
            return True
        return False

    wait_for(refused, timeout_s=10, what="the revoked key to be refused")
    assert time.monotonic() - revoked_at < Settings().key_cache_ttl_s + 2


def test_a_client_over_its_request_rate_gets_429(data_proxy: tuple[Proxy, Emulators]) -> None:
    proxy, _ = data_proxy
    _, key = new_client(proxy, rate_limit_per_minute=3)
    client = openai_for(proxy, key)
    statuses = []
    for _ in range(5):
        try:
            client.chat.completions.create(model="auto", messages=ADDRESS)
            statuses.append(200)
        except openai.RateLimitError as error:
            statuses.append(429)
            assert int(error.response.headers["retry-after"]) >= 1
            assert "3 requests per minute" in error.message
    # A new minute may begin during the run: at most 3 pass in any one minute.
    assert statuses.count(200) in (3, 4, 5) and statuses[:3] == [200] * 3
    assert 429 in statuses or statuses.count(200) > 3


def test_a_client_may_be_kept_from_pinning_a_tier(data_proxy: tuple[Proxy, Emulators]) -> None:
    proxy, _ = data_proxy
    _, key = new_client(proxy, allow_pinned_tiers=False)
    with pytest.raises(openai.PermissionDeniedError, match="may not pin"):
        openai_for(proxy, key).chat.completions.create(model="cloud", messages=ADDRESS)


# -- budgets -------------------------------------------------------------------------------

BUDGET_QUESTION = [{"role": "user", "content": "Write a short haiku about our croissants."}]
BUDGET_MAX_TOKENS = 40


def test_a_budget_race_never_overspends(
    data_proxy: tuple[Proxy, Emulators], database_url: str
) -> None:
    proxy, _ = data_proxy
    # What one such request really costs: ask once, with the master key (no budget).
    raw = openai_for(proxy).chat.completions.with_raw_response.create(
        model="cloud", messages=BUDGET_QUESTION, max_tokens=BUDGET_MAX_TOKENS
    )
    request_id = raw.headers["x-hybrid-request-id"]
    cost = lambda: query(database_url, "SELECT cost_micros FROM request_log WHERE request_id = %s",  # noqa: E731
                         request_id)  # fmt: skip
    wait_for(lambda: bool(cost()), what="the priced row")
    one = int(cost()[0][0])
    name, key = new_client(proxy, budget_usd=str(50 * one / 1_000_000))

    async def burst() -> Counter[int]:
        async with recording_async_client(timeout=120) as http:
            client = openai.AsyncOpenAI(base_url=proxy.url + "/v1", api_key=key, max_retries=0,
                                        http_client=http)  # fmt: skip

            async def one_request() -> int:
                try:
                    await client.chat.completions.create(
                        model="cloud", messages=BUDGET_QUESTION, max_tokens=BUDGET_MAX_TOKENS
                    )
                except openai.RateLimitError:
                    return 429
                return 200

            return Counter(await asyncio.gather(*(one_request() for _ in range(200))))

    outcomes = asyncio.run(burst())
    assert set(outcomes) <= {200, 429}, outcomes
    assert 0 < outcomes[200] <= 50, outcomes
    wait_for(lambda: len(client_rows(database_url, name, "r.id")) == 200, what="200 rows")
    wait_for(lambda: client_budget(database_url, name)[1] == 0, what="reservations settled")
    spend, _reserved, budget = client_budget(database_url, name)
    logged = sum(int(row[0] or 0) for row in client_rows(database_url, name, "r.cost_micros"))
    assert budget is not None and spend <= budget  # no overspend
    assert spend == logged == outcomes[200] * one  # recorded spend = the logged costs


def test_a_downgrade_client_over_budget_is_served_locally(
    data_proxy: tuple[Proxy, Emulators], database_url: str
) -> None:
    proxy, _ = data_proxy
    _name, key = new_client(proxy, budget_usd="0", policy="downgrade")
    raw = openai_for(proxy, key).chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": "I want a refund, my order was cold!"}]
    )
    assert raw.parse().choices[0].message.content
    assert raw.headers["x-hybrid-reason"] == "budget"
    assert raw.headers["x-hybrid-actual-model"].startswith("ollama_chat/")
    _, reject_key = new_client(proxy, budget_usd="0")
    with pytest.raises(openai.RateLimitError, match="budget"):
        openai_for(proxy, reject_key).chat.completions.create(model="auto", messages=ADDRESS)


def test_a_request_refused_after_its_reservation_gives_it_back(
    data_proxy: tuple[Proxy, Emulators], database_url: str
) -> None:
    proxy, _ = data_proxy
    name, key = new_client(proxy, budget_usd="10")
    too_long = [{"role": "user", "content": "croissant " * 20_000}]  # past the local context
    with pytest.raises(openai.BadRequestError, match="do not fit the local model"):
        openai_for(proxy, key).chat.completions.create(model="local", messages=too_long)
    spend, reserved, _ = client_budget(database_url, name)
    assert (spend, reserved) == (0, 0)
    held = query(
        database_url,
        "SELECT r.status, r.actual_micros FROM budget_reservation r JOIN client c "
        "ON c.id = r.client_id WHERE c.name = %s",
        name,
    )
    assert [(str(status), actual) for status, actual in held] == [("settled", 0)]


# -- what the log records ------------------------------------------------------------------


def test_a_user_writing_again_soon_marks_the_answer_followed_up(
    data_proxy: tuple[Proxy, Emulators], database_url: str
) -> None:
    proxy, _ = data_proxy
    name, key = new_client(proxy)
    client = openai_for(proxy, key)
    conversation = f"conv-{uuid.uuid4().hex[:8]}"
    client.chat.completions.create(model="auto", messages=ADDRESS, user=conversation)
    client.chat.completions.create(
        model="auto",
        messages=[{"role": "user", "content": "Do you have parking?"}],
        extra_headers={"x-hybrid-conversation-id": conversation},
    )
    client.chat.completions.create(model="auto", messages=ADDRESS, user="someone-else")
    columns = "r.conversation_id, r.followed_up, r.follow_up_gap_s"
    wait_for(lambda: len(client_rows(database_url, name, columns)) == 3, what="3 rows")
    first, second, other = client_rows(database_url, name, columns)
    assert (first[0], first[1]) == (conversation_key(conversation), True) and 0 <= first[2] < 120
    assert (second[1], other[1]) == (False, False)


def test_canaries_never_reach_the_database_or_the_log_output(
    data_proxy: tuple[Proxy, Emulators], database_url: str, process_logs: Path
) -> None:
    proxy, _ = data_proxy
    name, key = new_client(proxy)
    question = f"Please email the invoice to {CANARY_EMAIL} or call me on {CANARY_PHONE}."
    client = openai_for(proxy, key)
    client.chat.completions.create(model="auto", messages=[{"role": "user", "content": question}])
    client.chat.completions.create(model="cloud", messages=[{"role": "user", "content": question}])
    httpx.post(proxy.url + "/v1/chat/completions", headers={"Authorization": f"Bearer {key}"},
               content=b'{"model": "auto", "messages": [', timeout=10)  # fmt: skip
    wait_for(lambda: len(client_rows(database_url, name, "r.id")) == 3, what="3 rows")
    texts = client_rows(database_url, name, "r.text")
    assert any("[email]" in str(row[0]) and "[phone]" in str(row[0]) for row in texts)
    dump = ""
    for table in ("client", "api_key", "budget_reservation", "request_log"):
        dump += json.dumps(query(database_url, f"SELECT * FROM {table}"), default=str)
    logs = "".join(path.read_text(errors="replace") for path in process_logs.glob("proxy-*.log"))
    secret = key.split("-", 3)[3]
    for canary in (CANARY_EMAIL, CANARY_PHONE, key, secret, proxy.master_key):
        assert canary not in dump, canary
        assert canary not in logs, canary


# -- durability ----------------------------------------------------------------------------


async def load(
    proxy: Proxy, key: str, total: int, concurrency: int, body: dict[str, Any]
) -> list[tuple[int, str | None]]:
    """`total` requests, `concurrency` at a time: (status or 0 when refused, request id)."""
    gate = asyncio.Semaphore(concurrency)
    async with recording_async_client(timeout=60) as http:

        async def one() -> tuple[int, str | None]:
            async with gate:
                try:
                    response = await http.post(
                        proxy.url + "/v1/chat/completions",
                        json=body,
                        headers={"Authorization": f"Bearer {key}"},
                    )
                except httpx.TransportError:
                    return 0, None
                return response.status_code, response.headers.get("x-hybrid-request-id")

        return list(await asyncio.gather(*(one() for _ in range(total))))


def test_a_database_outage_loses_no_row_and_no_request(
    process_logs: Path, database_url: str
) -> None:
    name = database_url.rsplit("/", 1)[1]
    with (
        tcp_proxy("127.0.0.1", 5432) as db_line,
        run_emulators(process_logs) as emulators,
        run_proxy(emulators, process_logs,
                  {"HR_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{db_line.port}/{name}"})
        as proxy,
    ):  # fmt: skip
        client, key = new_client(proxy, budget_usd="100")
        openai_for(proxy, key).chat.completions.create(model="auto", messages=ADDRESS)  # cache key

        async def run_with_outage() -> list[tuple[int, str | None]]:
            work = asyncio.create_task(
                load(proxy, key, 1000, 20, {"model": "auto", "messages": ADDRESS})
            )
            await asyncio.sleep(2)
            db_line.cut()  # the database goes away for 4 s in the middle of the run
            await asyncio.sleep(4)
            db_line.restore()
            return await work

        results = asyncio.run(run_with_outage())
        assert Counter(status for status, _ in results) == {200: 1000}  # no client error
        wait_for(
            lambda: len(client_rows(database_url, client, "r.id")) == 1001,
            timeout_s=60,
            what="every row, replayed after the outage",
        )
        spill = list(process_logs.glob("data-*/spill/spill-*.jsonl"))
    assert not spill  # replayed and deleted
    spend, reserved, _ = client_budget(database_url, client)
    logged = sum(int(row[0] or 0) for row in client_rows(database_url, client, "r.cost_micros"))
    assert (spend, reserved) == (logged, 0)


def test_sigterm_under_load_loses_no_row(process_logs: Path, database_url: str) -> None:
    with (
        run_emulators(process_logs) as emulators,
        run_proxy(emulators, process_logs, {"HR_DATABASE_URL": database_url}) as proxy,
    ):
        _, key = new_client(proxy)
        body = {"model": "auto", "messages": ADDRESS, "stream": True}

        async def run_and_stop() -> list[tuple[int, str | None]]:
            work = asyncio.create_task(load(proxy, key, 400, 30, body))
            await asyncio.sleep(1.0)
            os.kill(proxy.pid, signal.SIGTERM)  # graceful: answers in flight, then stops
            return await work

        results = asyncio.run(run_and_stop())
        wait_for(lambda: _exited(proxy.pid), timeout_s=30, what="the proxy to stop")
    answered = [request_id for status, request_id in results if status and request_id]
    assert answered and len(answered) < 400  # some answered before the stop, some refused
    rows = query(database_url, "SELECT request_id FROM request_log WHERE request_id = ANY(%s)",
                 answered)  # fmt: skip
    assert len(rows) == len(answered)


def _exited(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True,
                          text=True).stdout.strip().startswith("Z")  # fmt: skip

"""The malformed-request corpus: every case a clear 4xx in OpenAI's error shape, never a 5xx.

All cases go to one proxy, which must still answer a good request afterwards
and must have written exactly one log row for every model request it refused.
"""

import json
from collections.abc import Iterator

import httpx
import pytest

from bench.harness import Proxy, run_emulators, run_proxy
from tests.reliability.conftest import Figures, assert_one_row_each, migrated_database
from tests.reliability.malformed_corpus import CHAT, CORPUS, USER, Case
from tests.support.load import Outcome

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def corpus_database() -> Iterator[str]:
    with migrated_database() as url:
        yield url


@pytest.fixture(scope="module")
def sent() -> list[Outcome]:
    """The model requests sent, for the log-row check at the end."""
    return []


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory, corpus_database: str) -> Iterator[Proxy]:
    logs = tmp_path_factory.mktemp("malformed")
    env = {"HR_DATABASE_URL": corpus_database}
    with run_emulators(logs) as emulators, run_proxy(emulators, logs, env) as running:
        yield running


def send(proxy: Proxy, case: Case, sent: list[Outcome]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {proxy.master_key}"}
    if case.headers is not None:
        headers = dict(case.headers)
    headers["Content-Type"] = case.content_type
    body = case.body
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
    url = proxy.url + case.path
    response = httpx.request(case.method, url, content=body, headers=headers, timeout=60)
    if case.path.startswith("/v1/"):
        sent.append(
            Outcome(
                0,
                status=response.status_code,
                request_id=response.headers.get("x-hybrid-request-id"),
            )
        )
    return response


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 50
    assert len({case.name for case in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_a_malformed_request_gets_a_clear_4xx(
    proxy: Proxy, case: Case, sent: list[Outcome]
) -> None:
    response = send(proxy, case, sent)
    assert response.status_code == case.status, response.text[:500]
    error = response.json()["error"]
    assert set(error) >= {"message", "type", "param", "code"}, error
    assert case.fragment.lower() in error["message"].lower(), error


def test_the_proxy_still_serves_and_logged_every_refusal(
    proxy: Proxy, corpus_database: str, sent: list[Outcome], figures: Figures
) -> None:
    assert httpx.get(proxy.url + "/health/liveliness", timeout=10).status_code == 200
    good = Case("good", CHAT, {"model": "auto", "messages": USER}, 200, "")
    assert send(proxy, good, sent).status_code == 200
    # Stopping the proxy writes its last rows; the fixture's own stop is then a no-op.
    assert proxy.process is not None
    proxy.process.terminate()
    proxy.process.wait(timeout=30)
    rows = assert_one_row_each(corpus_database, sent)
    statuses = sorted({outcome.status or 0 for outcome in sent})
    figures(cases=len(CORPUS), model_requests=len(sent), log_rows=rows, statuses=statuses)
    assert all(status < 500 for status in statuses)

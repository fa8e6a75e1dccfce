from collections.abc import Iterator
from pathlib import Path

import anthropic
import httpx
import openai
import pytest

from bench.harness import Emulators, Proxy, run_emulators, run_proxy
from tests.support.netaudit import NETAUDIT_DIR


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
def proxy(emulators: Emulators, process_logs: Path, network_log: Path) -> Iterator[Proxy]:
    audit = {"PYTHONPATH": str(NETAUDIT_DIR), "HR_TEST_NETWORK_LOG": str(network_log)}
    with run_proxy(emulators, process_logs, audit) as running:
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


@pytest.fixture
def openai_client(proxy: Proxy) -> openai.OpenAI:
    return openai.OpenAI(base_url=proxy.url + "/v1", api_key=proxy.master_key, max_retries=0)


@pytest.fixture
def anthropic_client(proxy: Proxy) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=proxy.url, api_key=proxy.master_key, max_retries=0)

"""Schemathesis against the admin API's own OpenAPI description: no input makes it answer 5xx.

Every operation gets generated requests, valid and invalid, with the master
key; the only check is that none is a server error (each answer is a success
or a 4xx), and the proxy still serves model requests afterwards.
"""

import itertools
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from bench.harness import Proxy, run_emulators, run_proxy
from tests.reliability.conftest import Figures, migrated_database
from tests.support.commands import new_client

pytestmark = pytest.mark.integration

EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def admin_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    logs: Path = tmp_path_factory.mktemp("admin-fuzz")
    with migrated_database() as url:
        env = {"HR_DATABASE_URL": url}
        with run_emulators(logs) as emulators, run_proxy(emulators, logs, env) as proxy:
            new_client(proxy)  # something for the read operations to find
            yield proxy


def master(proxy: Proxy) -> dict[str, str]:
    return {"Authorization": f"Bearer {proxy.master_key}"}


def test_no_admin_request_gets_a_server_error(admin_proxy: Proxy, figures: Figures) -> None:
    # Schemathesis's pytest plugin reads a private pytest attribute that pytest 9
    # removed, so each operation's strategy runs under Hypothesis directly.
    schema = schemathesis.openapi.from_url(
        admin_proxy.url + "/hr/admin/openapi.json", headers=master(admin_proxy)
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: dict[str, str] = {}
    calls = 0
    for operation, mode in itertools.product(operations, GenerationMode):

        @given(case=operation.as_strategy(mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case: schemathesis.Case) -> None:
            nonlocal calls
            calls += 1
            case.call_and_validate(
                base_url=admin_proxy.url,
                headers=master(admin_proxy),
                checks=[not_a_server_error],
                timeout=30,
            )

        try:
            no_server_error()
        except Unsatisfiable:
            continue  # nothing to make invalid: an operation without parameters or body
        except (Exception, BaseExceptionGroup) as error:  # a failure: note it, test the rest
            failures[f"{operation.label} ({mode.value})"] = str(error)[:2000]
    figures(operations=len(operations), requests=calls, server_errors=len(failures))
    assert len(operations) >= 15, [operation.label for operation in operations]
    assert not failures, failures


def test_the_proxy_serves_after_the_fuzzing(admin_proxy: Proxy) -> None:
    body = {"model": "auto", "messages": [{"role": "user", "content": "Open on Sunday?"}]}
    response = httpx.post(
        admin_proxy.url + "/v1/chat/completions", json=body, headers=master(admin_proxy), timeout=60
    )
    assert response.status_code == 200, response.text

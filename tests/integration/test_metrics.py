"""`/metrics` after known traffic: every counter matches what the responses said."""

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bench.harness import Emulators, Proxy, run_proxy
from tests.integration.conftest import openai_for
from tests.support.commands import admin, new_client
from tests.support.emulator_faults import local_faults

pytestmark = pytest.mark.integration

SCRAPE_KEY = "sk-scrape-" + uuid.uuid4().hex
# One USD per second of GPU: the local cost in USD equals the busy seconds.
GPU_USD_PER_HOUR = 3600

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture(scope="module")
def metered(emulators: Emulators, process_logs: Path, database_url: str) -> Iterator[Proxy]:
    """A proxy of its own, so its counters start at zero."""
    env = {
        "HR_DATABASE_URL": database_url,
        "HR_METRICS_KEY": SCRAPE_KEY,
        "HR_LOCAL_GPU_USD_PER_HOUR": str(GPU_USD_PER_HOUR),
    }
    with run_proxy(emulators, process_logs, env) as running:
        yield running


def scrape(proxy: Proxy, key: str = SCRAPE_KEY) -> Samples:
    response = httpx.get(proxy.url + "/metrics", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every series of `name` that has these labels."""
    wanted = set(labels.items())
    return sum(v for (n, found), v in samples.items() if n == name and wanted <= found)


def test_metrics_count_the_traffic_that_was_sent(metered: Proxy, emulators: Emulators) -> None:
    client_name, key = new_client(metered, "metrics")
    client = openai_for(metered, key)
    conversation = "metrics-conversation-" + uuid.uuid4().hex
    seen: list[tuple[str, str, str, str]] = []  # routed_to, actual model, reason, escalation

    def ask(text: str, model: str = "auto", **extra: object) -> None:
        raw = client.chat.completions.with_raw_response.create(
            model=model, messages=[{"role": "user", "content": text}], **extra
        )
        assert raw.parse().choices[0].message.content
        headers = raw.headers
        seen.append(
            (
                headers["x-hybrid-routed-to"],
                headers["x-hybrid-actual-model"],
                headers["x-hybrid-reason"],
                headers["x-hybrid-escalation"],
            )
        )

    ask("When do you open on Sunday?", user=conversation)
    ask("And what's your address?", user=conversation)  # follows up the answer before
    ask("Do you have wifi?")
    ask("I want to complain about my order, it was cold and late")
    ask("I was charged twice and I want a refund now")
    local_faults(emulators, malformed_json_rate=1.0)
    ask(
        "Are you open on Sunday? Reply in JSON.",
        model="local",
        response_format={"type": "json_object"},
    )
    local_faults(emulators, malformed_json_rate=0.0)
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(
            model="gpt-unknown", messages=[{"role": "user", "content": "hi"}]
        )

    served = Counter("local" if s[0] == "local" and s[3] == "none" else "cloud" for s in seen)
    assert served["local"] >= 2 and served["cloud"] >= 3, seen  # the traffic is what we meant
    samples = wait_for_follow_up(metered)

    by_decision = Counter((s[0], s[1], s[2]) for s in seen)
    for (routed_to, actual_model, reason), count in by_decision.items():
        found = value(
            samples,
            "hybrid_router_requests_total",
            routed_to=routed_to,
            actual_model=actual_model,
            reason=reason,
            status="2xx",
        )
        assert found == count, (routed_to, actual_model, reason, samples)
    assert total(samples, "hybrid_router_requests_total", status="4xx", routed_to="none") == 1
    assert total(samples, "hybrid_router_requests_total") == len(seen) + 1

    assert value(samples, "hybrid_router_escalations_total", cause="invalid_output") == 1
    for tier in ("local", "cloud"):
        assert value(samples, "hybrid_router_answers_total", tier=tier) == served[tier]
        histogram_count = value(samples, "hybrid_router_request_duration_seconds_count", tier=tier)
        assert histogram_count == served[tier]
    assert value(samples, "hybrid_router_follow_ups_total", tier="local") == 1
    assert value(samples, "hybrid_router_follow_ups_total", tier="cloud") == 0

    cloud_cost = value(samples, "hybrid_router_cost_usd_total", tier="cloud", client=client_name)
    assert cloud_cost == pytest.approx(logged_cloud_cost(metered, client_name), rel=1e-6)
    assert cloud_cost > 0
    busy = value(samples, "hybrid_router_local_busy_seconds_total")
    local_cost = value(samples, "hybrid_router_cost_usd_total", tier="local", client=client_name)
    assert busy > 0
    assert local_cost == pytest.approx(busy * GPU_USD_PER_HOUR / 3600, rel=1e-6)

    assert value(samples, "hybrid_router_breaker_state", state="closed") == 1
    assert value(samples, "hybrid_router_breaker_state", state="open") == 0
    assert value(samples, "hybrid_router_local_in_flight") == 0


def wait_for_follow_up(proxy: Proxy) -> Samples:
    """Follow-ups are counted once their rows are written (in the background)."""
    deadline = time.monotonic() + 15
    while True:
        samples = scrape(proxy)
        if value(samples, "hybrid_router_follow_ups_total", tier="local") or (
            time.monotonic() > deadline
        ):
            return samples
        time.sleep(0.2)


def logged_cloud_cost(proxy: Proxy, client_name: str) -> float:
    client_id = admin(proxy, "GET", f"/hr/admin/clients/{client_name}")["id"]
    rows = admin(proxy, "GET", f"/hr/admin/logs?client={client_name}")
    assert rows and all(row["client_id"] == client_id for row in rows)
    return sum(row["cost_micros"] or 0 for row in rows) / 1_000_000


def test_metrics_need_the_scrape_or_master_key(metered: Proxy) -> None:
    _, client_key = new_client(metered, "metrics-key")
    url = metered.url + "/metrics"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": f"Bearer {client_key}"}).status_code == 403
    assert scrape(metered, metered.master_key)
    assert scrape(metered, SCRAPE_KEY)
    # The scrape key opens /metrics and nothing else.
    breaker = httpx.get(
        metered.url + "/hr/admin/breaker", headers={"Authorization": f"Bearer {SCRAPE_KEY}"}
    )
    assert breaker.status_code == 401
    assert breaker.json()["error"]["message"]
    assert httpx.post(url, headers={"Authorization": f"Bearer {SCRAPE_KEY}"}).status_code == 405

"""The report and the dashboard after known traffic, on a proxy of their own.

The dashboard is loaded in Debian's Chromium (driven by Playwright, no
browser download) with the master key given as HTTP Basic credentials, as
a person's browser would ask for it; a screenshot is kept in
`test-artifacts/`.
"""

import csv
import io
import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import sync_playwright

from bench.harness import Emulators, Proxy, run_proxy
from router_service.core.config import Settings
from tests.integration.conftest import openai_for
from tests.support.commands import admin, hybrid_router, new_client
from tests.support.emulator_faults import local_faults

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
GPU_USD_PER_HOUR = "1.5"
CHARTS = ("traffic", "cost", "escalations", "follow-ups", "breaker", "budgets")


@dataclass(frozen=True)
class Traffic:
    proxy: Proxy
    client: str
    # routed_to, served tier, reason, escalation of each answered request
    answers: list[tuple[str, str, str, str]]


@pytest.fixture(scope="module")
def traffic(emulators: Emulators, process_logs: Path, database_url: str) -> Iterator[Traffic]:
    env = {"HR_DATABASE_URL": database_url, "HR_LOCAL_GPU_USD_PER_HOUR": GPU_USD_PER_HOUR}
    with run_proxy(emulators, process_logs, env) as proxy:
        yield Traffic(proxy, *send_known_traffic(proxy, emulators))


def send_known_traffic(
    proxy: Proxy, emulators: Emulators
) -> tuple[str, list[tuple[str, str, str, str]]]:
    """Local and cloud answers, a follow-up, score-decided requests, a breaker opening."""
    name, key = new_client(proxy, "dashboard", budget_usd="5")
    client = openai_for(proxy, key)
    answers: list[tuple[str, str, str, str]] = []

    def ask(text: str, conversation: str | None = None) -> None:
        extra = {"user": conversation} if conversation else {}
        raw = client.chat.completions.with_raw_response.create(
            model="auto", messages=[{"role": "user", "content": text}], **extra
        )
        assert raw.parse().choices[0].message.content
        routed, escalation = raw.headers["x-hybrid-routed-to"], raw.headers["x-hybrid-escalation"]
        served = "local" if routed == "local" and escalation == "none" else "cloud"
        answers.append((routed, served, raw.headers["x-hybrid-reason"], escalation))

    conversation = f"dashboard-{uuid.uuid4().hex}"
    ask("When do you open on Sunday?", conversation)
    ask("And is there parking nearby?", conversation)
    for text in (
        "Can I bring my dog inside?",
        "Do you have a table for six tonight?",
        "Is the terrace heated in winter?",
        "I want to complain: my order was cold and the waiter was rude",
    ):
        ask(text)
    # Local fails until the breaker opens; the next local decision is kept off local.
    local_faults(emulators, error_rate=1.0, error_status=503)
    for _ in range(Settings().local_failures_to_open + 1):
        ask("What's your address?")
    local_faults(emulators, error_rate=0.0)
    admin(proxy, "POST", "/hr/admin/breaker/reset")
    wait_for_rows(proxy, name, len(answers))
    return name, answers


def wait_for_rows(proxy: Proxy, client: str, count: int) -> None:
    """Rows are written in the background; the report reads the database."""
    deadline = time.monotonic() + 20
    while len(admin(proxy, "GET", f"/hr/admin/logs?client={client}&limit=1000")) < count:
        assert time.monotonic() < deadline, "the request rows were not written"
        time.sleep(0.2)
    time.sleep(1.0)  # follow-ups are marked as the later row is written


def report(database_url: str, *args: str) -> str:
    env = {"HR_LOCAL_GPU_USD_PER_HOUR": GPU_USD_PER_HOUR}
    done = hybrid_router(database_url, "report", *args, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_report_matches_the_traffic(traffic: Traffic, database_url: str) -> None:
    data = json.loads(report(database_url, "--client", traffic.client, "--format", "json"))
    totals = data["totals"]
    served = Counter(answer[1] for answer in traffic.answers)
    assert totals["requests"] == len(traffic.answers)
    assert (totals["served_local"], totals["served_cloud"]) == (served["local"], served["cloud"])
    escalated = sum(1 for answer in traffic.answers if answer[3] != "none")
    assert totals["escalations"] == escalated > 0
    assert totals["followed_up"] >= 1
    assert totals["breaker_diverted"] >= 1
    logs = admin(traffic.proxy, "GET", f"/hr/admin/logs?client={traffic.client}&limit=1000")
    cloud_cost = sum(row["cost_micros"] or 0 for row in logs) / 1_000_000
    assert totals["cloud_cost_usd"] == pytest.approx(cloud_cost, abs=1e-6)
    # Local is not free: its GPU time is charged at the configured price.
    assert totals["local_busy_s"] > 0
    expected_gpu = totals["local_busy_s"] / 3600 * float(GPU_USD_PER_HOUR)
    assert totals["local_gpu_cost_usd"] == pytest.approx(expected_gpu, rel=0.01, abs=2e-6)
    assert totals["cost_usd"] == pytest.approx(cloud_cost + totals["local_gpu_cost_usd"], abs=1e-6)
    assert totals["all_cloud_cost_usd"] > cloud_cost  # local answers priced at the cloud's rates
    by_type = {item["interaction_type"]: item for item in data["types"]}
    assert sum(item["requests"] for item in data["types"]) == len(traffic.answers)
    assert by_type["rule:complaint"]["tier"] == "cloud"
    assert sum(item["share"] for item in data["types"]) == pytest.approx(1.0, abs=1e-3)
    assert sum(bucket["requests"] for bucket in data["timeline"]) == len(traffic.answers)

    rows = list(
        csv.DictReader(
            io.StringIO(report(database_url, "--client", traffic.client, "--format", "csv"))
        )
    )
    assert {row["interaction_type"] for row in rows} == set(by_type)
    table = report(database_url, "--client", traffic.client)
    assert "rule:complaint" in table and "all on the cloud" in table
    assert "Escalations over time" in table


def test_the_report_refuses_bad_arguments_clearly(traffic: Traffic, database_url: str) -> None:
    done = hybrid_router(database_url, "report", "--since", "thirty days")
    assert done.returncode == 1
    assert "like 30d or 12h" in done.stderr
    done = hybrid_router(database_url, "report", "--client", "no-such-client")
    assert done.returncode == 1 and "no-such-client" in done.stderr
    response = httpx.get(
        traffic.proxy.url + "/hr/admin/report?since=-3d",
        headers={"Authorization": f"Bearer {traffic.proxy.master_key}"},
    )
    assert response.status_code == 400
    assert "like 30d" in response.json()["error"]["message"]


def test_the_dashboard_needs_the_master_key(traffic: Traffic) -> None:
    page = traffic.proxy.url + "/hr/admin/dashboard"
    anonymous = httpx.get(page)
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Basic ")
    assert httpx.get(page, auth=("admin", "wrong")).status_code == 401
    assert httpx.get(page, auth=("admin", traffic.proxy.master_key)).status_code == 200
    data = httpx.get(page + "/data", auth=("anyone", traffic.proxy.master_key))
    assert data.status_code == 200 and data.json()["report"]["totals"]["requests"] > 0


def test_every_dashboard_chart_renders_with_data(traffic: Traffic) -> None:
    assert CHROMIUM.exists(), "Debian's chromium is needed: apt-get install chromium"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            context = browser.new_context(
                http_credentials={"username": "admin", "password": traffic.proxy.master_key},
                viewport={"width": 1500, "height": 900},
            )
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(traffic.proxy.url + "/hr/admin/dashboard")
            page.wait_for_selector("body[data-ready='true']", timeout=15_000)
            page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
            points = {
                name: int(page.get_attribute(f"figure[data-chart='{name}']", "data-points") or 0)
                for name in CHARTS
            }
            marks = {
                name: page.locator(
                    f"figure[data-chart='{name}'] svg rect, figure[data-chart='{name}'] svg circle"
                ).count()
                for name in CHARTS
            }
            summary = page.inner_text("#summary")
        finally:
            browser.close()
    assert not errors, errors
    assert all(count > 0 for count in points.values()), points
    assert all(count > 0 for count in marks.values()), marks
    assert "requests" in summary and "all-cloud" in summary
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000

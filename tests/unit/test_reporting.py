"""Report arithmetic: busy time, the all-cloud counterfactual, rates, buckets, formats."""

import base64
import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from router_service.auth.client_auth import presented_key
from router_service.pricing import BusyTime, Prices
from router_service.reporting.render import parse_period, report_csv, report_dict, report_table
from router_service.reporting.summary import CostModel, align, bucket_size, summarize

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CLOUD = Prices(3.0, 15.0)


def row(second: float, duration: float = 1.0, **fields: Any) -> dict[str, Any]:
    started = START + timedelta(seconds=second)
    base: dict[str, Any] = {
        "started_at": started,
        "finished_at": started + timedelta(seconds=duration),
        "interaction_type": "rule:hours",
        "decision_reason": "rule:hours",
        "routed_to": "local",
        "escalation": "none",
        "local_attempts": 1,
        "status_code": 200,
        "prompt_tokens": 1000,
        "completion_tokens": 100,
        "cost_micros": 0,
        "followed_up": False,
    }
    return base | fields


def test_busy_time_counts_overlapping_intervals_once() -> None:
    busy = BusyTime()
    assert busy.add(0, 10) == 10
    assert busy.add(5, 12) == 2  # only the part after 10
    assert busy.add(6, 8) == 0  # inside what is counted
    assert busy.add(20, 21) == 1  # a gap is not busy
    assert busy.seconds == 13


def test_local_is_charged_its_gpu_time_and_the_cloud_its_tokens() -> None:
    rows = [
        row(0, 10),
        row(5, 10),  # overlaps the first: 5 s more busy time
        row(
            30,
            2,
            routed_to="cloud",
            local_attempts=0,
            cost_micros=4500,
            interaction_type="score:0.8-0.9",
        ),
    ]
    costs = CostModel(CLOUD, gpu_usd_per_hour=3.6)  # 1,000 µUSD per second
    summary = summarize(rows, costs, START, START + timedelta(hours=1))
    total = summary.total
    assert total.local_busy_s == pytest.approx(15)
    assert total.local_micros == pytest.approx(15_000)
    assert total.cloud_micros == 4500
    # Every answer priced at the cloud's rates: 1000 × 3 + 100 × 15 µUSD each.
    assert total.all_cloud_micros == 3 * 4500
    assert total.actual_micros == pytest.approx(19_500)
    assert (total.served_local, total.served_cloud) == (2, 1)
    assert summary.by_type["rule:hours"].requests == 2


def test_rates_count_escalations_of_local_decisions_and_follow_ups_of_answers() -> None:
    rows = [
        row(0, followed_up=True),
        row(10, escalation="invalid_output", local_attempts=2, cost_micros=4500),
        row(20, routed_to="cloud", local_attempts=0, decision_reason="breaker_open"),
        row(30, status_code=502, followed_up=False),
    ]
    summary = summarize(rows, CostModel(CLOUD), START, START + timedelta(minutes=5))
    total = summary.total
    assert total.escalations == 1
    assert total.escalation_rate == pytest.approx(1 / 3)  # three local decisions
    assert total.follow_up_rate == pytest.approx(1 / 3)  # three answers
    assert total.breaker_diverted == 1
    assert total.served_cloud == 2  # the escalated one and the one sent to the cloud


def test_refused_requests_are_counted_apart() -> None:
    rows = [row(0), row(1, routed_to=None, status_code=401, local_attempts=0)]
    summary = summarize(rows, CostModel(CLOUD), START, START + timedelta(minutes=5))
    assert (summary.total.requests, summary.refused) == (1, 1)


def test_buckets_fit_the_period() -> None:
    assert bucket_size(START, START + timedelta(minutes=30)) == 60
    assert bucket_size(START, START + timedelta(days=30)) == 86400
    assert bucket_size(START, START + timedelta(days=3)) == 3 * 3600
    assert align(START + timedelta(minutes=7, seconds=30), 300) == START + timedelta(minutes=5)
    rows = [row(0), row(3 * 3600)]
    summary = summarize(rows, CostModel(CLOUD), START, START + timedelta(hours=4))
    timeline = summary.timeline()
    assert len(timeline) == 4 * 3600 // summary.bucket_s
    assert sum(tally.requests for _, tally in timeline) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30d", timedelta(days=30)), ("12h", timedelta(hours=12)), (" 2w ", timedelta(weeks=2))],
)
def test_periods_parse(text: str, expected: timedelta) -> None:
    assert parse_period(text) == expected


@pytest.mark.parametrize("text", ["", "30", "d", "-3d", "0d", "3 days", "99999w", "9" * 40 + "d"])
def test_bad_periods_say_what_is_accepted(text: str) -> None:
    with pytest.raises(ValueError, match="30d"):
        parse_period(text)


def test_the_formats_agree() -> None:
    rows = [row(0), row(10, routed_to="cloud", local_attempts=0, cost_micros=4500,
                        interaction_type="rule:complaint")]  # fmt: skip
    summary = summarize(rows, CostModel(CLOUD), START, START + timedelta(minutes=5))
    report = report_dict(summary, "cafe")
    assert report["totals"]["savings_usd"] == pytest.approx(0.0045)  # the local answer's price
    parsed = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert [item["interaction_type"] for item in parsed] == ["rule:complaint", "rule:hours"]
    assert [item["tier"] for item in parsed] == ["cloud", "local"]
    table = "\n".join(report_table(report))
    assert "rule:complaint" in table and "saved $0.0045 (50.0%)" in table


def test_the_dashboard_takes_the_master_key_as_a_basic_password() -> None:
    basic = b"Basic " + base64.b64encode(b"admin:sk-secret")
    assert presented_key([(b"authorization", basic)], basic=True) == "sk-secret"
    assert presented_key([(b"authorization", basic)]) is None  # only where asked for
    assert presented_key([(b"authorization", b"Basic !!notbase64")], basic=True) is None

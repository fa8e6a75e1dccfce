"""The café replay's figures: cost before and after, the oracle, recall, escalations."""

import pytest

from bench.replay import Outcome, summarize


def outcome(truth: str, served: str, cost: int, before: int, **fields: str) -> Outcome:
    routed = fields.pop("routed_to", served)
    return Outcome(
        kind=fields.pop("kind", "faq"),
        truth=truth,
        request_id="r",
        routed_to=routed,
        served=served,
        reason="score",
        escalation=fields.pop("escalation", "none"),
        cost_micros=cost,
        all_cloud_micros=before,
    )


def test_savings_are_measured_against_an_oracle_router() -> None:
    outcomes = [
        outcome("local", "local", 0, 100),  # saved 100
        outcome("local", "cloud", 100, 100),  # a needless cloud call: nothing saved
        outcome("cloud", "cloud", 400, 400, kind="rag"),
        outcome(
            "cloud", "cloud", 300, 300, kind="edge", routed_to="local", escalation="invalid_output"
        ),
        Outcome(kind="faq", truth="local", error="APIError: boom"),
    ]
    result = summarize(outcomes)
    assert result["errors"] == 1
    assert result["before_usd"] == pytest.approx(900 / 1e6)
    assert result["after_usd"] == pytest.approx(800 / 1e6)
    assert result["oracle_usd"] == pytest.approx(700 / 1e6)
    # The oracle saves the two local-fine requests (200); the router saved 100.
    assert result["savings_vs_oracle"] == pytest.approx(0.5)
    assert result["cloud_recall"] == 1.0
    assert result["local_recall"] == 0.5
    assert result["escalation_rate"] == pytest.approx(1 / 2)  # one of two local decisions
    # An oracle whose local calls fail as often (one in two) pays the cloud
    # for half of its 200 local answers: it saves 100, as the router did.
    assert result["oracle_same_failures_usd"] == pytest.approx(800 / 1e6)
    assert result["savings_vs_oracle_same_failures"] == pytest.approx(1.0)
    assert result["kinds"]["faq"]["requests"] == 3
    assert result["kinds"]["faq"]["served_local"] == pytest.approx(0.5)

"""The learned scorer: export round trip, checksum, confidence, thresholds."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from classifier import Policy, extract_features
from classifier.model import ArtifactError, LogisticScorer, seal
from training.examples import Example, user_request
from training.fit import FitConfig, export, fit
from training.thresholds import choose_thresholds

DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"


@pytest.fixture(scope="module")
def small_model() -> tuple[object, dict[str, object], list[Example]]:
    mapping = json.loads((DATASETS / "tier_mapping.json").read_text())["intent_maps"]["banking77"]
    with (DATASETS / "banking77" / "train.csv").open() as handle:
        rows = list(csv.DictReader(handle))[::4]
    examples = [
        Example(user_request(row["text"]), mapping[row["category"]]["tier"], False, "b77", "train")
        for row in rows
    ]
    model = fit(examples, FitConfig(ensemble_size=3, calibration_folds=3))
    artifact = seal(
        {**export(model, "test-v1", {}), "thresholds": {"score": 0.3, "confidence": 0.5}}
    )
    return model, artifact, examples


def test_artifact_scores_match_scikit_learn(small_model: tuple) -> None:  # type: ignore[type-arg]
    model, artifact, examples = small_model
    texts = [example.request for example in examples[:300]] + [
        user_request("I was charged twice and want my money back!!"),
        user_request("completely unknown words zorblat quenx"),
        {"messages": [{"role": "system", "content": "Answer in JSON. " * 200},
                      {"role": "user", "content": "card arrival?"}]},
    ]  # fmt: skip
    features = [extract_features(request) for request in texts]
    scorer = LogisticScorer(json.loads(json.dumps(artifact)))  # through real JSON
    ours = np.array([scorer.score(item).score for item in features])
    np.testing.assert_allclose(ours, model.predict_proba(features), rtol=0, atol=1e-9)


def test_a_changed_artifact_is_refused(small_model: tuple) -> None:  # type: ignore[type-arg]
    _, artifact, _ = small_model
    tampered = {**artifact, "calibration": {"a": -1.0, "b": 0.0}}
    with pytest.raises(ArtifactError, match="checksum"):
        LogisticScorer(tampered)
    with pytest.raises(ArtifactError, match="not a hybrid-router-logistic"):
        LogisticScorer(seal({**artifact, "format": "pickle"}))


def test_confidence_falls_for_unfamiliar_input(small_model: tuple) -> None:  # type: ignore[type-arg]
    _, artifact, _ = small_model
    scorer = LogisticScorer(artifact)
    familiar = scorer.score(extract_features(user_request("My card has not arrived yet")))
    assert familiar.confidence > 0.8
    for text in ("カードがまだ届きません", "Моя карта ещё не пришла", "qwrtp zxcvb mnbvc"):
        assert scorer.score(extract_features(user_request(text))).confidence < 0.3, text


def test_thresholds_minimise_cost_under_the_recall_floor() -> None:
    rng = np.random.default_rng(0)
    needs_cloud = rng.random(2000) < 0.3
    scores = np.clip(np.where(needs_cloud, 0.7, 0.2) + rng.normal(0, 0.15, 2000), 0, 1)
    confidences = np.ones(2000)
    best, curve = choose_thresholds(scores, confidences, needs_cloud, 20.0, 0.95)
    assert best.cloud_recall >= 0.95
    assert best.cost_per_request == min(
        point.cost_per_request for point in curve if point.cloud_recall >= 0.95
    )
    # A cheaper cloud call (lower ratio) may never raise the recall it buys.
    cheap, _ = choose_thresholds(scores, confidences, needs_cloud, 2.0, 0.0)
    assert cheap.score_threshold >= best.score_threshold


def test_rows_a_rule_decides_do_not_pull_the_thresholds() -> None:
    # Local rows score 0.1-0.3, cloud rows 0.8; a few cloud rows the model
    # cannot tell from local ones (a complaint's terse follow-up) score 0.05,
    # and a rule sends them to the cloud before the model is asked.
    rng = np.random.default_rng(1)
    local = rng.uniform(0.1, 0.3, 300)
    scores = np.concatenate([local, np.full(60, 0.8), np.full(10, 0.05)])
    needs_cloud = np.concatenate([np.zeros(300, bool), np.ones(70, bool)])
    confidences = np.ones(len(scores))
    rule_tiers = [None] * 360 + ["cloud"] * 10
    blind, _ = choose_thresholds(scores, confidences, needs_cloud, 20.0, 0.95)
    aware, _ = choose_thresholds(scores, confidences, needs_cloud, 20.0, 0.95, None, rule_tiers)
    assert blind.score_threshold < 0.05 and blind.local_share == 0.0
    assert 0.3 <= aware.score_threshold < 0.8
    assert aware.cloud_recall == 1.0 and aware.local_share == 1.0


def test_shipped_model_is_used_and_routes_sensibly() -> None:
    from router_service.core.config import Settings
    from router_service.request_router import RequestRouter

    router = RequestRouter.from_settings(Settings())
    assert isinstance(router.scorer, LogisticScorer)
    assert router.policy == Policy(
        router.scorer.thresholds.score, router.scorer.thresholds.confidence
    )
    for text, tier in [
        ("Do you have vegan options?", "local"),
        ("Can I book a table for four tonight at 8?", "local"),
        ("My card payment was declined twice and I was still charged", "cloud"),
        ("日曜日は営業していますか", "cloud"),
    ]:
        decision = router.decide({"model": "auto", **user_request(text)})
        assert decision.tier == tier, (text, decision)
    rule = router.decide({"model": "auto", **user_request("I want to complain about the waiter")})
    assert rule.reason == "rule:complaint" and rule.score is None


def test_without_a_model_the_router_falls_back_to_the_soft_score(tmp_path: Path) -> None:
    from classifier import SoftScorer
    from router_service.core.config import Settings
    from router_service.request_router import RequestRouter

    router = RequestRouter.from_settings(Settings(model_path=tmp_path / "missing.json"))
    assert isinstance(router.scorer, SoftScorer)
    assert router.policy == Policy(0.35, 0.6)
    decision = router.decide({"model": "auto", **user_request("Can I bring my dog inside?")})
    assert (decision.tier, decision.classifier_version) == ("local", "soft-v1")
    assert router.decide({"model": "auto", **user_request("I want a refund")}).reason == (
        "rule:complaint"
    )


def test_thresholds_from_settings_override_the_model() -> None:
    from router_service.core.config import Settings
    from router_service.request_router import RequestRouter

    router = RequestRouter.from_settings(Settings(score_threshold=0.5))
    assert isinstance(router.scorer, LogisticScorer)
    assert router.policy.score_threshold == 0.5
    assert router.policy.confidence_threshold == router.scorer.thresholds.confidence


@pytest.mark.parametrize(
    "text",
    [
        "Öffnen Sie am Sonntag?",
        "¿Abren el domingo por la mañana?",
        "Czy macie wegańskie ciasto?",
        "日曜日は営業していますか",
        "qwrtp zxcvb mnbvc lkjhg",
    ],
)
def test_shipped_model_sends_foreign_and_gibberish_input_to_the_cloud(text: str) -> None:
    from router_service.core.config import Settings
    from router_service.request_router import RequestRouter

    router = RequestRouter.from_settings(Settings())
    decision = router.decide({"model": "auto", **user_request(text)})
    assert decision.confidence is not None
    assert decision.confidence < router.policy.confidence_threshold
    assert (decision.tier, decision.reason) == ("cloud", "low_confidence")

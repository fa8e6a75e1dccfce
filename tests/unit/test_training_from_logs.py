"""Training from the request log, piece by piece: labels, features, the streaming fit, the gate."""

import asyncio
import random
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from classifier import Policy, RuleSet, extract_features
from classifier.model import LogisticScorer
from router_service.request_log.fields import stored_features, stored_text
from training.chunk_file import ChunkFile
from training.evaluate import Evaluation, evaluate
from training.log_examples import LabelWeights, TrainingExample, features_from_log, label_row
from training.streaming_fit import StreamConfig, epochs_for, fit_streaming
from training.train import TrainOptions, _verdict

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
SETTLED = NOW - timedelta(minutes=2)
WEIGHTS = LabelWeights(admin=4, invalid_output=2, follow_up=1, no_follow_up=0.5)


def row(**changes: Any) -> dict[str, Any]:
    """A logged request answered locally in a conversation, long enough ago to be settled."""
    base = {
        "label": None, "label_source": None, "escalation": None,
        "actual_model": "ollama_chat/llama3.1:8b", "status_code": 200, "error": None,
        "conversation_id": "c-1", "followed_up": False,
        "finished_at": SETTLED - timedelta(seconds=1),
    }  # fmt: skip
    return {**base, **changes}


def test_each_kind_of_evidence_gives_its_label_and_weight() -> None:
    cases = {
        "admin says local": (row(label="local", label_source="admin", followed_up=True), (False, 4, "admin")),  # noqa: E501
        "invalid output": (row(escalation="invalid_output", actual_model="anthropic/x"), (True, 2, "invalid_output")),  # noqa: E501
        "followed up": (row(followed_up=True), (True, 1, "follow_up")),
        "settled, not followed up": (row(), (False, 0.5, "no_follow_up")),
    }  # fmt: skip
    for name, (evidence, expected) in cases.items():
        label = label_row(evidence, WEIGHTS, SETTLED)
        assert label is not None, name
        assert (label.needs_cloud, label.weight, label.source) == expected, name


def test_rows_that_say_nothing_about_the_tier_are_skipped() -> None:
    silent = {
        "answered by the cloud": row(actual_model="anthropic/claude-sonnet-4-5"),
        "failed": row(status_code=502, error="upstream"),
        "no conversation to follow it up": row(conversation_id=None),
        "too recent to know": row(finished_at=SETTLED + timedelta(seconds=5)),
    }
    for name, evidence in silent.items():
        assert label_row(evidence, WEIGHTS, SETTLED) is None, name


def test_features_rebuilt_from_a_log_row_score_like_the_request() -> None:
    request = {
        "messages": [
            {"role": "system", "content": "You are the assistant of Café Lune."},
            {"role": "user", "content": "do you have oat milk?"},
            {"role": "assistant", "content": "Yes, for 0.40 extra."},
            {"role": "user", "content": "and on Sunday, is the terrace open??"},
        ]
    }
    original = extract_features(request)
    rebuilt = features_from_log(
        str(stored_text(original, "redacted")), stored_features(original, "redacted")
    )
    # So the model reads what the router read; the rules' view of the rest of
    # the conversation is not stored (the model does not read it).
    rules_only = {"earlier_user_texts": (), "document_tokens": 0}
    assert rebuilt == replace(original, **rules_only)


def test_chunks_come_back_in_order_on_every_pass(tmp_path: Path) -> None:
    chunks = ChunkFile(tmp_path / "chunks.pickle")
    for number in range(3):
        chunks.append([number] * (number + 1))
    assert list(chunks) == [[0], [1, 1], [2, 2, 2]]
    assert list(chunks) == [[0], [1, 1], [2, 2, 2]]
    with pytest.raises(RuntimeError):
        chunks.append([3])


LOCAL_ASKS = ("do you have {} today", "is there {} on the menu", "how much is the {}")
CLOUD_ASKS = ("write a long poem about {}", "plan a catering menu around {} for 0 guests")
ITEMS = ("oat milk", "croissants", "carrot cake", "flat white", "soup", "bagels", "tea")


def synthetic(count: int, seed: int) -> list[TrainingExample]:
    rng = random.Random(seed)
    examples = []
    for _ in range(count):
        cloud = rng.random() < 0.3
        text = rng.choice(CLOUD_ASKS if cloud else LOCAL_ASKS).format(rng.choice(ITEMS))
        features = extract_features({"messages": [{"role": "user", "content": text}]})
        examples.append(TrainingExample(features, cloud, 1.0, None, "file"))
    return examples


def stream(examples: Sequence[TrainingExample], size: int = 50) -> Any:
    async def chunks() -> AsyncIterator[list[TrainingExample]]:
        for start in range(0, len(examples), size):
            yield list(examples[start : start + size])

    return chunks


def test_the_streaming_fit_learns_and_exports_an_artifact_the_proxy_scores() -> None:
    model = asyncio.run(
        fit_streaming(stream(synthetic(600, 1)), stream(synthetic(200, 2)), StreamConfig(), "t", {})
    )
    scorer = LogisticScorer(model.artifact)  # sealed, checked, loadable
    assert model.training_rows == 600 and scorer.version == "t"
    held_out = synthetic(200, 3)
    policy = Policy(scorer.thresholds.score, scorer.thresholds.confidence)
    judged = asyncio.run(evaluate(stream(held_out), RuleSet([]), {"t": (scorer, policy)}, 20.0))
    assert judged["t"].roc_auc is not None and judged["t"].roc_auc > 0.95
    assert judged["t"].cloud_recall == 1.0


def test_thresholds_are_chosen_on_the_operators_rows_when_they_hold_enough_of_each_tier() -> None:
    def fitted(own: int) -> Any:
        shipped = [replace(example, source="shipped") for example in synthetic(200, 5)]
        validation = synthetic(own, 2) + shipped
        model = asyncio.run(
            fit_streaming(stream(synthetic(600, 1)), stream(validation), StreamConfig(), "t", {})
        )
        return model.artifact["training"]["validation"]

    enough = fitted(200)  # about 60 for the cloud, 140 local
    assert (enough["rows"], enough["threshold_rows"]) == (400, 200)
    too_few = fitted(40)  # about 12 for the cloud: all rows choose
    assert (too_few["rows"], too_few["threshold_rows"]) == (240, 240)


def test_a_rare_yes_no_signal_is_centred_not_scaled_up() -> None:
    examples = synthetic(600, 1)
    with_url = extract_features(
        {"messages": [{"role": "user", "content": "is this https://example.com your menu"}]}
    )
    examples[7] = TrainingExample(with_url, False, 1.0, None, "file")
    model = asyncio.run(
        fit_streaming(stream(examples), stream(synthetic(200, 2)), StreamConfig(), "t", {})
    )
    numeric = model.artifact["numeric"]
    scale = dict(zip(numeric["names"], numeric["scale"], strict=True))
    # Its spread is 0.04: divided by it, that one row would reach 24 and swing SGD's steps.
    assert scale["has_url"] == 1.0
    assert min(scale.values()) >= 1.0


def test_training_refuses_examples_of_one_tier_only() -> None:
    local_only = [example for example in synthetic(300, 4) if not example.needs_cloud]
    with pytest.raises(ValueError, match="both tiers"):
        asyncio.run(fit_streaming(stream(local_only), stream(local_only), StreamConfig(), "t", {}))


def test_promotion_needs_a_lower_expected_cost_by_the_margin_asked() -> None:
    def judged(cost: float) -> Evaluation:
        return Evaluation(rows=100, cost_per_request=cost, cloud_recall=1, local_share=1, roc_auc=1)

    assert _verdict(judged(0.9), judged(1.0), TrainOptions())[0]
    assert not _verdict(judged(1.0), judged(1.0), TrainOptions())[0]  # equal is not better
    assert not _verdict(judged(0.97), judged(1.0), TrainOptions(min_improvement=0.05))[0]
    assert _verdict(judged(2.0), judged(1.0), TrainOptions(force=True))[0]
    nothing_to_judge = Evaluation(0, 0.0, None, None, None)
    assert not _verdict(nothing_to_judge, judged(1.0), TrainOptions())[0]


def test_the_number_of_epochs_follows_the_rows_within_bounds() -> None:
    auto = StreamConfig()
    assert epochs_for(auto, 45_000) == 20  # the shipped data: the most
    assert epochs_for(auto, 250_000) == 4
    assert epochs_for(auto, 1_000_000) == 2  # a large log: the fewest
    assert epochs_for(StreamConfig(epochs=7), 1_000_000) == 7  # --epochs wins

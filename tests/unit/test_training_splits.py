"""Which file examples train, validate and judge a candidate in `hybrid-router train`."""

import json
from collections import Counter
from pathlib import Path

import pytest

from classifier import extract_features
from training.bootstrap import DEFAULT_OUT, shipped_examples, split_holdout
from training.datasets import DEFAULT_DATASETS_DIR
from training.fit import FitConfig
from training.log_examples import TrainingExample
from training.train import CHUNK, TrainOptions, file_splits


def shipped_training() -> dict[str, int]:
    """What the shipped model records of its fit: its training and held-out row counts."""
    return json.loads(DEFAULT_OUT.read_text(encoding="utf-8"))["training"]  # type: ignore[no-any-return]


def texts(examples: list[TrainingExample]) -> Counter[str]:
    return Counter(example.features.last_user_text for example in examples)


@pytest.fixture(scope="module")
def own_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An operator's labelled file: 200 requests, a quarter of them for the cloud."""
    path = tmp_path_factory.mktemp("labels") / "labelled.jsonl"
    lines = []
    for number in range(200):
        cloud = number % 4 == 0
        text = f"write a toast for table {number}" if cloud else f"is table {number} free"
        request = {"messages": [{"role": "user", "content": text}]}
        tier = "cloud" if cloud else "local"
        lines.append(json.dumps({"tier": tier, "topic": "tables", "request": request}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_with_only_the_shipped_data_the_judges_are_the_rows_the_shipped_model_never_saw() -> None:
    train, validation, holdout = file_splits(
        TrainOptions(origin="files", bootstrap=True), judged_by_log=False
    )
    _, never_seen = split_holdout(shipped_examples(DEFAULT_DATASETS_DIR), FitConfig().seed)
    shipped = shipped_training()
    assert len(holdout) == len(never_seen) == shipped["holdout_rows"]
    assert texts(holdout) == Counter(
        extract_features(example.request).last_user_text for example in never_seen
    )
    assert len(train) + len(validation) == shipped["rows"]
    assert {example.source for example in holdout} == {"shipped"}


def test_the_operators_own_rows_judge_and_set_the_thresholds_when_there_are_some(
    own_file: Path,
) -> None:
    options = TrainOptions(origin="files", files=(own_file,), bootstrap=True)
    train, validation, holdout = file_splits(options, judged_by_log=False)
    assert len(holdout) == 30 and {example.source for example in holdout} == {"file"}
    assert 30 <= sum(example.source == "file" for example in validation) <= 31  # 15%, rounded up
    # The shipped model's held-out rows train the candidate instead.
    shipped = shipped_training()
    assert len(train) + len(validation) - 170 == shipped["rows"] + shipped["holdout_rows"]
    # The operator's rows count as the shipped model counted its café rows.
    assert {example.weight for example in holdout} == {FitConfig().cafe_weight}
    # Shuffled together: SGD meets the operator's rows in every chunk, not in one.
    chunks = [train[start : start + CHUNK] for start in range(0, len(train), CHUNK)]
    assert all(any(example.source == "file" for example in chunk) for chunk in chunks)


def test_when_the_log_judges_every_held_out_file_row_trains(own_file: Path) -> None:
    options = TrainOptions(origin="both", files=(own_file,), bootstrap=True)
    train, validation, holdout = file_splits(options, judged_by_log=True)
    shipped = shipped_training()
    assert holdout == []
    assert len(train) + len(validation) == 200 + shipped["rows"] + shipped["holdout_rows"]

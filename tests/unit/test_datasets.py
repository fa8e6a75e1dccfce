"""Dataset loaders against the real files in shared/datasets, and the café set.

Counts are exact: the source files are pinned snapshots, so any change here
means a loader (or the tier mapping) changed behaviour.
"""

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from classifier.messages import normalise_turns
from classifier.tokens import estimate_tokens
from training.cafe import DEFAULT_CAFE_PATH, load_cafe_examples
from training.datasets import DEFAULT_DATASETS_DIR, load_evaluation_sets, load_training_examples
from training.examples import Example

# (rows, local, cloud, unknown, clear): clear = definite tier and not borderline.
TRAINING_TALLY = {
    "banking77": (10003, 5092, 4911, 0, 7326),
    "clinc150": (18000, 16560, 1440, 0, 16560),
    "nlupp": (3080, 2543, 537, 0, 2927),
    "restaurant8k": (8198, 8198, 0, 0, 8198),
    "hwu64": (11036, 10648, 388, 0, 10112),
}
EVALUATION_TALLY = {
    "banking77_test": (3080, 1680, 1400, 0, 2280),
    "clinc150_test": (5500, 4140, 360, 1000, 4140),
    "restaurant8k_test": (3731, 3731, 0, 0, 3731),
    "sgd_restaurants": (2836, 2836, 0, 0, 2836),
    "multidogo_test": (4056, 3890, 0, 166, 3890),  # 2 empty utterances skipped
    "arena_hard": (500, 0, 500, 0, 500),
    "mt_bench": (160, 0, 160, 0, 160),
    "gsm8k": (1319, 0, 1319, 0, 383),  # clear = needs_strong rows
    "self_instruct": (252, 17, 235, 0, 235),  # 17 classification items, borderline local
}
# Evaluation rows whose exact text also occurs in the training data. All of it
# is duplication inside the sources ("13", "thank you", the same banking
# question in Banking77 train and test), measured once and pinned here.
EVALUATION_TEXT_IN_TRAINING = {"banking77_test": 7, "clinc150_test": 11, "restaurant8k_test": 157}
CAFE_LINES = 1352
LONG_CONTEXT_TOKENS = 1500


@pytest.fixture(scope="module")
def training() -> list[Example]:
    return load_training_examples(DEFAULT_DATASETS_DIR)


@pytest.fixture(scope="module")
def evaluation() -> dict[str, list[Example]]:
    return load_evaluation_sets(DEFAULT_DATASETS_DIR)


@pytest.fixture(scope="module")
def cafe_train() -> list[Example]:
    return load_cafe_examples()


@pytest.fixture(scope="module")
def cafe_test() -> list[Example]:
    return load_cafe_examples(split="test")


def _tally(rows: list[Example]) -> tuple[int, int, int, int, int]:
    tiers = Counter(row.tier for row in rows)
    clear = sum(row.clear for row in rows)
    return len(rows), tiers["local"], tiers["cloud"], tiers["unknown"], clear


def _last_text(example: Example) -> str:
    return str(example.request["messages"][-1]["content"])


def _all_text(example: Example) -> str:
    return "\n".join(turn.text for turn in normalise_turns(example.request))


def _user_turns(example: Example) -> int:
    return sum(message["role"] == "user" for message in example.request["messages"])


# -- public datasets -----------------------------------------------------------


def test_training_rows_per_source_and_tier(training: list[Example]) -> None:
    by_source: dict[str, list[Example]] = {}
    for row in training:
        by_source.setdefault(row.source, []).append(row)
    assert {name: _tally(rows) for name, rows in by_source.items()} == TRAINING_TALLY
    assert {row.split for row in training} == {"train"}


def test_training_leaves_out_share_alike_and_unknown(training: list[Example]) -> None:
    assert not {"bitext", "sgd_restaurants"} & {row.source for row in training}
    assert all(row.tier != "unknown" for row in training)
    # HWU64 placeholders are replaced by the normalised text.
    assert not {"null", "xxx"} & {_last_text(row).lower() for row in training}


def test_evaluation_sets_sizes_and_tiers(evaluation: dict[str, list[Example]]) -> None:
    assert {name: _tally(rows) for name, rows in evaluation.items()} == EVALUATION_TALLY
    for rows in evaluation.values():
        assert {row.split for row in rows} == {"test"}
        assert all(_last_text(row).strip() for row in rows)


def test_intent_sets_have_both_tiers_where_expected(evaluation: dict[str, list[Example]]) -> None:
    banking = Counter(row.tier for row in evaluation["banking77_test"])
    assert banking["local"] == 40 * 42 and banking["cloud"] == 40 * 35
    clinc_unknown = {row.intent for row in evaluation["clinc150_test"] if row.tier == "unknown"}
    assert clinc_unknown == {"oos"}
    assert {row.intent for row in evaluation["multidogo_test"] if row.tier == "unknown"} == {
        "outofdomain"
    }


def test_no_evaluation_text_in_training_beyond_source_duplicates(
    training: list[Example], evaluation: dict[str, list[Example]]
) -> None:
    training_texts = {_last_text(row) for row in training}
    overlap = {
        name: sum(_last_text(row) in training_texts for row in evaluation[name])
        for name in EVALUATION_TEXT_IN_TRAINING
    }
    assert overlap == EVALUATION_TEXT_IN_TRAINING


def test_sgd_turns_carry_the_conversation(evaluation: dict[str, list[Example]]) -> None:
    rows = evaluation["sgd_restaurants"]
    first, second = rows[0].request["messages"], rows[1].request["messages"]
    assert first == [
        {"role": "user", "content": "Hi, could you get me a restaurant booking on the 8th please?"}
    ]
    assert [message["role"] for message in second] == ["user", "assistant", "user"]
    assert second[:1] == first
    assert second[1]["content"] == "Any preference on the restaurant, location and time?"
    for row in rows:
        roles = [message["role"] for message in row.request["messages"]]
        assert roles == ["user", "assistant"] * (len(roles) // 2) + ["user"]
    assert sum(len(row.request["messages"]) > 1 for row in rows) == 2836 - 257


def test_mt_bench_turn_two_includes_turn_one(evaluation: dict[str, list[Example]]) -> None:
    rows = evaluation["mt_bench"]
    turn_two = rows[1].request["messages"]
    assert [message["role"] for message in turn_two] == ["user", "assistant", "user"]
    assert turn_two[0] == rows[0].request["messages"][0]
    assert turn_two[1]["content"] == "(previous answer)"  # question 81 has no reference
    assert sum(row.intent is not None and "needs_strong" in row.intent for row in rows) == 30


def test_gsm8k_outcomes(evaluation: dict[str, list[Example]]) -> None:
    outcomes = Counter(row.intent for row in evaluation["gsm8k"])
    assert outcomes == {"both_correct": 747, "needs_strong": 383, "weak_only": 95, "both_wrong": 94}


# -- café examples ---------------------------------------------------------------


def test_cafe_split_sizes_and_labels(cafe_train: list[Example], cafe_test: list[Example]) -> None:
    assert (len(cafe_train), len(cafe_test)) == (CAFE_LINES - CAFE_LINES // 5, CAFE_LINES // 5)
    for rows, split in ((cafe_train, "train"), (cafe_test, "test")):
        assert {row.tier for row in rows} == {"local", "cloud"}
        assert {(row.source, row.split, row.borderline) for row in rows} == {("cafe", split, False)}


def test_cafe_train_and_test_are_disjoint(
    cafe_train: list[Example], cafe_test: list[Example]
) -> None:
    def key(row: Example) -> str:
        return json.dumps(row.request, sort_keys=True, ensure_ascii=False)

    assert not {key(row) for row in cafe_train} & {key(row) for row in cafe_test}


@pytest.mark.parametrize("split", ["train", "test"])
def test_cafe_covers_multi_turn_long_context_and_json(
    split: str, cafe_train: list[Example], cafe_test: list[Example]
) -> None:
    rows = cafe_train if split == "train" else cafe_test
    multi_turn = [row for row in rows if _user_turns(row) > 1]
    long_context = [row for row in rows if estimate_tokens(_all_text(row)) >= LONG_CONTEXT_TOKENS]
    json_format = [row for row in rows if "response_format" in row.request]
    json_inline = [row for row in rows if "json" in _last_text(row).lower()]
    assert {row.tier for row in multi_turn} == {"local", "cloud"}
    assert long_context and {row.tier for row in long_context} == {"cloud"}
    assert json_format and json_inline
    assert all(row.tier == "cloud" for row in json_format + json_inline)


def test_cafe_whole_file_stats(cafe_train: list[Example], cafe_test: list[Example]) -> None:
    rows = cafe_train + cafe_test
    assert sum(_user_turns(row) > 1 for row in rows) == 342
    assert sum(estimate_tokens(_all_text(row)) >= LONG_CONTEXT_TOKENS for row in rows) == 23
    formats = Counter(row.request.get("response_format", {}).get("type") for row in rows)
    assert formats["json_object"] == 4 and formats["json_schema"] == 3
    assert sum(row.request["messages"][0]["role"] == "system" for row in rows) == 734
    assert not any("<<document>>" in _all_text(row) for row in rows)
    assert max(estimate_tokens(_all_text(row)) for row in rows) < 4000


# -- café loader contract ----------------------------------------------------------


def _write_lines(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    return path


def test_cafe_loader_takes_every_fifth_line_for_test(tmp_path: Path) -> None:
    lines = [
        {"tier": "local", "topic": "t", "note": "n", "request": {"messages": [
            {"role": "user", "content": f"line {number}"}]}}
        for number in range(1, 11)
    ]  # fmt: skip
    path = _write_lines(tmp_path / "examples.jsonl", lines)
    assert [_last_text(row) for row in load_cafe_examples(path, "test")] == ["line 5", "line 10"]
    assert len(load_cafe_examples(path)) == 8


def test_cafe_loader_splices_documents_and_system_prompts(tmp_path: Path) -> None:
    (tmp_path / "cafe_documents").mkdir()
    (tmp_path / "cafe_documents" / "doc.md").write_text("DOCUMENT TEXT\n", encoding="utf-8")
    (tmp_path / "cafe_system_prompts").mkdir()
    (tmp_path / "cafe_system_prompts" / "bot.md").write_text("BOT PROMPT", encoding="utf-8")
    line = {"tier": "cloud", "topic": "rag", "note": "n", "system_prompt": "bot",
            "document": "doc", "request": {"messages": [
                {"role": "user", "content": "Read:\n<<document>>\nQuestion?"}]}}  # fmt: skip
    (row,) = load_cafe_examples(_write_lines(tmp_path / "examples.jsonl", [line]))
    assert row.request["messages"] == [
        {"role": "system", "content": "BOT PROMPT"},
        {"role": "user", "content": "Read:\nDOCUMENT TEXT\nQuestion?"},
    ]


def test_cafe_loader_rejects_a_document_without_marker(tmp_path: Path) -> None:
    (tmp_path / "cafe_documents").mkdir()
    (tmp_path / "cafe_documents" / "doc.md").write_text("text", encoding="utf-8")
    line = {"tier": "cloud", "topic": "rag", "note": "n", "document": "doc",
            "request": {"messages": [{"role": "user", "content": "no marker"}]}}  # fmt: skip
    with pytest.raises(ValueError, match="example 1"):
        load_cafe_examples(_write_lines(tmp_path / "examples.jsonl", [line]))


def test_cafe_default_file_is_the_shipped_one() -> None:
    assert DEFAULT_CAFE_PATH.is_file()
    lines = [line for line in DEFAULT_CAFE_PATH.read_text(encoding="utf-8").splitlines() if line]
    assert len(lines) == CAFE_LINES

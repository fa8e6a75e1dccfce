"""Public datasets as labelled `Example`s: bootstrap training data and held-out sets.

Each dataset has one small private loader that reads its files as the folder's
README describes them and labels rows through `tier_mapping.json`. Rows come
back in file order, and rows whose text is empty are skipped.

Training uses only permissively licensed training splits (CC BY / CC BY 3.0):
Banking77 train, CLINC150 train + val, NLU++ (all folds), Restaurant-8k train
and HWU64. Bitext (CDLA-Sharing) and SGD (CC BY-SA) are left out because the
product ships what it is trained on, and share-alike would follow it.
"""

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from training.examples import Example, user_request
from training.tier_mapping import TierLabel, TierMapping, as_tier

DEFAULT_DATASETS_DIR = Path(__file__).resolve().parents[2] / "shared" / "datasets"

# HWU64's README: some raw texts are placeholders; the normalised column holds
# the utterance.
HWU64_PLACEHOLDERS = frozenset({"null", "xxx"})
MULTIDOGO_INTENT_SEPARATOR = "<div>"
MT_BENCH_STRONG = "gpt-4-1106-preview"
MT_BENCH_WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
MT_BENCH_SCORE_GAP = 2.0  # rules.mt_bench.needs_strong: strong - weak >= 2
# MT-Bench turn 2 refers to "your previous response"; without a reference
# answer the request still needs an assistant turn to be well formed.
MT_BENCH_ANSWER_PLACEHOLDER = "(previous answer)"
# Self-Instruct items that are short closed-label classification of a short
# input (sentiment, spam, offensive or not, category from a given list). The
# README and rules.self_instruct_user_oriented call these "borderline local";
# chosen by reading all 252 instructions. Everything else is generation,
# rewriting or structured output and keeps the cloud default.
SELF_INSTRUCT_LOCAL_TASKS = frozenset(
    {139, 158, 163, 164, 165, 166, 183, 184, 194, 197, 225, 232, 234, 235, 238, 243, 244}
)


def load_training_examples(datasets_dir: Path) -> list[Example]:
    """Permissively licensed training rows with a definite tier (no `unknown`)."""
    mapping = TierMapping.load(datasets_dir)
    rows = [
        *_banking77(datasets_dir, mapping, "train"),
        *_clinc150(datasets_dir, mapping, ("train", "val"), "train"),
        *_nlupp(datasets_dir, mapping),
        *_restaurant8k(datasets_dir, mapping, "train_0.json", "train"),
        *_hwu64(datasets_dir, mapping),
    ]
    return [row for row in rows if row.tier != "unknown"]


def load_evaluation_sets(datasets_dir: Path) -> dict[str, list[Example]]:
    """Held-out sets, never trained on, keyed by name."""
    mapping = TierMapping.load(datasets_dir)
    return {
        "banking77_test": _banking77(datasets_dir, mapping, "test"),
        "clinc150_test": _clinc150(datasets_dir, mapping, ("test", "oos_test"), "test"),
        "restaurant8k_test": _restaurant8k(datasets_dir, mapping, "test.json", "test"),
        "sgd_restaurants": _sgd_restaurants(datasets_dir, mapping),
        "multidogo_test": _multidogo(datasets_dir, mapping),
        "arena_hard": _arena_hard(datasets_dir, mapping),
        "mt_bench": _mt_bench(datasets_dir, mapping),
        "gsm8k": _gsm8k(datasets_dir, mapping),
        "self_instruct": _self_instruct(datasets_dir, mapping),
    }


# -- readers -----------------------------------------------------------------


def _read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _read_table(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    # A real CSV reader: MultiDoGO quotes utterances with embedded newlines.
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def _chat(turns: Iterable[tuple[str, str]]) -> dict[str, Any]:
    return {"messages": [{"role": role, "content": text} for role, text in turns]}


def _example(
    request: dict[str, Any], label: TierLabel, source: str, split: str, intent: str | None
) -> Example:
    return Example(request, label.tier, label.borderline, source, split, intent)


def _intent_example(
    mapping: TierMapping, dataset: str, text: str, intent: str, split: str
) -> Example:
    """A single-turn row of an intent-labelled set, labelled by its intent map."""
    return _example(user_request(text), mapping.intent(dataset, intent), dataset, split, intent)


# -- intent-labelled sets ------------------------------------------------------


def _banking77(datasets_dir: Path, mapping: TierMapping, split: str) -> list[Example]:
    rows = _read_table(datasets_dir / "banking77" / f"{split}.csv")
    return [
        _intent_example(mapping, "banking77", text, row["category"], split)
        for row in rows
        if (text := row["text"].strip())
    ]


def _clinc150(
    datasets_dir: Path, mapping: TierMapping, keys: tuple[str, ...], split: str
) -> list[Example]:
    data = _read_json(datasets_dir / "clinc150" / "data_full.json")
    return [
        _intent_example(mapping, "clinc150", text.strip(), intent, split)
        for key in keys
        for text, intent in data[key]
        if text.strip()
    ]


def _hwu64(datasets_dir: Path, mapping: TierMapping) -> list[Example]:
    examples = []
    for row in _read_table(datasets_dir / "hwu64" / "hwu64_cv_union.csv"):
        text = row["text"].strip()
        if text.lower() in HWU64_PLACEHOLDERS:
            text = row["text_normalised"].strip()
        if text:
            examples.append(_intent_example(mapping, "hwu64", text, row["label"], "train"))
    return examples


def _multidogo(datasets_dir: Path, mapping: TierMapping) -> list[Example]:
    # Customer turns only (the agent side is not in the paper splits), so each
    # turn stands alone; several intents are joined with "<div>".
    rows = _read_table(datasets_dir / "multidogo_fastfood" / "test.tsv", delimiter="\t")
    return [
        _example(
            user_request(text),
            mapping.intents("multidogo_fastfood", row["intent"].split(MULTIDOGO_INTENT_SEPARATOR)),
            "multidogo_fastfood",
            "test",
            row["intent"],
        )
        for row in rows
        if (text := row["utterance"].strip())
    ]


# -- rule-labelled sets --------------------------------------------------------


def _nlupp(datasets_dir: Path, mapping: TierMapping) -> list[Example]:
    # Not an evaluation set, so all 20 folds of both domains are training data.
    examples = []
    for domain in ("banking", "hotels"):
        folds = sorted((datasets_dir / "nlupp" / domain).glob("fold*.json"), key=_fold_number)
        for fold in folds:
            for row in _read_json(fold):
                intents = row.get("intents", [])
                if text := row["text"].strip():
                    label = mapping.nlupp(intents)
                    intent = "+".join(intents) or None
                    examples.append(_example(user_request(text), label, "nlupp", "train", intent))
    return examples


def _fold_number(path: Path) -> int:
    return int(path.stem.removeprefix("fold"))


def _restaurant8k(
    datasets_dir: Path, mapping: TierMapping, file_name: str, split: str
) -> list[Example]:
    # `context.requestedSlots` names the slot the system asked for but holds no
    # text, so each row is the user's turn alone.
    label = mapping.whole_set("restaurant8k")
    rows = _read_json(datasets_dir / "restaurant8k" / file_name)
    return [
        _example(user_request(text), label, "restaurant8k", split, None)
        for row in rows
        if (text := row["userInput"]["text"].strip())
    ]


def _sgd_restaurants(datasets_dir: Path, mapping: TierMapping) -> list[Example]:
    """One example per user turn, carrying every earlier user and system turn."""
    label = mapping.whole_set("sgd_restaurants")
    dialogues = _read_json(datasets_dir / "sgd_restaurants" / "restaurants_test_dialogues.json")
    examples = []
    for dialogue in dialogues:
        history: list[tuple[str, str]] = []
        for turn in dialogue["turns"]:
            role = "user" if turn["speaker"] == "USER" else "assistant"
            text = turn["utterance"].strip()
            if not text:
                continue
            history.append((role, text))
            if role == "user":
                request = _chat(history)
                intent = _sgd_intent(turn["frames"])
                examples.append(_example(request, label, "sgd_restaurants", "test", intent))
    return examples


def _sgd_intent(frames: list[dict[str, Any]]) -> str | None:
    # Multi-domain dialogues have several frames; the restaurant one names the task.
    ordered = sorted(frames, key=lambda frame: not frame["service"].startswith("Restaurants"))
    return next(
        (str(frame["active_intent"]) for frame in ordered if "active_intent" in frame), None
    )


def _arena_hard(datasets_dir: Path, mapping: TierMapping) -> list[Example]:
    label = mapping.whole_set("arena_hard")
    return [
        _example(user_request(text), label, "arena_hard", "test", row["cluster"])
        for row in _read_jsonl(datasets_dir / "arena_hard" / "question.jsonl")
        if (text := row["turns"][0]["content"].strip())
    ]


def _mt_bench(datasets_dir: Path, mapping: TierMapping) -> list[Example]:
    """Two examples per question; turn 2 carries turn 1 and a stand-in answer.

    Tier: cloud where the judge-score gap says the strong model is needed,
    otherwise the category default (cloud for every category today). The
    intent is the category, suffixed `+needs_strong` where the gap rule fired.
    Vicuna-Bench has no scores and no rule, so it is not loaded.
    """
    rule = mapping.rule("mt_bench")
    needs_strong = _mt_bench_needs_strong(datasets_dir / "mt_bench")
    examples = []
    for question in _read_jsonl(datasets_dir / "mt_bench" / "question.jsonl"):
        first, second = (text.strip() for text in question["turns"])
        answer = (question.get("reference") or [MT_BENCH_ANSWER_PLACEHOLDER])[0]
        turns = [[("user", first)], [("user", first), ("assistant", answer), ("user", second)]]
        for number, history in enumerate(turns, start=1):
            strong = (question["question_id"], number) in needs_strong
            default = as_tier(rule["category_default"][question["category"]])
            label = TierLabel("cloud" if strong else default, False)
            intent = question["category"] + ("+needs_strong" if strong else "")
            examples.append(_example(_chat(history), label, "mt_bench", "test", intent))
    return examples


def _mt_bench_needs_strong(folder: Path) -> set[tuple[int, int]]:
    scores = {
        (row["question_id"], row["turn"], row["model"]): float(row["score"])
        for row in _read_jsonl(folder / "routellm_judgements_scores.jsonl")
    }
    return {
        (question_id, turn)
        for question_id, turn, model in scores
        if model == MT_BENCH_STRONG
        and scores[(question_id, turn, model)] - scores[(question_id, turn, MT_BENCH_WEAK)]
        >= MT_BENCH_SCORE_GAP
    }


def _gsm8k(datasets_dir: Path, mapping: TierMapping) -> list[Example]:
    """Every problem is cloud (`all_default`: multi-step arithmetic).

    `needs_strong` (Mixtral wrong, GPT-4 right) never makes a row local: the
    local llama3.1:8b is weaker than Mixtral, so "Mixtral solved it" does not
    show the local model would. It decides `borderline` instead: the 383
    needs_strong rows are the clear headline, the rest (both right, both
    wrong, only Mixtral right) are cloud but borderline. The intent records
    which of the four outcomes the row had.
    """
    default = as_tier(mapping.rule("gsm8k_routellm")["all_default"])
    examples = []
    for row in _read_jsonl(datasets_dir / "gsm8k_routellm" / "gsm8k_test_routellm_labels.jsonl"):
        if not (text := row["question"].strip()):
            continue
        outcome = _gsm8k_outcome(row["mixtral_8x7b_correct"], row["gpt4_1106_correct"])
        label = TierLabel(default, outcome != "needs_strong")
        examples.append(_example(user_request(text), label, "gsm8k_routellm", "test", outcome))
    return examples


def _gsm8k_outcome(weak_correct: bool, strong_correct: bool) -> str:
    if strong_correct:
        return "both_correct" if weak_correct else "needs_strong"
    return "weak_only" if weak_correct else "both_wrong"


def _self_instruct(datasets_dir: Path, mapping: TierMapping) -> list[Example]:
    """Instruction plus its input; short classification items are borderline local."""
    default = TierLabel(as_tier(mapping.rule("self_instruct_user_oriented")["all_default"]), False)
    path = datasets_dir / "self_instruct_user_oriented" / "user_oriented_instructions.jsonl"
    examples = []
    for row in _read_jsonl(path):
        parts = [row["instruction"].strip(), row["instances"][0]["input"].strip()]
        if not (text := "\n\n".join(part for part in parts if part)):
            continue
        task = int(row["id"].rsplit("_", 1)[1])
        label = TierLabel("local", True) if task in SELF_INSTRUCT_LOCAL_TASKS else default
        source = "self_instruct_user_oriented"
        examples.append(_example(user_request(text), label, source, "test", row["motivation_app"]))
    return examples

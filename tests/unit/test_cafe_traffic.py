"""The café month generator against the real files in shared/datasets.

No network: the generator only reads the permissive dataset folders, so these
tests run wherever test_datasets.py runs (and fail the same way without them).
"""

import itertools
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from bench.cafe_traffic import (
    DEFAULT_DATASETS,
    KIND_SHARES,
    KINDS,
    SYSTEM_PROMPT,
    CafeRequest,
    cafe_month,
)
from classifier.tokens import estimate_tokens

REQUESTS = 6000
SHARE_TOLERANCE = 0.015
DOCUMENT_TOKENS = 300
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
# Every generation task the month writes asks for one of these.
GENERATION_WORDS = ("write", "draft", "plan", "translate", "create", "come up", "напиши",
                    "составь", "переведи", "придумай")  # fmt: skip
ALLERGY_WORDS = ("allerg", "anaphyla", "coeliac", "epipen", "nut", "gluten", "dairy", "celery",
                 "аллерг", "целиак", "орех")  # fmt: skip
SHARE_ALIKE_FOLDERS = {"sgd_restaurants", "bitext_customer_support"}
# Largest remainder of 0.61 / 0.18 / 0.12 / 0.09 of a tiny month.
TINY_MIX = {
    0: {"faq": 0, "menu": 0, "edge": 0, "rag": 0},
    1: {"faq": 1, "menu": 0, "edge": 0, "rag": 0},
    7: {"faq": 4, "menu": 1, "edge": 1, "rag": 1},
}


@pytest.fixture(scope="module")
def month() -> list[CafeRequest]:
    return cafe_month(REQUESTS, seed=0)


@pytest.fixture(scope="module")
def conversations(month: list[CafeRequest]) -> dict[str, list[CafeRequest]]:
    by_id: dict[str, list[CafeRequest]] = {}
    for request in month:
        by_id.setdefault(request.conversation_id, []).append(request)
    return by_id


def _last_user_text(request: CafeRequest) -> str:
    return request.messages[-1]["content"]


def _user_texts(request: CafeRequest) -> list[str]:
    return [message["content"] for message in request.messages if message["role"] == "user"]


def test_exact_count_and_kind_shares(month: list[CafeRequest]) -> None:
    assert len(month) == REQUESTS
    counts = Counter(request.kind for request in month)
    assert set(counts) == set(KINDS)
    for kind in KINDS:
        assert abs(counts[kind] / REQUESTS - KIND_SHARES[kind]) <= SHARE_TOLERANCE, kind


def test_truths_follow_the_kind(month: list[CafeRequest]) -> None:
    assert {request.truth for request in month} == {"local", "cloud"}
    by_kind = {kind: Counter(r.truth for r in month if r.kind == kind) for kind in KINDS}
    assert by_kind["faq"] == {"local": by_kind["faq"].total()}
    assert by_kind["edge"] == {"cloud": by_kind["edge"].total()}
    assert by_kind["rag"] == {"cloud": by_kind["rag"].total()}
    # About one menu question in ten is an allergy question, and those need the cloud.
    assert 0.05 <= by_kind["menu"]["cloud"] / by_kind["menu"].total() <= 0.15
    for request in month:
        if request.kind == "menu" and request.truth == "cloud":
            text = _last_user_text(request).lower()
            assert any(word in text for word in ALLERGY_WORDS), text


def test_every_request_starts_with_the_system_prompt(month: list[CafeRequest]) -> None:
    assert 360 <= estimate_tokens(SYSTEM_PROMPT) <= 440
    for request in month:
        assert request.messages[0] == {"role": "system", "content": SYSTEM_PROMPT}
        assert request.messages[-1]["role"] == "user" and request.messages[-1]["content"]


def test_turns_are_ordered_and_carry_the_history(
    conversations: dict[str, list[CafeRequest]],
) -> None:
    for turns in conversations.values():
        assert [request.turn for request in turns] == list(range(len(turns)))
        for earlier, later in itertools.pairwise(turns):
            assert later.messages[: len(earlier.messages)] == earlier.messages
            assert later.messages[len(earlier.messages)]["role"] == "assistant"


def test_some_conversations_are_multi_turn_with_mixed_truths(
    conversations: dict[str, list[CafeRequest]],
) -> None:
    multi = [turns for turns in conversations.values() if len(turns) > 1]
    assert 0.30 <= len(multi) / len(conversations) <= 0.50
    assert max(len(turns) for turns in multi) == 4
    # A follow-up's truth is its own: "and on Sunday?" stays local, a complaint goes cloud.
    assert any(len({request.truth for request in turns}) == 2 for turns in multi)


def test_same_seed_same_month_other_seed_other_month(month: list[CafeRequest]) -> None:
    assert cafe_month(REQUESTS, seed=0) == month
    assert cafe_month(REQUESTS, seed=1) != month


def test_rag_requests_carry_a_document_or_ask_for_generation(month: list[CafeRequest]) -> None:
    documents = 0
    for request in (r for r in month if r.kind == "rag"):
        texts = [message["content"] for message in request.messages[1:]]
        has_document = max(estimate_tokens(text) for text in texts) >= DOCUMENT_TOKENS
        generation = any(
            word in text.lower() for text in _user_texts(request) for word in GENERATION_WORDS
        )
        assert has_document or generation, _last_user_text(request)
        documents += has_document
    assert documents > 0


def test_json_output_only_in_rag(month: list[CafeRequest]) -> None:
    json_kinds = Counter(request.kind for request in month if request.response_format_json)
    assert set(json_kinds) == {"rag"}
    rag = sum(request.kind == "rag" for request in month)
    assert 0.10 <= json_kinds["rag"] / rag <= 0.30
    assert all("json" in _last_user_text(r).lower() for r in month if r.response_format_json)


def test_max_tokens_by_kind(month: list[CafeRequest]) -> None:
    for request in month:
        low, high = (150, 300) if request.kind in ("faq", "menu") else (400, 1500)
        assert low <= request.max_tokens <= high


def test_some_russian_but_mostly_english(month: list[CafeRequest]) -> None:
    russian = sum(bool(CYRILLIC.search(_last_user_text(request))) for request in month)
    assert 0.02 <= russian / REQUESTS <= 0.10


def test_public_phrasings_are_used(month: list[CafeRequest]) -> None:
    texts = {_last_user_text(request) for request in month}
    rows = json.loads((DEFAULT_DATASETS / "restaurant8k" / "test.json").read_text("utf-8"))
    assert len(texts & {row["userInput"]["text"].strip() for row in rows}) >= 50


def test_share_alike_sets_are_never_read(tmp_path: Path) -> None:
    """With the SGD and Bitext folders gone the month is the same, so nothing came from them."""
    for entry in DEFAULT_DATASETS.iterdir():
        if entry.name not in SHARE_ALIKE_FOLDERS:
            (tmp_path / entry.name).symlink_to(entry)
    assert cafe_month(500, seed=3, datasets_dir=tmp_path) == cafe_month(500, seed=3)


@pytest.mark.parametrize("requests", [0, 1, 7])
def test_tiny_months(requests: int) -> None:
    month = cafe_month(requests, seed=2)
    assert len(month) == requests
    assert Counter(request.kind for request in month) == Counter(
        {kind: count for kind, count in TINY_MIX[requests].items() if count}
    )

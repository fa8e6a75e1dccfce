"""The literal prefilter never rejects a text its regex would match."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.literals import required_literals, split_top_level
from router_service.core.config import Settings
from router_service.request_router import load_rules


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"\bcomplain", ["complain"]),
        (r"\b(terrible|awful)\b", ["terrible", "awful"]),
        (r"\bcharged (me )?twice\b|\bovercharg", ["charged ", "overcharg"]),
        (r"colou?r", ["colo"]),
        (r"(a)?bc", None),
        (r"^\W*(please\s+)?(write|create)\b", None),
        (r"\b(python|c\+\+)\b", None),
    ],
)
def test_required_literals(pattern: str, literals: list[str] | None) -> None:
    assert required_literals(pattern) == literals


def test_split_ignores_bars_inside_groups_and_classes() -> None:
    assert split_top_level(r"a(b|c)|[|]d|e\|f") == ["a(b|c)", "[|]d", r"e\|f"]


PREFILTERED = [
    (rule.pattern, rule.required)
    for rule in load_rules(Settings().rules_path).rules
    if rule.pattern is not None and rule.required is not None
]
WORDS = ["refund", "charged me twice", "overcharged", "hours", "адрес", "цены", "жалобу", "sue"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*WORDS, "x", " ", "the", "?", "écrire"]), max_size=8).map("".join))
def test_prefilter_keeps_every_match(text: str) -> None:
    assert PREFILTERED
    for pattern, required in PREFILTERED:
        if pattern.search(text):
            assert any(literal in text for literal in required), (pattern.pattern, text)

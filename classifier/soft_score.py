"""The transparent soft score: a hand-weighted logistic over named factors.

It is the baseline the learned classifier must beat. Every factor is in
[0, 1] and its weight is visible here, so a decision can be explained by
listing the factors that fired.
"""

import math
import re
from dataclasses import dataclass

from classifier.features import RequestFeatures
from classifier.scoring import Scored

# Weights in logit units. The intercept keeps a plain short message near
# 0.08; any one strong factor (weight ≥ 2.5) alone crosses the 0.35 policy.
INTERCEPT = -2.5
WEIGHTS: dict[str, float] = {
    "long_context": 3.0,
    "long_message": 2.5,
    "requires_json": 2.5,
    "tools": 1.5,
    "clarifying_streak": 2.0,
    "urgency": 1.5,
    "code_or_url": 1.0,
    "many_digits": 0.5,
}
CONTEXT_FREE_TOKENS = 800  # a normal system prompt and a few turns
CONTEXT_FULL_TOKENS = 2000  # from here the context factor is at its maximum
MESSAGE_FREE_TOKENS = 40
MESSAGE_FULL_TOKENS = 340

LETTER = re.compile(r"[^\W\d_]")
KNOWN_SCRIPT = re.compile(r"[a-zA-Z\u00c0-\u024f\u0400-\u04ff]")  # Latin and Cyrillic
VOWEL = re.compile(r"[aeiouyаеёиоуыэюя]", re.IGNORECASE)


@dataclass(frozen=True)
class SoftScorer:
    """Rules-era scorer; `version` names it in logs and headers."""

    version: str = "soft-v1"

    def score(self, features: RequestFeatures) -> Scored:
        factors = {name: value for name, value in _factor_values(features).items() if value > 0.0}
        logit = INTERCEPT + sum(WEIGHTS[name] * value for name, value in factors.items())
        return Scored(
            score=1.0 / (1.0 + math.exp(-logit)),
            confidence=soft_confidence(features),
            factors={name: round(WEIGHTS[name] * value, 3) for name, value in factors.items()},
        )


def _ramp(value: float, free: float, full: float) -> float:
    """0 up to `free`, rising linearly to 1 at `full`."""
    return min(1.0, max(0.0, (value - free) / (full - free)))


def _factor_values(features: RequestFeatures) -> dict[str, float]:
    return {
        "long_context": _ramp(features.context_tokens, CONTEXT_FREE_TOKENS, CONTEXT_FULL_TOKENS),
        "long_message": _ramp(features.last_user_tokens, MESSAGE_FREE_TOKENS, MESSAGE_FULL_TOKENS),
        "requires_json": float(features.requires_json),
        "tools": float(features.has_tools),
        "clarifying_streak": min(1.0, features.clarifying_streak / 2),
        "urgency": float(features.exclamations >= 2 or features.caps_ratio > 0.5),
        "code_or_url": float(features.has_code or features.has_url),
        "many_digits": float(features.digits >= 8),
    }


def soft_confidence(features: RequestFeatures) -> float:
    """How well these hand-written factors can judge the request, in [0, 1].

    The factors and rules are written for English and Russian business chat,
    so confidence falls with the share of letters in other scripts, with
    word-like tokens that have no vowel (gibberish, keyboard mashing), and for
    a bare first message too short to judge. It is a heuristic baseline; the
    learned model measures familiarity from its vocabulary instead.
    """
    text = features.last_user_text
    letters = LETTER.findall(text)
    if not letters:
        return 0.0
    foreign_share = 1.0 - len(KNOWN_SCRIPT.findall(text)) / len(letters)
    words = re.findall(r"[^\W\d_]{4,}", text)
    vowelless_share = (
        sum(1 for word in words if not VOWEL.search(word)) / len(words) if words else 0.0
    )
    too_short = features.turn_index == 1 and len(text.split()) < 2
    confidence = 1.0 - 0.6 * foreign_share - 0.6 * vowelless_share - 0.3 * too_short
    return max(0.0, min(1.0, confidence))

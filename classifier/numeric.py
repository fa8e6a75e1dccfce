"""Numeric signals of a request, in a fixed order, for the learned model."""

import math

from classifier.features import RequestFeatures

NUMERIC_FEATURES: tuple[str, ...] = (
    "log_context_tokens",
    "log_message_tokens",
    "requires_json",
    "has_tools",
    "log_turn_index",
    "clarifying_streak",
    "exclamations",
    "caps_ratio",
    "log_digits",
    "has_url",
    "has_code",
)


def numeric_vector(features: RequestFeatures) -> list[float]:
    """Values in the order of `NUMERIC_FEATURES`; logs tame the long tails."""
    return [
        math.log1p(features.context_tokens),
        math.log1p(features.last_user_tokens),
        float(features.requires_json),
        float(features.has_tools),
        math.log1p(features.turn_index),
        float(min(features.clarifying_streak, 5)),
        float(min(features.exclamations, 5)),
        features.caps_ratio,
        math.log1p(features.digits),
        float(features.has_url),
        float(features.has_code),
    ]

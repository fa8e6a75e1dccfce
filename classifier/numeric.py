"""Numeric signals of a request, in a fixed order, for the learned model."""

import math

from classifier.features import RequestFeatures

# Conversations longer than this read as this long: training data has few
# long conversations, and a linear weight on their length would extrapolate.
MAX_TURN_INDEX = 3

NUMERIC_FEATURES: tuple[str, ...] = (
    "log_system_tokens",
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
        # Documents and instructions. No chat-history size: the bot's replies say
        # nothing of the request, and the rules read the conversation itself
        # (documents pasted earlier, an earlier complaint).
        math.log1p(features.system_tokens),
        math.log1p(features.last_user_tokens),
        float(features.requires_json),
        float(features.has_tools),
        math.log1p(min(features.turn_index, MAX_TURN_INDEX)),
        float(min(features.clarifying_streak, 5)),
        float(min(features.exclamations, 5)),
        features.caps_ratio,
        math.log1p(features.digits),
        float(features.has_url),
        float(features.has_code),
    ]

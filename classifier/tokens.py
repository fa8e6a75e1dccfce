"""A cheap, deterministic token estimate shared by features and context sizing.

Real tokenisers differ by model; routing only needs a stable estimate that
errs on the high side, so four characters per token (rounded up) is used.
"""

import math

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    """Tokens in `text`, rounded up; 0 for an empty string."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)

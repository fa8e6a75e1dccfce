"""One labelled request: the unit every dataset loader produces."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

Label = Literal["local", "cloud", "unknown"]


@dataclass(frozen=True)
class Example:
    # An OpenAI-style chat request body: {"messages": [...]} plus, where the
    # example needs them, "response_format" or "tools".
    request: Mapping[str, Any]
    tier: Label
    borderline: bool  # the tier mapping marks this intent as a judgement call
    source: str  # dataset name, e.g. "banking77", "cafe"
    split: str  # "train" or "test"
    intent: str | None = None

    @property
    def clear(self) -> bool:
        """A headline row: a definite tier, not borderline."""
        return self.tier != "unknown" and not self.borderline


def user_request(text: str) -> dict[str, Any]:
    """A one-message chat request."""
    return {"messages": [{"role": "user", "content": text}]}

"""What the routing hook writes into a request's log row: its kind, text and features."""

import math
from collections.abc import Mapping
from typing import Any

from classifier import Decision, RequestFeatures
from router_service.request_log.redaction import conversation_key, redact

CONVERSATION_HEADER = "x-hybrid-conversation-id"


def interaction_type(decision: Decision) -> str:
    """The kind of request, for reports: the rule that fired, or the score's tenth."""
    if decision.reason.startswith("rule:") or decision.score is None:
        return decision.reason
    band = min(9, math.floor(decision.score * 10))
    return f"score:{band / 10:.1f}-{(band + 1) / 10:.1f}"


def conversation_id(request: Mapping[str, Any], headers: Mapping[str, str]) -> str | None:
    """The conversation a request belongs to, from the first of these that is set:

    the `x-hybrid-conversation-id` header, `metadata.conversation_id`,
    `metadata.user_id` (Anthropic's field), `user` (OpenAI's field).
    Stored as `conversation_key` of it: these ids are often e-mail addresses.
    """
    metadata = request.get("metadata")
    candidates = [headers.get(CONVERSATION_HEADER)]
    if isinstance(metadata, Mapping):
        candidates += [metadata.get("conversation_id"), metadata.get("user_id")]
    candidates.append(request.get("user"))
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return conversation_key(candidate)
    return None


def stored_text(features: RequestFeatures, mode: str) -> str | None:
    return redact(features.last_user_text) if mode == "redacted" else None


# RequestFeatures fields kept in a log row's `features`: with the text and the
# previous text, they rebuild the features the router saw (for retraining).
STORED_FIELDS = (
    "turn_index", "prompt_tokens", "context_tokens", "system_tokens", "last_user_tokens",
    "requires_json", "has_tools", "clarifying_streak", "exclamations", "caps_ratio",
    "digits", "has_url", "has_code",
)  # fmt: skip


def stored_features(features: RequestFeatures, mode: str) -> dict[str, Any]:
    """The request's signals by name, and the previous user message when text is kept."""
    stored: dict[str, Any] = {name: getattr(features, name) for name in STORED_FIELDS}
    if mode == "redacted" and features.previous_user_text:
        stored["previous_text"] = redact(features.previous_user_text)
    return stored

"""What the routing hook writes into a request's log row: its kind, text and features."""

import math
from collections.abc import Mapping
from typing import Any

from classifier import Decision, RequestFeatures
from classifier.numeric import NUMERIC_FEATURES, numeric_vector
from router_service.request_log.redaction import redact

CONVERSATION_HEADER = "x-hybrid-conversation-id"
MAX_ID_LENGTH = 200


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
    """
    metadata = request.get("metadata")
    candidates = [headers.get(CONVERSATION_HEADER)]
    if isinstance(metadata, Mapping):
        candidates += [metadata.get("conversation_id"), metadata.get("user_id")]
    candidates.append(request.get("user"))
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()[:MAX_ID_LENGTH]
    return None


def stored_text(features: RequestFeatures, mode: str) -> str | None:
    return redact(features.last_user_text) if mode == "redacted" else None


def stored_features(features: RequestFeatures, mode: str) -> dict[str, Any]:
    """The numeric signals by name, and what retraining needs besides the text."""
    stored: dict[str, Any] = {
        "numeric": dict(zip(NUMERIC_FEATURES, numeric_vector(features), strict=True)),
        "turn_index": features.turn_index,
        "prompt_tokens": features.prompt_tokens,
        "requires_json": features.requires_json,
    }
    if mode == "redacted" and features.previous_user_text:
        stored["previous_text"] = redact(features.previous_user_text)
    return stored

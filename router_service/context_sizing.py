"""The local model's context window for one request (Ollama's `num_ctx`).

Ollama silently drops the start of a prompt longer than `num_ctx` (2048 by
default), so every local request carries an explicit one: the prompt, the
reply budget and some headroom, rounded up to a power of two. Few distinct
sizes matter because Ollama reloads the model when `num_ctx` changes. A
request that does not fit the configured maximum is not sent to local.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from classifier.messages import normalise_turns
from classifier.tokens import tokens_upper_bound

# Template tokens per message (llama3.1: a header of three, an end-of-turn).
TOKENS_PER_MESSAGE = 4


@dataclass(frozen=True)
class ContextLimits:
    minimum: int = 2048  # Ollama's default; smaller windows save nothing worth a reload
    maximum: int = 8192  # what the local GPU holds next to the model
    reply_tokens: int = 1024  # reply budget when the request sets none, and its cap
    headroom: int = 256  # tool schemas, images and the estimate's own error


def prompt_tokens(request: Mapping[str, Any]) -> int:
    """An upper bound of the prompt's tokens as the local model sees it."""
    turns = normalise_turns(request)
    return sum(tokens_upper_bound(turn.text) + TOKENS_PER_MESSAGE for turn in turns)


def reply_budget(request: Mapping[str, Any], limits: ContextLimits) -> int:
    requested = request.get("max_tokens") or request.get("max_completion_tokens")
    if isinstance(requested, int) and requested > 0:
        return min(requested, limits.reply_tokens)
    return limits.reply_tokens


def context_window(request: Mapping[str, Any], limits: ContextLimits) -> int | None:
    """`num_ctx` for this request, or None when it does not fit the local maximum."""
    needed = prompt_tokens(request) + reply_budget(request, limits) + limits.headroom
    if needed > limits.maximum:
        return None
    window = limits.minimum
    while window < needed:
        window *= 2
    return min(window, limits.maximum)

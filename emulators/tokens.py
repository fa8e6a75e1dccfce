"""Deterministic token counting and Ollama-style context truncation.

The approximation (documented so tests and the router can rely on it):

* a text of ``n`` characters is ``ceil(n / 4)`` tokens, token ``i`` being the
  characters ``[4i, 4i + 4)``;
* a chat prompt is laid out like the llama3.1 template:
  ``<|begin_of_text|>`` (1 token), then per message a header of 3 tokens
  (``<|start_header_id|>``, role, ``<|end_header_id|>\\n\\n``), the content and
  ``<|eot_id|>`` (1 token), then the 3-token assistant header that the reply
  follows.

When the prompt is longer than ``num_ctx`` the earliest tokens are dropped so
exactly ``num_ctx`` remain, like Ollama's runner does silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

CHARS_PER_TOKEN = 4
BEGIN_TOKENS = 1
HEADER_TOKENS = 3
END_TOKENS = 1
MESSAGE_OVERHEAD = HEADER_TOKENS + END_TOKENS
REPLY_HEADER_TOKENS = 3


def count_tokens(text: str) -> int:
    """Approximate token count of ``text``: ``ceil(len(text) / 4)``."""
    return -(-len(text) // CHARS_PER_TOKEN)


def split_tokens(text: str) -> list[str]:
    """Split ``text`` into the 4-character pieces :func:`count_tokens` counts."""
    return [text[i : i + CHARS_PER_TOKEN] for i in range(0, len(text), CHARS_PER_TOKEN)]


def take_tokens(text: str, limit: int) -> str:
    """The first ``limit`` tokens of ``text``."""
    return text[: max(limit, 0) * CHARS_PER_TOKEN]


@dataclass(frozen=True)
class Message:
    """One chat turn as the model sees it (role and flattened text)."""

    role: str
    content: str


def count_prompt_tokens(messages: Sequence[Message]) -> int:
    """Tokens of the templated prompt built from ``messages``."""
    body = sum(MESSAGE_OVERHEAD + count_tokens(m.content) for m in messages)
    return BEGIN_TOKENS + body + REPLY_HEADER_TOKENS


@dataclass(frozen=True)
class PromptWindow:
    """What the model actually reads after fitting the prompt into ``num_ctx``."""

    messages: tuple[Message, ...]
    prompt_tokens: int
    original_tokens: int

    @property
    def truncated(self) -> bool:
        return self.prompt_tokens < self.original_tokens


def fit_context(messages: Sequence[Message], num_ctx: int) -> PromptWindow:
    """Drop the earliest prompt tokens until at most ``num_ctx`` remain.

    A message cut in the middle keeps its role and the tail of its content;
    fully dropped messages disappear.
    """
    total = count_prompt_tokens(messages)
    drop = total - num_ctx
    if drop <= 0:
        return PromptWindow(tuple(messages), total, total)
    drop -= BEGIN_TOKENS
    kept: list[Message] = []
    for message in messages:
        content_tokens = count_tokens(message.content)
        size = MESSAGE_OVERHEAD + content_tokens
        if drop >= size:
            drop -= size
            continue
        if drop > 0:
            drop -= min(drop, HEADER_TOKENS)
            cut = min(drop, content_tokens)
            drop -= cut
            message = Message(message.role, message.content[cut * CHARS_PER_TOKEN :])
        kept.append(message)
    return PromptWindow(tuple(kept), max(min(num_ctx, total), 0), total)

"""Normalise OpenAI chat and Anthropic Messages requests into one shape.

Both APIs reach the routing hook: OpenAI puts the system prompt in the
message list and allows content parts; Anthropic has a top-level `system`
and content blocks. Features are computed from the normalised form only.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Turn:
    role: str  # "system" | "user" | "assistant" | "tool"
    text: str


def content_text(content: Any) -> str:
    """Plain text of a message content: a string, or a list of text parts/blocks."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        pieces = [_block_text(block) for block in content]
        return "\n".join(piece for piece in pieces if piece)
    return ""


def _block_text(block: Any) -> str:
    if isinstance(block, str):
        return block
    if not isinstance(block, Mapping):
        return ""
    if isinstance(block.get("text"), str):
        return str(block["text"])
    # Anthropic tool results carry their own content; documents carry a source.
    if "content" in block:
        return content_text(block["content"])
    return ""


def normalise_turns(request: Mapping[str, Any]) -> list[Turn]:
    """The conversation as a list of turns, system prompt(s) first."""
    turns: list[Turn] = []
    system = request.get("system")
    if system:
        turns.append(Turn("system", content_text(system)))
    for message in request.get("messages") or []:
        if not isinstance(message, Mapping):
            continue
        role = str(message.get("role", "user"))
        if role == "developer":
            role = "system"
        turns.append(Turn(role, content_text(message.get("content"))))
    return turns

"""`RequestFeatures`: everything routing needs to know about one chat request.

Computed once per request from the whole request (all messages, system
prompt, `response_format`, tools), deterministically and without I/O.
"""

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from classifier.messages import Turn, normalise_turns
from classifier.tokens import estimate_tokens

# An instruction to answer in JSON, in the system prompt or the user's text.
JSON_INSTRUCTION = re.compile(r"\bjson\b|джейсон", re.IGNORECASE)
URL = re.compile(r"https?://|www\.", re.IGNORECASE)
CODE = re.compile(r"```|\bdef \w+\(|\bfunction\s*\(|;\s*$|\{\s*\"", re.MULTILINE)
CODE_MARKERS = ("`", "def ", "function", ";", "{")  # one of these occurs in every CODE match
# A user turn saying the previous answer did not help: a bot that keeps
# getting these is failing, and the next answer needs a stronger model.
CLARIFYING = re.compile(
    r"what do you mean|i (still )?do(n't| not) (understand|get it)|i didn't (understand|get)"
    r"|not what i asked|that doesn't answer|you didn't answer|not clear|unclear"
    r"|explain (again|better)|^\s*(what|huh|sorry)\s*\?+\s*$"
    r"|не (понял|поняла|понятно)|непонятно|что (вы )?имеете в виду"
    r"|объясните|это не то,? что я спрашивал|вы не ответили",
)  # matched on lower-cased text: case-insensitive alternations are slow in `re`
CLARIFYING_MAX_WORDS = 25
# An earlier user message this long (about 600 characters) is a pasted document.
PASTED_DOCUMENT_TOKENS = 150
# Turns that carry instructions and documents rather than conversation.
DOCUMENT_ROLES = ("system", "tool")
# Routing reads at most this much of a long message: its head and its tail.
# A RAG prompt's size is a numeric feature; its question is usually at an end.
FOCUS_HEAD_CHARS = 500
FOCUS_TAIL_CHARS = 500
# Fewer letters than this say nothing about shouting: "OK", "HI!".
MIN_LETTERS_FOR_CAPS = 8
ASCII_LETTERS = string.ascii_letters.encode("ascii")
ASCII_CAPITALS = string.ascii_uppercase.encode("ascii")
ASCII_DIGITS = string.digits.encode("ascii")


@dataclass(frozen=True)
class RequestFeatures:
    last_user_text: str  # the focus of the user's last message (see `focus`)
    previous_user_text: str
    turn_index: int  # number of user turns, 1 for a first message
    prompt_tokens: int  # the whole prompt as sent to a model
    context_tokens: int  # everything but the last user message: system, RAG, history
    system_tokens: int  # system prompts and tool results: instructions and retrieved documents
    last_user_tokens: int
    requires_json: bool
    json_schema: Mapping[str, Any] | None
    has_tools: bool
    clarifying_streak: int  # consecutive trailing user turns that are short questions
    exclamations: int
    caps_ratio: float  # share of upper-case letters in the last user message
    digits: int
    has_url: bool
    has_code: bool
    # The conversation so far, for rules: what was asked before can keep a
    # conversation on the cloud (a complaint's follow-up, a document's).
    earlier_user_texts: tuple[str, ...] = ()  # the focus of each earlier user message
    # Documents: retrieved (system and tool turns after the bot's own
    # instructions, a leading system message) or pasted (earlier user messages
    # of PASTED_DOCUMENT_TOKENS or more).
    document_tokens: int = 0


def extract_features(request: Mapping[str, Any]) -> RequestFeatures:
    """Build features from an OpenAI chat or Anthropic Messages request body."""
    turns = normalise_turns(request)
    user_turns = [turn.text for turn in turns if turn.role == "user"]
    whole_last_user = user_turns[-1] if user_turns else ""
    last_user = focus(whole_last_user)
    prompt_tokens = sum(estimate_tokens(turn.text) for turn in turns)
    system_tokens = sum(estimate_tokens(turn.text) for turn in turns if turn.role in DOCUMENT_ROLES)
    instruction_tokens = (
        estimate_tokens(turns[0].text) if turns and turns[0].role == "system" else 0
    )
    earlier = user_turns[:-1]
    pasted_tokens = sum(
        tokens for tokens in map(estimate_tokens, earlier) if tokens >= PASTED_DOCUMENT_TOKENS
    )
    last_user_tokens = estimate_tokens(whole_last_user)
    schema = _json_schema(request.get("response_format"))
    letters, capitals, digits = _character_counts(last_user)
    return RequestFeatures(
        last_user_text=last_user,
        previous_user_text=focus(user_turns[-2]) if len(user_turns) > 1 else "",
        turn_index=len(user_turns),
        prompt_tokens=prompt_tokens,
        context_tokens=prompt_tokens - last_user_tokens,
        system_tokens=system_tokens,
        last_user_tokens=last_user_tokens,
        requires_json=_requires_json(request, turns, whole_last_user),
        json_schema=schema,
        has_tools=bool(request.get("tools") or request.get("functions")),
        clarifying_streak=_clarifying_streak(user_turns),
        exclamations=last_user.count("!"),
        caps_ratio=capitals / letters if letters >= MIN_LETTERS_FOR_CAPS else 0.0,
        digits=digits,
        has_url=_has_url(last_user),
        has_code=_has_code(last_user),
        earlier_user_texts=tuple(focus(text) for text in earlier),
        document_tokens=system_tokens - instruction_tokens + pasted_tokens,
    )


def focus(text: str) -> str:
    """The whole text if short, else its head and tail: what rules and n-grams read."""
    if len(text) <= FOCUS_HEAD_CHARS + FOCUS_TAIL_CHARS:
        return text
    return f"{text[:FOCUS_HEAD_CHARS]}\n…\n{text[-FOCUS_TAIL_CHARS:]}"


def _json_schema(response_format: Any) -> Mapping[str, Any] | None:
    if not isinstance(response_format, Mapping):
        return None
    wrapper = response_format.get("json_schema")
    if isinstance(wrapper, Mapping) and isinstance(wrapper.get("schema"), Mapping):
        return wrapper["schema"]  # type: ignore[no-any-return]
    return None


def _requires_json(request: Mapping[str, Any], turns: list[Turn], last_user: str) -> bool:
    """A JSON `response_format`, or JSON asked for in the system prompt or the message."""
    response_format = request.get("response_format")
    if isinstance(response_format, Mapping) and response_format.get("type") in (
        "json_object",
        "json_schema",
    ):
        return True
    system = " ".join(turn.text for turn in turns if turn.role == "system")
    return _mentions_json(system) or _mentions_json(last_user)


def _mentions_json(text: str) -> bool:
    # A substring test first: system prompts are long and rarely mention JSON.
    lowered = text.lower()
    if "json" not in lowered and "джейсон" not in lowered:
        return False
    return bool(JSON_INSTRUCTION.search(text))


def _clarifying_streak(user_turns: list[str]) -> int:
    """How many of the latest user turns in a row say the last answer did not help."""
    streak = 0
    for text in reversed(user_turns):
        if len(text.split()) > CLARIFYING_MAX_WORDS or not CLARIFYING.search(text.lower()):
            break
        streak += 1
    return streak


def _character_counts(text: str) -> tuple[int, int, int]:
    """Letters, capitals and digits in `text`."""
    if text.isascii():
        # bytes.translate deletes in C: counts without a loop over characters.
        data = text.encode("ascii")
        size = len(data)
        return (
            size - len(data.translate(None, ASCII_LETTERS)),
            size - len(data.translate(None, ASCII_CAPITALS)),
            size - len(data.translate(None, ASCII_DIGITS)),
        )
    return sum(map(str.isalpha, text)), sum(map(str.isupper, text)), sum(map(str.isdigit, text))


def _has_url(text: str) -> bool:
    # Substring tests first: the regex is the slow part and most texts have no URL.
    return ("://" in text or "www." in text.lower()) and URL.search(text) is not None


def _has_code(text: str) -> bool:
    return any(marker in text for marker in CODE_MARKERS) and CODE.search(text) is not None

"""Deterministic reply text, JSON replies and the JSON distortions.

A reply is a pure function of what the model read (the kept prompt), the
requested format and the tier flavour: the same input always gives the same
text. Distortions (fence, prose, malformed, empty) are decided elsewhere by the
seeded fault RNG and applied here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from emulators.jsonschema_fill import fill_schema
from emulators.tokens import Message

Flavour: TypeAlias = Literal["local", "cloud"]
# None: free text; "json": any JSON object; a mapping: a JSON schema to satisfy.
JsonFormat: TypeAlias = Literal["json"] | Mapping[str, Any] | None

QUOTE_CHARS = 60

_TOPICS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("hour", "open", "close", "sunday", "saturday", "today"),
        (
            "We're open Monday to Friday from 7:30 to 18:00 and on weekends from 9:00 to 16:00.",
            "Our opening hours are 7:30-18:00 on weekdays and 9:00-16:00 on Saturday and Sunday.",
        ),
    ),
    (
        ("address", "where", "located", "location", "find you"),
        (
            "You can find us at 12 Harbour Street, right next to the old post office.",
            "We're at 12 Harbour Street; the entrance is opposite the tram stop.",
        ),
    ),
    (
        ("price", "cost", "how much", "menu", "expensive"),
        (
            "A filter coffee is 3.20, a cappuccino 3.80 and the lunch menu starts at 9.50.",
            "Coffees are 3.20 to 4.50, and the daily lunch menu is 9.50 including a drink.",
        ),
    ),
)

_GENERIC = (
    "We'll be happy to help you with that.",
    "Let me check that for you and get back to you shortly.",
    "Thanks for asking, our team will take care of it.",
)


@dataclass(frozen=True)
class Reply:
    """A model reply before distortions: the text and whether it is JSON."""

    text: str
    is_json: bool


@dataclass(frozen=True)
class Distortions:
    """Which run-time faults hit this reply (decided by the fault RNG)."""

    malformed: bool = False
    fence: bool = False
    prose: bool = False
    empty: bool = False


def prompt_digest(messages: Sequence[Message], fmt: JsonFormat, flavour: Flavour) -> int:
    """A stable integer digest of everything the reply depends on."""
    canonical = json.dumps(
        {"m": [[m.role, m.content] for m in messages], "f": fmt, "v": flavour},
        sort_keys=True,
        default=str,
    )
    return int.from_bytes(hashlib.sha256(canonical.encode()).digest()[:8], "big")


def wants_json(messages: Sequence[Message], fmt: JsonFormat) -> bool:
    """JSON is required by the format or asked for in the system/user text."""
    if fmt is not None:
        return True
    return any(m.role in ("system", "user") and "json" in m.content.lower() for m in messages)


def answer_text(messages: Sequence[Message], flavour: Flavour, digest: int) -> str:
    """A short plausible answer to the last user message."""
    users = [m.content for m in messages if m.role == "user"]
    last = users[-1] if users else (messages[-1].content if messages else "")
    lowered = last.lower()
    for keywords, answers in _TOPICS:
        if any(k in lowered for k in keywords):
            text = answers[digest % len(answers)]
            break
    else:
        quote = " ".join(last.split())
        if len(quote) > QUOTE_CHARS:
            quote = quote[:QUOTE_CHARS] + "..."
        text = f'Thanks for your message "{quote}". {_GENERIC[digest % len(_GENERIC)]}'
    # The cloud tier answers in its own voice so tests can tell tiers apart.
    return f"Certainly. {text}" if flavour == "cloud" else text


def json_value(messages: Sequence[Message], fmt: JsonFormat, flavour: Flavour, digest: int) -> Any:
    """The JSON value of a JSON reply: schema-filled, else ``{"answer": ...}``."""
    text = answer_text(messages, flavour, digest)
    if isinstance(fmt, Mapping):
        return fill_schema(fmt, text)
    return {"answer": text}


def compose_reply(messages: Sequence[Message], fmt: JsonFormat, flavour: Flavour) -> Reply:
    """The undistorted reply to ``messages``."""
    digest = prompt_digest(messages, fmt, flavour)
    if wants_json(messages, fmt):
        value = json_value(messages, fmt, flavour, digest)
        return Reply(json.dumps(value, ensure_ascii=False), is_json=True)
    return Reply(answer_text(messages, flavour, digest), is_json=False)


def distort(reply: Reply, distortions: Distortions) -> str:
    """Apply the run-time faults to a reply's text."""
    if distortions.empty:
        return ""
    text = reply.text
    if not reply.is_json:
        return text
    if distortions.malformed:
        # Cut mid-object: never parses, like a model that stopped early.
        text = text[: max(1, len(text) // 2)]
    if distortions.fence:
        text = f"```json\n{text}\n```"
    if distortions.prose:
        text = (
            f"Sure! Here is the JSON you asked for:\n{text}\nLet me know if you need anything else."
        )
    return text

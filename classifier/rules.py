"""Hard rules: patterns that decide the tier before any score is computed.

Rules come from a mapping (the YAML file is read by `router_service`; this
package does no I/O). Cloud rules are always checked before local rules,
whatever their order in the file: when in doubt, go to the cloud. A local
rule fires only on a *clean* request, one without any complexity signal.

A conversation stays on the cloud: a cloud rule whose patterns matched an
earlier user message decides the follow-ups too (`rule:<name>:earlier`), so
"is that it?" after a complaint and "what about the carrot cake?" after an
allergy are not sent to the local model on their own merits. The exception
is a clean follow-up a local rule answers ("what time do you close?",
"thanks, bye"): a fact about the venue does not depend on what came before.
(Length alone does not carry over: a pasted document does, through
`min_document_tokens`.)
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, cast

from classifier.features import RequestFeatures
from classifier.literals import required_literals
from classifier.tiers import TIERS, Tier


class RulesError(ValueError):
    """The rules mapping is malformed; the message says where."""


@dataclass(frozen=True)
class CleanLimits:
    max_context_tokens: int = 1000
    max_message_tokens: int = 60

    def admits(self, features: RequestFeatures) -> bool:
        return (
            not features.requires_json
            and not features.has_tools
            and features.context_tokens <= self.max_context_tokens
            and features.document_tokens == 0
            and features.last_user_tokens <= self.max_message_tokens
            and features.clarifying_streak == 0
            and features.exclamations < 2
        )


@dataclass(frozen=True)
class Rule:
    name: str
    tier: Tier
    # The rule's patterns joined into one alternation: one scan per rule.
    pattern: re.Pattern[str] | None
    # Patterns that start with `^`, tried at the start of the text only.
    anchored: re.Pattern[str] | None = None
    # Substrings one of which `pattern` needs (None: unknown, always run it).
    required: tuple[str, ...] | None = None
    # Fires on any message at least this long (in estimated tokens).
    min_message_tokens: int | None = None
    # Fires on any request carrying documents (retrieved or pasted) at least this long.
    min_document_tokens: int | None = None

    def matches(self, message_tokens: int, lowered_text: str, document_tokens: int = 0) -> bool:
        long_enough = self.min_message_tokens is not None and (
            message_tokens >= self.min_message_tokens
        )
        documents = self.min_document_tokens is not None and (
            document_tokens >= self.min_document_tokens
        )
        return long_enough or documents or self.matches_text(lowered_text)

    def matches_text(self, lowered_text: str) -> bool:
        """Whether the patterns match (length conditions aside)."""
        if self.anchored is not None and self.anchored.match(lowered_text) is not None:
            return True
        if self.pattern is None:
            return False
        if self.required is not None and not any(part in lowered_text for part in self.required):
            return False
        return self.pattern.search(lowered_text) is not None


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    clean: CleanLimits = CleanLimits()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "RuleSet":
        entries = data.get("rules")
        if not isinstance(entries, Sequence) or isinstance(entries, str):
            raise RulesError("'rules' must be a list of rules")
        clean = data.get("clean") or {}
        if not isinstance(clean, Mapping):
            raise RulesError("'clean' must be a mapping")
        return cls(
            rules=tuple(_parse_rule(index, entry) for index, entry in enumerate(entries)),
            clean=CleanLimits(**{key: int(value) for key, value in clean.items()}),
        )

    @cached_property
    def cloud_rules(self) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.tier == "cloud")

    @cached_property
    def local_rules(self) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if rule.tier == "local")

    def first_match(self, features: RequestFeatures) -> Rule | None:
        """The rule that decides this request; None if none fires.

        In order: a cloud rule on this message, a local rule on a clean
        message, a cloud rule on an earlier message of the conversation.
        """
        lowered = features.last_user_text.lower()
        for rule in self.cloud_rules:
            if rule.matches(features.last_user_tokens, lowered, features.document_tokens):
                return rule
        if self.clean.admits(features):
            for rule in self.local_rules:
                if rule.matches(features.last_user_tokens, lowered):
                    return rule
        earlier = [text.lower() for text in features.earlier_user_texts]
        for rule in self.cloud_rules:
            if any(rule.matches_text(text) for text in earlier):
                return replace(rule, name=f"{rule.name}:earlier")
        return None


def lowercase_pattern(pattern: str) -> str:
    """`pattern` for lower-cased text: letters lowered, escapes (`\\W`, `\\S`) kept."""
    pieces: list[str] = []
    escaped = False
    for char in pattern:
        pieces.append(char if escaped else char.lower())
        escaped = char == "\\" and not escaped
    return "".join(pieces)


def _parse_rule(index: int, entry: Any) -> Rule:
    if not isinstance(entry, Mapping):
        raise RulesError(f"rule #{index} must be a mapping")
    name = entry.get("name")
    tier = entry.get("tier")
    patterns = entry.get("patterns") or []
    min_tokens = entry.get("min_message_tokens")
    min_documents = entry.get("min_document_tokens")
    if not isinstance(name, str) or not name:
        raise RulesError(f"rule #{index} needs a 'name'")
    if tier not in TIERS:
        raise RulesError(f"rule {name!r}: 'tier' must be one of {', '.join(TIERS)}")
    if min_tokens is not None and (not isinstance(min_tokens, int) or min_tokens < 1):
        raise RulesError(f"rule {name!r}: 'min_message_tokens' must be a positive integer")
    if not isinstance(patterns, Sequence) or isinstance(patterns, str):
        raise RulesError(f"rule {name!r}: 'patterns' must be a list")
    if min_documents is not None and (not isinstance(min_documents, int) or min_documents < 1):
        raise RulesError(f"rule {name!r}: 'min_document_tokens' must be a positive integer")
    if not patterns and min_tokens is None and min_documents is None:
        raise RulesError(f"rule {name!r}: give a non-empty list of 'patterns'")
    for pattern in patterns:  # each alone first, so an error names its pattern
        try:
            re.compile(str(pattern))
        except re.error as error:
            raise RulesError(f"rule {name!r}: bad pattern {pattern!r}: {error}") from error
    texts = [lowercase_pattern(str(pattern)) for pattern in patterns]
    unanchored = [text for text in texts if not text.startswith("^")]
    return Rule(
        name=name,
        tier=cast(Tier, tier),
        pattern=_alternation(unanchored),
        anchored=_alternation([text for text in texts if text.startswith("^")]),
        required=_required(unanchored),
        min_message_tokens=min_tokens,
        min_document_tokens=min_documents,
    )


def _required(patterns: list[str]) -> tuple[str, ...] | None:
    found: list[str] = []
    for pattern in patterns:
        literals = required_literals(pattern)
        if literals is None:
            return None
        found += literals
    return tuple(dict.fromkeys(found))


def _alternation(patterns: list[str]) -> re.Pattern[str] | None:
    # Matched against lower-cased text without IGNORECASE: Python's regex
    # engine is several times slower on case-insensitive alternations.
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns)) if patterns else None

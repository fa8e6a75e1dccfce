"""Find the JSON in a model's reply and check it against the requested schema.

A local model asked for JSON often wraps it: in a markdown fence, or in a
sentence before and after. The patterns are tried in order: the whole reply,
the first ```json (or bare ```) fence, then each balanced `{...}` or `[...]`
block in turn (prose may hold "[1]" before the JSON). The first that parses
wins; it is then validated against the schema when the request gave one. An
empty reply has no JSON.
"""

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

import jsonschema

FENCE = re.compile(r"```(?:json|JSON)?[ \t]*\n?(.*?)```", re.DOTALL)
OPENERS = {"{": "}", "[": "]"}
MAX_BLOCKS = 8  # balanced blocks tried before giving up on a reply


@dataclass(frozen=True)
class JsonReply:
    value: Any
    text: str  # the JSON alone, as the client receives it


def extract_json(reply: str) -> JsonReply | None:
    """The first JSON document the patterns find in `reply`, or None."""
    for candidate in _candidates(reply):
        try:
            return JsonReply(json.loads(candidate), candidate)
        except ValueError:
            continue
    return None


def schema_errors(value: Any, schema: Mapping[str, Any] | None) -> list[str]:
    """Why `value` does not satisfy `schema` (empty when it does, or without a schema)."""
    if not schema:
        return []
    validator_class = jsonschema.validators.validator_for(schema)
    try:
        validator_class.check_schema(schema)
    except jsonschema.SchemaError as error:
        return [f"the request's schema is invalid: {error.message}"]
    return [error.message for error in validator_class(schema).iter_errors(value)]


def _candidates(reply: str) -> Iterator[str]:
    stripped = reply.strip()
    if not stripped:
        return
    yield stripped
    fence = FENCE.search(reply)
    if fence:
        yield fence.group(1).strip()
    yield from islice(balanced_blocks(reply), MAX_BLOCKS)


def balanced_blocks(text: str) -> Iterator[str]:
    """Each outermost `{...}` or `[...]` whose brackets balance outside JSON strings."""
    start = 0
    while start < len(text):
        if text[start] in OPENERS:
            end = _matching_close(text, start)
            if end is not None:
                yield text[start : end + 1]
                start = end
        start += 1


def _matching_close(text: str, start: int) -> int | None:
    stack = [OPENERS[text[start]]]
    in_string = escaped = False
    for index in range(start + 1, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in OPENERS:
            stack.append(OPENERS[char])
        elif char in "}]":
            if char != stack.pop():
                return None
            if not stack:
                return index
    return None

"""Pure pieces of the emulators: token maths, truncation, schema filling, replies."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from emulators.jsonschema_fill import fill_schema
from emulators.replies import Distortions, Reply, compose_reply, distort
from emulators.tokens import Message, count_prompt_tokens, count_tokens, fit_context


@pytest.mark.parametrize(("text", "tokens"), [("", 0), ("a", 1), ("abcd", 1), ("abcde", 2)])
def test_count_tokens_is_ceil_len_over_four(text: str, tokens: int) -> None:
    assert count_tokens(text) == tokens


def test_prompt_overhead_is_documented_template_cost() -> None:
    messages = [Message("system", "abcd"), Message("user", "abcdefgh")]
    assert count_prompt_tokens(messages) == 1 + (4 + 1) + (4 + 2) + 3


@pytest.mark.parametrize("num_ctx", [3, 5, 17, 100, 250])
def test_fit_context_keeps_exactly_num_ctx_tokens(num_ctx: int) -> None:
    messages = [Message("system", "s" * 300), Message("user", "u" * 700), Message("user", "q" * 90)]
    window = fit_context(messages, num_ctx)
    assert window.truncated and window.prompt_tokens == num_ctx
    kept_tokens = count_prompt_tokens(window.messages) - 1  # the BOS token is dropped first
    assert kept_tokens <= num_ctx + 3  # a cut message still pays its header


def test_fit_context_drops_the_earliest_text() -> None:
    messages = [Message("system", "old " * 100), Message("user", "new question")]
    window = fit_context(messages, 20)
    # 115 tokens -> 20: BOS, the system header and its first 91 content tokens go;
    # kept: 9 system tokens + <|eot_id|>, the user turn (4 + 3), the reply header (3).
    assert window.messages == (
        Message("system", "old " * 9),  # only the tail of the system prompt survives
        Message("user", "new question"),
    )
    assert fit_context(messages, 10_000).messages == tuple(messages)


SCHEMAS: list[dict[str, Any]] = [
    {"type": "object", "properties": {"a": {"type": "string", "minLength": 40}}},
    {"type": "array", "items": {"type": "integer", "minimum": 7}, "minItems": 3, "maxItems": 3},
    {"anyOf": [{"type": "null"}, {"type": "number", "exclusiveMaximum": 0}]},
    {
        "$defs": {"item": {"type": "object", "properties": {"n": {"enum": ["x", "y"]}}}},
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"$ref": "#/$defs/item"}}},
        "required": ["items", "extra"],
    },
    {"type": ["string", "null"], "format": "date-time"},
    {"allOf": [{"properties": {"a": {"const": 1}}}, {"properties": {"b": {"type": "boolean"}}}]},
]


@pytest.mark.parametrize("schema", SCHEMAS)
def test_fill_schema_satisfies_schema(schema: dict[str, Any]) -> None:
    jsonschema.validate(fill_schema(schema, "the answer"), schema)


def test_compose_reply_is_deterministic_and_tier_flavoured() -> None:
    messages = [Message("user", "What's your address?")]
    local = compose_reply(messages, None, "local")
    assert local == compose_reply(messages, None, "local") and not local.is_json
    assert compose_reply(messages, None, "cloud").text.startswith("Certainly.")
    assert json.loads(compose_reply(messages, "json", "local").text)["answer"] == local.text


def test_distort_only_wraps_json() -> None:
    every = Distortions(malformed=True, fence=True, prose=True)
    assert distort(Reply("plain", is_json=False), every) == "plain"
    wrapped = distort(Reply('{"answer": "yes"}', is_json=True), Distortions(fence=True))
    assert wrapped == '```json\n{"answer": "yes"}\n```'
    assert distort(Reply('{"a": 1}', is_json=True), Distortions(empty=True)) == ""

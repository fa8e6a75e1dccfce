"""The Anthropic emulator through the official SDK and raw HTTP (SSE)."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx
import jsonschema
import pytest

from tests.emulators.conftest import API_KEY, Running

MODEL = "claude-sonnet-4-6"
HEADERS = {"x-api-key": API_KEY, "anthropic-version": "2023-06-01"}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "answer": {"type": "string"},
        "needs_human": {"type": "boolean"},
        "priority": {"type": "integer", "minimum": 1, "maximum": 5},
    },
    "required": ["answer", "needs_human", "priority"],
    "additionalProperties": False,
}
TOOL: anthropic.types.ToolParam = {
    "name": "json_tool_call",
    "description": "Reply in JSON",
    "input_schema": SCHEMA,
}


def client(base: Running, api_key: str = API_KEY) -> anthropic.Anthropic:
    return base.sdk(api_key)


def ask(base: Running, content: str = "Where are you?", **extra: Any) -> httpx.Response:
    body = {"model": MODEL, "max_tokens": 200, "messages": [{"role": "user", "content": content}]}
    return base.client.post("/v1/messages", json={**body, **extra}, headers=HEADERS, timeout=10)


def sse_events(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.strip().split("\n\n"):
        name_line, data_line = block.split("\n")
        assert name_line.startswith("event: ") and data_line.startswith("data: ")
        data = json.loads(data_line.removeprefix("data: "))
        assert data["type"] == name_line.removeprefix("event: ")
        events.append((name_line.removeprefix("event: "), data))
    return events


def test_sdk_non_streaming_message(cloud: Running) -> None:
    message = client(cloud).messages.create(
        model=MODEL,
        max_tokens=200,
        system=[{"type": "text", "text": "You are a cafe assistant."}],
        messages=[{"role": "user", "content": [{"type": "text", "text": "When do you open?"}]}],
    )
    assert message.type == "message" and message.role == "assistant"
    assert message.model == MODEL and message.id.startswith("msg_")
    assert message.stop_reason == "end_turn" and message.stop_sequence is None
    (block,) = message.content
    assert block.type == "text" and block.text.startswith("Certainly.") and "7:30" in block.text
    assert message.usage.input_tokens > 0 and message.usage.output_tokens > 0


def test_raw_response_has_request_id_header(cloud: Running) -> None:
    response = ask(cloud)
    assert response.status_code == 200
    assert response.headers["request-id"].startswith("req_")
    assert response.headers["content-type"].startswith("application/json")


def test_sdk_streaming_message(cloud: Running) -> None:
    with client(cloud).messages.stream(
        model=MODEL, max_tokens=200, messages=[{"role": "user", "content": "Where are you?"}]
    ) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert len(pieces) > 2
    (block,) = final.content
    assert block.type == "text" and "".join(pieces) == block.text
    assert final.stop_reason == "end_turn" and final.usage.output_tokens > 1
    assert "Harbour Street" in "".join(pieces)


def test_sse_event_order(cloud: Running) -> None:
    response = ask(cloud, stream=True)
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    names = [name for name, _ in events]
    deltas = names.count("content_block_delta")
    assert deltas >= 2
    assert names == [
        "message_start",
        "content_block_start",
        "ping",
        *["content_block_delta"] * deltas,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    start = events[0][1]["message"]
    assert start["content"] == [] and start["stop_reason"] is None
    assert start["usage"]["input_tokens"] > 0
    assert events[-2][1]["delta"]["stop_reason"] == "end_turn"
    assert all(e["delta"]["type"] == "text_delta" for n, e in events if n == "content_block_delta")


def test_forced_tool_use_reply(cloud: Running) -> None:
    message = client(cloud).messages.create(
        model=MODEL,
        max_tokens=200,
        messages=[{"role": "user", "content": "Is the kitchen open?"}],
        tools=[TOOL],
        tool_choice={"type": "tool", "name": "json_tool_call"},
    )
    assert message.stop_reason == "tool_use"
    (block,) = message.content
    assert block.type == "tool_use" and block.name == "json_tool_call"
    assert block.id.startswith("toolu_")
    jsonschema.validate(block.input, SCHEMA)


def test_forced_tool_use_streams_input_json_deltas(cloud: Running) -> None:
    response = ask(cloud, stream=True, tools=[TOOL], tool_choice={"type": "any"})
    events = sse_events(response.text)
    assert events[1][1]["content_block"]["type"] == "tool_use"
    assert events[1][1]["content_block"]["input"] == {}
    partial = "".join(e["delta"]["partial_json"] for n, e in events if n == "content_block_delta")
    jsonschema.validate(json.loads(partial), SCHEMA)
    assert events[-2][1]["delta"]["stop_reason"] == "tool_use"
    with client(cloud).messages.stream(
        model=MODEL,
        max_tokens=100,
        messages=[{"role": "user", "content": "hi"}],
        tools=[TOOL],
        tool_choice={"type": "tool", "name": "json_tool_call"},
    ) as stream:
        final = stream.get_final_message()
    (block,) = final.content
    assert block.type == "tool_use"
    jsonschema.validate(block.input, SCHEMA)


def test_output_format_schema_gives_json_text(cloud: Running) -> None:
    variants: list[dict[str, Any]] = [
        {"output_format": {"type": "json_schema", "schema": SCHEMA}},
        {"output_config": {"format": {"type": "json_schema", "schema": SCHEMA}}},
    ]
    for variant in variants:
        response = ask(cloud, **variant)
        text = response.json()["content"][0]["text"]
        jsonschema.validate(json.loads(text), SCHEMA)


def test_max_tokens_stops_the_reply(cloud: Running) -> None:
    body = ask(cloud, max_tokens=3).json()
    assert body["stop_reason"] == "max_tokens"
    assert body["usage"]["output_tokens"] == 3 and len(body["content"][0]["text"]) == 12


def test_tool_result_conversation_is_accepted(cloud: Running) -> None:
    messages = [
        {"role": "user", "content": "Weather?"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "w", "input": {"c": "x"}}],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"},
                {
                    "type": "image",
                    "source": {"type": "base64", "media_type": "image/png", "data": ""},
                },
            ],
        },
    ]
    response = ask(cloud, messages=messages)
    assert response.status_code == 200
    assert response.json()["usage"]["input_tokens"] > 1000  # the image counts


def test_wrong_api_key_is_rejected(cloud: Running) -> None:
    with pytest.raises(anthropic.AuthenticationError) as caught:
        client(cloud, api_key="sk-ant-wrong").messages.create(
            model=MODEL, max_tokens=10, messages=[{"role": "user", "content": "hi"}]
        )
    assert caught.value.status_code == 401
    body = caught.value.body
    assert isinstance(body, dict) and body["request_id"].startswith("req_")
    assert body == {
        "type": "error",
        "error": {"type": "authentication_error", "message": "invalid x-api-key"},
        "request_id": body["request_id"],
    }


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"x-api-key": API_KEY}, 200),
        ({"authorization": f"Bearer {API_KEY}"}, 200),
        ({"x-api-key": "sk-ant-wrong"}, 401),
        ({}, 401),
    ],
)
def test_api_key_header(cloud: Running, headers: dict[str, str], status: int) -> None:
    body = {"model": MODEL, "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]}
    response = cloud.client.post("/v1/messages", json=body, headers=headers)
    assert response.status_code == status
    if status == 401:
        assert response.json()["error"]["type"] == "authentication_error"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": MODEL, "messages": [{"role": "user", "content": "hi"}]}, "max_tokens"),
        ({"model": MODEL, "max_tokens": 10, "messages": []}, "at least one message"),
        ({"max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}, "model"),
        (
            {"model": MODEL, "max_tokens": 0, "messages": [{"role": "user", "content": "x"}]},
            "max_tokens",
        ),
        ({"model": MODEL, "max_tokens": 5, "messages": [{"role": "bot", "content": "x"}]}, "role"),
    ],
)
def test_invalid_request_is_400(cloud: Running, body: dict[str, Any], message: str) -> None:
    response = cloud.client.post("/v1/messages", json=body, headers=HEADERS)
    assert response.status_code == 400
    error = response.json()
    assert error["type"] == "error" and error["error"]["type"] == "invalid_request_error"
    assert message in error["error"]["message"]


def test_count_tokens(cloud: Running) -> None:
    count = client(cloud).messages.count_tokens(
        model=MODEL, messages=[{"role": "user", "content": "x" * 400}]
    )
    assert 100 < count.input_tokens < 120
    assert ask(cloud, "x" * 400).json()["usage"]["input_tokens"] == count.input_tokens


def test_same_input_same_reply(cloud: Running) -> None:
    first = ask(cloud, "Do you have oat milk?").json()
    second = ask(cloud, "Do you have oat milk?").json()
    assert first["content"] == second["content"] and first["id"] != second["id"]
    assert ask(cloud, "Do you have soy milk?").json()["content"] != first["content"]


def test_stats_count_requests_by_model(cloud: Running) -> None:
    ask(cloud)
    ask(cloud, model="claude-haiku-4-5")
    requests = cloud.stats()["requests"]
    assert requests == {
        "total": 2,
        "by_path": {"/v1/messages": 2},
        "by_model": {MODEL: 1, "claude-haiku-4-5": 1},
    }

"""The Ollama emulator over real HTTP: wire shapes, context, queue, JSON replies."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import jsonschema
import pytest

from emulators import EmulatorConfig
from tests.emulators.conftest import Kind, Running

MODEL = "llama3.1:8b"
STATS_KEYS = (
    "model",
    "created_at",
    "message",
    "done",
    "done_reason",
    "total_duration",
    "load_duration",
    "prompt_eval_count",
    "prompt_eval_duration",
    "eval_count",
    "eval_duration",
)


TEN_TOKENS = {
    "model": MODEL,
    "messages": [{"role": "user", "content": "hi"}],
    "stream": False,
    "options": {"num_predict": 10},
}


def chat(base: Running, content: str, **extra: Any) -> httpx.Response:
    body = {"model": MODEL, "messages": [{"role": "user", "content": content}], "stream": False}
    return base.client.post("/api/chat", json={**body, **extra}, timeout=10)


def reply(base: Running, content: str, **extra: Any) -> str:
    response = chat(base, content, **extra)
    assert response.status_code == 200, response.text
    text: str = response.json()["message"]["content"]
    return text


def test_root_and_version(ollama: Running) -> None:
    assert ollama.client.get("/").text == "Ollama is running"
    assert ollama.client.head("/").status_code == 200
    assert ollama.client.get("/api/version").json() == {"version": "0.12.6"}


def test_tags_lists_the_model(ollama: Running) -> None:
    (model,) = ollama.client.get("/api/tags").json()["models"]
    assert model["name"] == model["model"] == MODEL
    assert {"modified_at", "size", "digest"} <= model.keys()
    details = model["details"]
    assert details["family"] == "llama" and details["format"] == "gguf"
    assert details["parameter_size"] == "8.0B" and details["quantization_level"] == "Q4_K_M"


def test_show_accepts_model_and_legacy_name(ollama: Running) -> None:
    for body in ({"model": MODEL}, {"name": MODEL}):
        show = ollama.client.post("/api/show", json=body).json()
        assert show["model_info"]["general.architecture"] == "llama"
        assert show["model_info"]["llama.context_length"] == 131072
        assert show["capabilities"] == ["completion", "tools"]
        assert ".Tools" in show["template"] and "modelfile" in show and "parameters" in show


def test_show_unknown_model_is_404(ollama: Running) -> None:
    response = ollama.client.post("/api/show", json={"model": "mistral:7b"})
    assert response.status_code == 404
    assert response.json() == {"error": "model 'mistral:7b' not found"}


def test_ps_lists_the_model_once_loaded(ollama: Running) -> None:
    assert ollama.client.get("/api/ps").json() == {"models": []}
    reply(ollama, "hi", options={"num_ctx": 4096})
    (running,) = ollama.client.get("/api/ps").json()["models"]
    assert running["name"] == MODEL and running["size_vram"] > 0
    assert running["expires_at"] and running["context_length"] == 4096


def test_chat_non_stream_shape(ollama: Running) -> None:
    body = chat(ollama, "Are you open on Sunday?").json()
    assert set(body) == set(STATS_KEYS)
    assert body["message"]["role"] == "assistant"
    assert "9:00" in body["message"]["content"]
    assert body["done"] is True and body["done_reason"] == "stop"
    assert body["created_at"].endswith("Z")
    assert body["total_duration"] >= body["eval_duration"] > 0


def test_chat_streams_ndjson_by_default(ollama: Running) -> None:
    body = {"model": MODEL, "messages": [{"role": "user", "content": "Where are you located?"}]}
    response = ollama.client.post("/api/chat", json=body)  # no "stream": Ollama streams
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in response.text.splitlines()]
    *chunks, final = lines
    assert len(chunks) > 3 and all(c["done"] is False for c in chunks)
    assert all(set(c) == {"model", "created_at", "message", "done"} for c in chunks)
    assert final["done"] is True and final["message"]["content"] == ""
    assert set(final) == set(STATS_KEYS)
    streamed = "".join(c["message"]["content"] for c in chunks)
    assert streamed == reply(ollama, "Where are you located?")
    assert final["eval_count"] == len(chunks)


def test_generate_non_stream_and_stream(ollama: Running) -> None:
    body = {"model": MODEL, "prompt": "How much is a cappuccino?", "system": "Be brief."}
    single = ollama.client.post("/api/generate", json={**body, "stream": False}).json()
    assert "3.80" in single["response"] or "3.20" in single["response"]
    assert "message" not in single and single["done"] is True
    lines = [
        json.loads(x) for x in ollama.client.post("/api/generate", json=body).text.splitlines()
    ]
    assert "".join(x["response"] for x in lines[:-1]) == single["response"]
    assert lines[-1]["done"] is True and lines[-1]["prompt_eval_count"] > 0


def test_empty_conversation_loads_the_model(ollama: Running) -> None:
    body = ollama.client.post("/api/chat", json={"model": MODEL, "messages": []}).json()
    assert body["done_reason"] == "load" and body["message"]["content"] == ""


def test_unknown_model_is_404(ollama: Running) -> None:
    response = chat(ollama, "hi", model="llama3:70b")
    assert response.status_code == 404
    assert response.json() == {"error": 'model "llama3:70b" not found, try pulling it first'}


def test_malformed_body_is_400(ollama: Running) -> None:
    for content in (b"{not json", b"", b"[1, 2]"):
        response = ollama.client.post("/api/chat", content=content)
        assert response.status_code == 400
        assert isinstance(response.json()["error"], str)
    bad_option = chat(ollama, "hi", options={"num_ctx": "big"})
    assert bad_option.status_code == 400


def test_num_ctx_is_recorded_in_stats(ollama: Running) -> None:
    reply(ollama, "one", options={"num_ctx": 8192})
    reply(ollama, "two")
    reply(ollama, "three", options={"num_ctx": 1024, "temperature": 0.2})
    stats = ollama.stats()
    assert stats["num_ctx"] == [8192, None, 1024]
    assert stats["requests"] == {
        "total": 3,
        "by_path": {"/api/chat": 3},
        "by_model": {MODEL: 3},
    }


def test_long_prompt_is_silently_truncated(ollama: Running) -> None:
    question = "Please summarise our whole conversation so far. " + "blah " * 400
    full = chat(ollama, question, options={"num_ctx": 4096}).json()
    cut = chat(ollama, question, options={"num_ctx": 256}).json()
    assert full["prompt_eval_count"] > 256
    assert cut["prompt_eval_count"] == 256
    assert cut["message"]["content"] != full["message"]["content"]
    assert "Please summarise" in full["message"]["content"]
    assert "Please summarise" not in cut["message"]["content"]  # the start was dropped
    assert ollama.stats()["truncations"] == 1


def test_default_num_ctx_is_2048(ollama: Running) -> None:
    body = chat(ollama, "x" * 20_000).json()
    assert body["prompt_eval_count"] == 2048


def test_num_predict_stops_with_length(ollama: Running) -> None:
    body = chat(ollama, "Tell me about your cafe", options={"num_predict": 5}).json()
    assert body["done_reason"] == "length"
    assert body["eval_count"] == 5 and len(body["message"]["content"]) == 20


def test_same_input_same_reply(ollama: Running) -> None:
    first = reply(ollama, "Can I bring my dog?")
    assert reply(ollama, "Can I bring my dog?") == first
    assert reply(ollama, "Can I bring my cat?") != first


def test_format_json_gives_a_json_object(ollama: Running) -> None:
    value = json.loads(reply(ollama, "Are you open today?", format="json"))
    assert isinstance(value, dict) and "answer" in value


def test_json_asked_in_text_gives_json(ollama: Running) -> None:
    system = {"role": "system", "content": "Answer in JSON with a key 'answer'."}
    user = {"role": "user", "content": "Where are you?"}
    body = {"model": MODEL, "messages": [system, user], "stream": False}
    content = ollama.client.post("/api/chat", json=body).json()["message"]["content"]
    assert "Harbour Street" in json.loads(content)["answer"]


def test_schema_format_output_satisfies_schema(ollama: Running) -> None:
    schema = {
        "type": "object",
        "properties": {
            "intent": {"type": "string", "enum": ["hours", "address", "other"]},
            "confidence": {"type": "number", "minimum": 0, "maximum": 1},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "urgent": {"type": "boolean"},
            "count": {"type": "integer", "exclusiveMinimum": 3},
            "contact": {
                "type": "object",
                "properties": {"email": {"type": "string", "format": "email"}},
                "required": ["email"],
            },
        },
        "required": ["intent", "confidence", "tags", "urgent", "count", "contact"],
        "additionalProperties": False,
    }
    value = json.loads(reply(ollama, "classify this", format=schema))
    jsonschema.validate(value, schema)


def test_json_fence_rate(ollama: Running) -> None:
    ollama.faults(json_fence_rate=1.0)
    content = reply(ollama, "hours?", format="json")
    assert content.startswith("```json\n") and content.endswith("\n```")
    json.loads(content.removeprefix("```json\n").removesuffix("\n```"))
    assert ollama.stats()["json_fenced"] == 1
    assert not reply(ollama, "plain text please").startswith("```")  # text is never fenced


def test_json_prose_rate(ollama: Running) -> None:
    ollama.faults(json_prose_rate=1.0)
    content = reply(ollama, "hours?", format="json")
    assert content.startswith("Sure!") and content.rstrip().endswith("else.")
    json.loads(content[content.index("{") : content.rindex("}") + 1])


def test_malformed_json_rate(ollama: Running) -> None:
    ollama.faults(malformed_json_rate=1.0)
    content = reply(ollama, "hours?", format="json")
    assert content.startswith("{")
    with pytest.raises(json.JSONDecodeError):
        json.loads(content)
    assert ollama.stats()["json_malformed"] == 1


def test_empty_reply_rate(ollama: Running) -> None:
    ollama.faults(empty_reply_rate=1.0)
    assert reply(ollama, "hours?") == ""
    assert reply(ollama, "hours?", format="json") == ""
    assert ollama.stats()["empty_replies"] == 2


async def test_requests_queue_on_one_gpu(
    start_emulator: Callable[[Kind, EmulatorConfig | None], Running],
) -> None:
    # 10 output tokens at 100 tok/s: 0.1 s of GPU time per request.
    slow = start_emulator("ollama", EmulatorConfig(gen_tokens_per_s=100.0))
    body = TEN_TOKENS
    n = 4
    async with httpx.AsyncClient(base_url=slow.url, timeout=10) as client:
        started = time.monotonic()

        async def one() -> float:
            await client.post("/api/chat", json=body)
            return time.monotonic() - started

        finished = sorted(await asyncio.gather(*(one() for _ in range(n))))
    assert finished[-1] >= 0.1 * n * 0.9  # served one after another, not in parallel
    assert finished[0] < finished[-1] - 0.2
    queue = slow.stats()["queue"]
    assert isinstance(queue, dict)
    assert queue["max_queued"] >= n - 1 and queue["max_in_flight"] == 1
    assert queue["in_flight"] == 0 and queue["queued"] == 0


async def test_parallelism_two_serves_two_at_once(
    start_emulator: Callable[[Kind, EmulatorConfig | None], Running],
) -> None:
    # 0.2 s per request; 4 requests on 2 slots take 0.4 s (sequential would be 0.8 s).
    slow = start_emulator("ollama", EmulatorConfig(gen_tokens_per_s=50.0, parallelism=2))
    async with httpx.AsyncClient(base_url=slow.url, timeout=10) as client:
        started = time.monotonic()
        await asyncio.gather(*(client.post("/api/chat", json=TEN_TOKENS) for _ in range(4)))
        elapsed = time.monotonic() - started
    assert 0.36 <= elapsed < 0.7
    queue = slow.stats()["queue"]
    assert isinstance(queue, dict) and queue["max_in_flight"] == 2


async def test_abandoned_request_leaves_the_queue(
    start_emulator: Callable[[Kind, EmulatorConfig | None], Running],
) -> None:
    # 0.2 s per request. B gives up while queued behind A; C must not wait for B.
    slow = start_emulator("ollama", EmulatorConfig(gen_tokens_per_s=50.0))
    async with httpx.AsyncClient(base_url=slow.url, timeout=10) as client:
        started = time.monotonic()
        first = asyncio.create_task(client.post("/api/chat", json=TEN_TOKENS))
        await asyncio.sleep(0.02)
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/api/chat", json=TEN_TOKENS, timeout=0.05)
        await client.post("/api/chat", json=TEN_TOKENS)
        elapsed = time.monotonic() - started
        assert (await first).status_code == 200
    assert 0.36 <= elapsed < 0.55


def test_streaming_is_paced_by_generation_speed(
    start_emulator: Callable[[Kind, EmulatorConfig | None], Running],
) -> None:
    slow = start_emulator("ollama", EmulatorConfig(gen_tokens_per_s=50.0))
    body = {**TEN_TOKENS, "stream": True}
    arrivals = []
    started = time.monotonic()
    with slow.client.stream("POST", "/api/chat", json=body, timeout=10) as response:
        for _ in response.iter_lines():
            arrivals.append(time.monotonic() - started)
    assert len(arrivals) == 11
    assert arrivals[0] < 0.1 and arrivals[-1] >= 0.18  # 10 tokens at 50 tok/s


def test_a_cold_model_pays_the_load_time_once(
    start_emulator: Callable[[Kind, EmulatorConfig | None], Running],
) -> None:
    cold = start_emulator("ollama", EmulatorConfig(cold_load_s=0.3))

    def timed(**extra: Any) -> float:
        started = time.monotonic()
        cold.client.post("/api/chat", json={**TEN_TOKENS, **extra}).raise_for_status()
        return time.monotonic() - started

    assert timed(keep_alive="10m") >= 0.3  # never loaded
    assert timed(keep_alive="10m") < 0.2  # still loaded
    assert timed(keep_alive="10m", options={"num_ctx": 4096}) >= 0.3  # another num_ctx: reload
    unload = {"model": "llama3.1:8b", "messages": [], "keep_alive": 0}
    cold.client.post("/api/chat", json=unload).raise_for_status()
    assert timed(options={"num_ctx": 4096}) >= 0.3  # unloaded: load again
    stats = cold.stats()
    assert stats["cold_loads"] == 3
    assert stats["keep_alive"] == [600.0, 600.0, 600.0, 0.0, None]


async def test_gpu_time_fault_holds_the_gpu(ollama: Running) -> None:
    ollama.faults(gpu_ms=150)
    async with httpx.AsyncClient(base_url=ollama.url, timeout=10) as client:
        started = time.monotonic()
        await asyncio.gather(*(client.post("/api/chat", json=TEN_TOKENS) for _ in range(3)))
        elapsed = time.monotonic() - started
    assert elapsed >= 0.45  # three requests, one after another on the GPU

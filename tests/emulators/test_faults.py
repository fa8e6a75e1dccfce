"""Fault injection and the control API, on both emulators, over real sockets."""

from __future__ import annotations

import json
import time
from typing import Any

import anthropic
import httpx
import httpx2
import pytest

from tests.emulators.conftest import API_KEY, Running

OLLAMA_CHAT = {"model": "llama3.1:8b", "messages": [{"role": "user", "content": "hi"}]}
CLAUDE = {
    "model": "claude-sonnet-4-6",
    "max_tokens": 50,
    "messages": [{"role": "user", "content": "hi"}],
}
HEADERS = {"x-api-key": API_KEY, "anthropic-version": "2023-06-01"}
CONNECTION_ERRORS = (httpx.RemoteProtocolError, httpx.ReadError, httpx.ConnectError)


def create(client: anthropic.Anthropic) -> anthropic.types.Message:
    return client.messages.create(
        model="claude-sonnet-4-6", max_tokens=50, messages=[{"role": "user", "content": "hi"}]
    )


def error_type(error: anthropic.APIStatusError) -> str:
    body = error.body
    assert isinstance(body, dict)
    return str(body["error"]["type"])


def ollama_chat(base: Running, timeout: float = 10, **extra: Any) -> httpx.Response:
    body = {**OLLAMA_CHAT, "stream": False, **extra}
    return base.client.post("/api/chat", json=body, timeout=timeout)


def test_faults_default_and_partial_update(ollama: Running) -> None:
    initial = ollama.client.get("/_emulator/faults").json()
    assert initial == {
        "down": False,
        "error_rate": 0.0,
        "error_status": 500,
        "latency_ms": 0.0,
        "gpu_ms": 0.0,
        "stall_after_chunks": None,
        "malformed_json_rate": 0.0,
        "json_fence_rate": 0.0,
        "json_prose_rate": 0.0,
        "empty_reply_rate": 0.0,
    }
    after = ollama.faults(error_rate=0.25, latency_ms=5)
    assert after == {**initial, "error_rate": 0.25, "latency_ms": 5.0}
    assert ollama.faults(json_fence_rate=0.5)["error_rate"] == 0.25  # partial: others kept


@pytest.mark.parametrize(
    "update",
    [{"error_rate": 1.5}, {"error_status": 200}, {"latency_ms": -1}, {"bogus": 1}, {"down": None}],
)
def test_bad_fault_values_are_422_and_change_nothing(
    ollama: Running, update: dict[str, Any]
) -> None:
    before = ollama.client.get("/_emulator/faults").json()
    response = ollama.client.post("/_emulator/faults", json=update)
    assert response.status_code == 422
    assert ollama.client.get("/_emulator/faults").json() == before


@pytest.mark.parametrize("kind", ["ollama", "cloud"])
def test_down_resets_connections_but_control_works(
    kind: str, request: pytest.FixtureRequest
) -> None:
    base: Running = request.getfixturevalue(kind)
    base.faults(down=True)
    path, body = ("/api/chat", OLLAMA_CHAT) if kind == "ollama" else ("/v1/messages", CLAUDE)
    with pytest.raises(CONNECTION_ERRORS):
        base.client.post(path, json=body, headers=HEADERS, timeout=5)
    with pytest.raises(CONNECTION_ERRORS):
        base.client.get("/", timeout=5)
    stats = base.stats()
    assert stats["resets"] == 2
    base.faults(down=False)
    assert base.client.post(path, json=body, headers=HEADERS, timeout=5).status_code == 200


def test_down_is_a_connection_error_for_the_sdk(cloud: Running) -> None:
    cloud.faults(down=True)
    with pytest.raises(anthropic.APIConnectionError):
        create(cloud.sdk())


def test_ollama_error_rate_and_status(ollama: Running) -> None:
    ollama.faults(error_rate=1.0, error_status=503)
    response = ollama_chat(ollama)
    assert response.status_code == 503 and "error" in response.json()
    ollama.faults(error_status=500)
    assert ollama_chat(ollama).status_code == 500
    assert ollama.stats()["errors_injected"] == 2


def test_error_rate_is_a_seeded_sequence(ollama: Running) -> None:
    def run() -> list[int]:
        ollama.faults(error_rate=0.5)
        return [ollama_chat(ollama).status_code for _ in range(12)]

    first = run()
    ollama.client.post("/_emulator/reset").raise_for_status()
    assert run() == first  # reset re-seeds the RNG
    assert 200 in first and 500 in first


def test_anthropic_429_is_a_rate_limit_error(cloud: Running) -> None:
    cloud.faults(error_rate=1.0, error_status=429)
    with pytest.raises(anthropic.RateLimitError) as caught:
        create(cloud.sdk())
    assert caught.value.response.headers["retry-after"]
    assert error_type(caught.value) == "rate_limit_error"


def test_anthropic_529_is_overloaded(cloud: Running) -> None:
    cloud.faults(error_rate=1.0, error_status=529)
    with pytest.raises(anthropic.APIStatusError) as caught:
        create(cloud.sdk())
    assert caught.value.status_code == 529
    assert isinstance(caught.value, anthropic.InternalServerError)
    assert error_type(caught.value) == "overloaded_error"


def test_anthropic_500_is_api_error(cloud: Running) -> None:
    cloud.faults(error_rate=1.0)
    with pytest.raises(anthropic.InternalServerError) as caught:
        create(cloud.sdk())
    assert caught.value.status_code == 500
    assert error_type(caught.value) == "api_error"


@pytest.mark.parametrize("kind", ["ollama", "cloud"])
def test_latency_delays_the_first_byte(kind: str, request: pytest.FixtureRequest) -> None:
    base: Running = request.getfixturevalue(kind)
    path, body = ("/api/chat", OLLAMA_CHAT) if kind == "ollama" else ("/v1/messages", CLAUDE)
    base.faults(latency_ms=300)
    started = time.monotonic()
    response = base.client.post(path, json=body, headers=HEADERS, timeout=5)
    assert response.status_code == 200
    assert 0.3 <= time.monotonic() - started < 1.5


def test_ollama_stream_stalls_after_chunks(ollama: Running) -> None:
    ollama.faults(stall_after_chunks=2)
    lines: list[dict[str, Any]] = []
    with (
        pytest.raises(httpx.ReadTimeout),
        ollama.client.stream("POST", "/api/chat", json=OLLAMA_CHAT, timeout=0.5) as response,
    ):
        for line in response.iter_lines():
            lines.append(json.loads(line))
    assert len(lines) == 2 and not any(line["done"] for line in lines)
    assert ollama.stats()["stalls"] == 1
    _wait_until_idle(ollama)


def test_ollama_stall_at_zero_sends_nothing(ollama: Running) -> None:
    ollama.faults(stall_after_chunks=0)
    with pytest.raises(httpx.ReadTimeout):
        ollama.client.post("/api/chat", json=OLLAMA_CHAT, timeout=0.3)  # not even headers
    _wait_until_idle(ollama)


def test_non_stream_request_stalls(ollama: Running, cloud: Running) -> None:
    ollama.faults(stall_after_chunks=0)
    cloud.faults(stall_after_chunks=0)
    with pytest.raises(httpx.ReadTimeout):
        ollama_chat(ollama, timeout=0.3)
    with pytest.raises(httpx.ReadTimeout):
        cloud.client.post("/v1/messages", json=CLAUDE, headers=HEADERS, timeout=0.3)
    assert ollama.stats()["stalls"] == 1 and cloud.stats()["stalls"] == 1


def test_anthropic_stream_stalls_after_events(cloud: Running) -> None:
    cloud.faults(stall_after_chunks=3)
    client = cloud.sdk(timeout=0.5)
    seen: list[str] = []
    # Mid-stream the SDK lets its transport's timeout through unwrapped.
    with pytest.raises((anthropic.APITimeoutError, httpx2.TimeoutException)):  # noqa: SIM117
        with client.messages.stream(
            model="claude-sonnet-4-6", max_tokens=50, messages=[{"role": "user", "content": "hi"}]
        ) as stream:
            for event in stream:
                seen.append(event.type)
    assert seen[:2] == ["message_start", "content_block_start"]
    assert "message_stop" not in seen
    _wait_until_idle(cloud)


def test_reset_clears_faults_and_stats(ollama: Running) -> None:
    ollama.faults(error_rate=1.0, json_fence_rate=1.0)
    ollama_chat(ollama)
    assert ollama.stats()["errors_injected"] == 1
    body = ollama.client.post("/_emulator/reset").json()
    assert body["faults"]["error_rate"] == 0.0 and body["faults"]["json_fence_rate"] == 0.0
    stats = ollama.stats()
    assert stats["requests"] == {"total": 0, "by_path": {}, "by_model": {}}
    assert stats["errors_injected"] == 0 and stats["num_ctx"] == []
    assert ollama_chat(ollama).status_code == 200


def _wait_until_idle(base: Running) -> None:
    """The server notices the client left and frees the slot of a stalled stream."""
    deadline = time.monotonic() + 5
    while base.stats()["queue"]["in_flight"] != 0:
        assert time.monotonic() < deadline, "stalled request still holds its slot"
        time.sleep(0.02)

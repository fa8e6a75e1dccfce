"""Which tier answers, through the proxy, with the official SDKs and `model="auto"`."""

import json
import time

import anthropic
import httpx
import openai
import pytest

from bench.harness import Emulators
from router_service.core.config import Settings
from tests.support.emulator_faults import cloud_faults

pytestmark = pytest.mark.integration

LOCAL_MODEL = "ollama_chat/llama3.1:8b"
CLOUD_MODEL = "anthropic/claude-sonnet-4-6"
RAG_CONTEXT = "Loyalty programme terms. " + (
    "Points are earned on every purchase and expire after twelve months. " * 250
)
CASES = {
    "opening_hours": ("What are your opening hours on Sunday?", None, "local",
                      "rule:opening_hours"),
    "complaint": ("I want to complain: my coffee was cold and the staff rude.", None, "cloud",
                  "rule:complaint"),
    "long_rag": (f"{RAG_CONTEXT}\n\nQuestion: can I combine points with a voucher?", None,
                 "cloud", "rule:long_message"),
    "json_format": ("List today's specials with prices.", {"type": "json_object"}, "cloud",
                    "score"),
}  # fmt: skip


def shipped_model_version() -> str:
    artifact = json.loads(Settings().model_path.read_text())
    return str(artifact["version"])


SHIPPED_MODEL_VERSION = shipped_model_version()


def accepted_reasons(reason: str) -> set[str]:
    """A score-decided case may go to the cloud on the score or on low confidence."""
    return {"score", "low_confidence"} if reason == "score" else {reason}


def expected_model(tier: str) -> str:
    return LOCAL_MODEL if tier == "local" else CLOUD_MODEL


@pytest.mark.parametrize("case", CASES)
def test_openai_chat_completion(openai_client: openai.OpenAI, case: str) -> None:
    text, response_format, tier, reason = CASES[case]
    extra = {"response_format": response_format} if response_format else {}
    raw = openai_client.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": text}], **extra
    )
    completion = raw.parse()
    assert completion.choices[0].message.content
    assert raw.headers["x-hybrid-routed-to"] == tier
    assert raw.headers["x-hybrid-reason"] in accepted_reasons(reason)
    assert raw.headers["x-hybrid-actual-model"] == expected_model(tier)
    if reason == "score":
        assert raw.headers["x-hybrid-classifier-version"] == SHIPPED_MODEL_VERSION
        assert 0.0 <= float(raw.headers["x-hybrid-score"]) <= 1.0
        assert 0.0 <= float(raw.headers["x-hybrid-confidence"]) <= 1.0


@pytest.mark.parametrize("case", CASES)
def test_openai_streaming(openai_client: openai.OpenAI, case: str) -> None:
    text, response_format, tier, reason = CASES[case]
    extra = {"response_format": response_format} if response_format else {}
    with openai_client.chat.completions.with_streaming_response.create(
        model="auto", messages=[{"role": "user", "content": text}], stream=True, **extra
    ) as response:
        assert response.headers["x-hybrid-routed-to"] == tier
        assert response.headers["x-hybrid-reason"] in accepted_reasons(reason)
        assert response.headers["x-hybrid-actual-model"] == expected_model(tier)
        pieces = [
            chunk.choices[0].delta.content or "" for chunk in response.parse() if chunk.choices
        ]
    assert "".join(pieces)


@pytest.mark.parametrize("case", CASES)
def test_anthropic_messages(anthropic_client: anthropic.Anthropic, case: str) -> None:
    text, response_format, tier, reason = CASES[case]
    if response_format:
        text += " Answer in JSON."
    raw = anthropic_client.messages.with_raw_response.create(
        model="auto", max_tokens=200, messages=[{"role": "user", "content": text}]
    )
    message = raw.parse()
    assert message.content and message.content[0].type == "text"
    assert raw.headers["x-hybrid-routed-to"] == tier
    assert raw.headers["x-hybrid-reason"] in accepted_reasons(reason)
    assert raw.headers["x-hybrid-actual-model"] == expected_model(tier)


@pytest.mark.parametrize("case", CASES)
def test_anthropic_streaming(anthropic_client: anthropic.Anthropic, case: str) -> None:
    text, response_format, tier, reason = CASES[case]
    if response_format:
        text += " Answer in JSON."
    with anthropic_client.messages.with_streaming_response.create(
        model="auto", max_tokens=200, messages=[{"role": "user", "content": text}], stream=True
    ) as response:
        assert response.headers["x-hybrid-routed-to"] == tier
        assert response.headers["x-hybrid-reason"] in accepted_reasons(reason)
        assert response.headers["x-hybrid-actual-model"] == expected_model(tier)
        events = [event.type for event in response.parse()]
    assert events[0] == "message_start"
    assert "content_block_delta" in events
    assert events[-1] == "message_stop"


@pytest.mark.parametrize("tier", ["local", "cloud"])
def test_pinned_tier(openai_client: openai.OpenAI, tier: str) -> None:
    raw = openai_client.chat.completions.with_raw_response.create(
        model=tier, messages=[{"role": "user", "content": "I want to complain about parking"}]
    )
    assert raw.headers["x-hybrid-routed-to"] == tier
    assert raw.headers["x-hybrid-reason"] == "pinned"
    assert raw.headers["x-hybrid-actual-model"] == expected_model(tier)


def test_local_down_falls_back_to_cloud(openai_client: openai.OpenAI, emulators: Emulators) -> None:
    httpx.post(emulators.ollama_url + "/_emulator/faults", json={"down": True}).raise_for_status()
    raw = openai_client.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": "What is your address?"}]
    )
    assert raw.parse().choices[0].message.content
    assert raw.headers["x-hybrid-routed-to"] == "local"
    assert raw.headers["x-hybrid-actual-model"] == CLOUD_MODEL
    assert raw.headers["x-hybrid-escalation"] == "local_unavailable"
    cloud_stats = httpx.get(emulators.anthropic_url + "/_emulator/stats").json()
    assert cloud_stats["requests"]["total"] >= 1


def test_local_down_falls_back_to_cloud_when_streaming(
    anthropic_client: anthropic.Anthropic, emulators: Emulators
) -> None:
    httpx.post(emulators.ollama_url + "/_emulator/faults", json={"down": True}).raise_for_status()
    with anthropic_client.messages.with_streaming_response.create(
        model="auto", max_tokens=100, stream=True,
        messages=[{"role": "user", "content": "What is your address?"}],
    ) as response:  # fmt: skip
        assert response.headers["x-hybrid-routed-to"] == "local"
        assert response.headers["x-hybrid-actual-model"] == CLOUD_MODEL
        text = "".join(
            event.delta.text
            for event in response.parse()
            if event.type == "content_block_delta" and event.delta.type == "text_delta"
        )
    assert text


def test_local_failure_is_not_retried_on_local(
    openai_client: openai.OpenAI, emulators: Emulators
) -> None:
    httpx.post(
        emulators.ollama_url + "/_emulator/faults", json={"error_rate": 1.0}
    ).raise_for_status()
    raw = openai_client.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": "What is your address?"}]
    )
    assert raw.headers["x-hybrid-actual-model"] == CLOUD_MODEL
    assert raw.headers["x-hybrid-escalation"] == "local_unavailable"
    local_stats = httpx.get(emulators.ollama_url + "/_emulator/stats").json()
    assert local_stats["generations"] == 0
    assert local_stats["errors_injected"] == 1  # one local call, not retried


def test_cloud_is_retried_once_without_sleeping(
    openai_client: openai.OpenAI, emulators: Emulators
) -> None:
    question = [{"role": "user", "content": "Write a poem"}]
    openai_client.chat.completions.create(model="cloud", messages=question)  # warm the path
    cloud_faults(emulators, error_rate=1.0, error_status=529)
    began = time.monotonic()
    with pytest.raises(openai.APIStatusError) as failure:
        openai_client.chat.completions.create(model="cloud", messages=question)
    elapsed = time.monotonic() - began
    assert failure.value.status_code >= 500
    cloud_stats = httpx.get(emulators.anthropic_url + "/_emulator/stats").json()
    assert cloud_stats["requests"]["by_path"]["/v1/messages"] == 2
    # LiteLLM's default back-off sleeps at least 0.5 s (up to 1.25 s) before a retry.
    assert elapsed < 0.5

"""Escalation from local to cloud, context sizing and a warm model, through the proxy.

One test per path: fenced JSON repaired on local; malformed or empty JSON
twice, then the cloud; Ollama down, failing, hanging and stalling mid-stream;
`num_ctx` and `keep_alive` on every local call; a prompt too long for local.
The emulators count what reached them. Timeouts use a proxy whose LiteLLM
config has short local timeouts, so a hang costs seconds, not a minute.
"""

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest
import yaml

from bench.harness import Emulators, Proxy, run_emulators, run_proxy
from router_service.core.config import Settings
from tests.integration.conftest import (
    assert_no_truncation,
    openai_for,
    reset_breaker,
    reset_emulators,
)
from tests.support.commands import admin
from tests.support.emulator_faults import local_faults

pytestmark = pytest.mark.integration

LOCAL_MODEL = "ollama_chat/llama3.1:8b"
CLOUD_MODEL = "anthropic/claude-sonnet-4-6"
ADDRESS = [{"role": "user", "content": "What is your address?"}]
MENU_JSON = [{"role": "user", "content": "List today's menu as JSON with dish and price."}]
LOCAL_TIMEOUT_S = 3.0
LOCAL_STREAM_TIMEOUT_S = 2.0
COLD_LOAD_S = 0.4


def local_stats(emulators: Emulators) -> dict[str, Any]:
    result: dict[str, Any] = httpx.get(emulators.ollama_url + "/_emulator/stats").json()
    return result


def cloud_calls(emulators: Emulators) -> int:
    stats = httpx.get(emulators.anthropic_url + "/_emulator/stats").json()
    return int(stats["requests"]["by_path"].get("/v1/messages", 0))


def hybrid_headers(headers: httpx.Headers) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name.startswith("x-hybrid-")}


# -- invalid local output ------------------------------------------------------------------


def test_fenced_json_is_repaired_and_served_by_local(
    openai_client: openai.OpenAI, emulators: Emulators
) -> None:
    local_faults(emulators, json_fence_rate=1.0)
    raw = openai_client.chat.completions.with_raw_response.create(
        model="local", messages=MENU_JSON, response_format={"type": "json_object"}
    )
    content = raw.parse().choices[0].message.content or ""
    assert isinstance(json.loads(content), dict)  # plain JSON: the fence is gone
    headers = hybrid_headers(raw.headers)
    assert headers["x-hybrid-actual-model"] == LOCAL_MODEL
    assert headers["x-hybrid-escalation"] == "none"
    assert headers["x-hybrid-local-attempts"] == "1"
    stats = local_stats(emulators)
    assert stats["json_fenced"] == 1 and stats["generations"] == 1
    assert cloud_calls(emulators) == 0


def test_fenced_json_is_repaired_on_the_anthropic_route(
    anthropic_client: anthropic.Anthropic, emulators: Emulators
) -> None:
    local_faults(emulators, json_prose_rate=1.0)
    question = "What desserts do you have? Answer in JSON."
    raw = anthropic_client.messages.with_raw_response.create(
        model="local", max_tokens=300, messages=[{"role": "user", "content": question}]
    )
    block = raw.parse().content[0]
    assert block.type == "text"
    json.loads(block.text)  # the prose around it is gone
    assert raw.headers["x-hybrid-actual-model"] == LOCAL_MODEL
    assert raw.headers["x-hybrid-local-attempts"] == "1"


@pytest.mark.parametrize("fault", ["malformed_json_rate", "empty_reply_rate"])
def test_invalid_json_twice_is_served_by_cloud_after_exactly_two_local_attempts(
    openai_client: openai.OpenAI, emulators: Emulators, fault: str
) -> None:
    local_faults(emulators, **{fault: 1.0})
    began = time.monotonic()
    raw = openai_client.chat.completions.with_raw_response.create(
        model="auto" if fault == "empty_reply_rate" else "local",
        messages=[{"role": "user", "content": "Are you open on Sunday? Reply in JSON."}],
        response_format={"type": "json_object"},
    )
    elapsed = time.monotonic() - began
    assert isinstance(json.loads(raw.parse().choices[0].message.content or ""), dict)
    headers = hybrid_headers(raw.headers)
    if headers["x-hybrid-routed-to"] == "local":
        assert headers["x-hybrid-actual-model"] == CLOUD_MODEL
        assert headers["x-hybrid-escalation"] == "invalid_output"
        assert headers["x-hybrid-local-attempts"] == "2"
        assert local_stats(emulators)["generations"] == 2  # two local attempts, never three
        assert cloud_calls(emulators) == 1
        assert elapsed < 2.0  # no sleep between the attempts
    else:  # `auto` may judge a JSON request cloud-worthy itself; then local is never asked
        assert local_stats(emulators)["generations"] == 0


def test_a_streamed_json_reply_is_not_trusted_to_local(
    openai_client: openai.OpenAI, emulators: Emulators
) -> None:
    with openai_client.chat.completions.with_streaming_response.create(
        model="auto",
        messages=[{"role": "user", "content": "Are you open today? Reply in JSON."}],
        response_format={"type": "json_object"},
        stream=True,
    ) as response:
        assert response.headers["x-hybrid-routed-to"] == "cloud"
        "".join(chunk.choices[0].delta.content or "" for chunk in response.parse() if chunk.choices)
    assert local_stats(emulators)["generations"] == 0
    with pytest.raises(openai.BadRequestError, match="does not stream JSON"):
        openai_client.chat.completions.create(
            model="local", messages=MENU_JSON, stream=True, response_format={"type": "json_object"}
        )


# -- local unavailable ---------------------------------------------------------------------


def test_ollama_down_escalates_as_unavailable(
    openai_client: openai.OpenAI, emulators: Emulators
) -> None:
    local_faults(emulators, down=True)
    raw = openai_client.chat.completions.with_raw_response.create(model="auto", messages=ADDRESS)
    assert raw.parse().choices[0].message.content
    headers = hybrid_headers(raw.headers)
    assert (headers["x-hybrid-routed-to"], headers["x-hybrid-actual-model"]) == (
        "local",
        CLOUD_MODEL,
    )
    assert headers["x-hybrid-escalation"] == "local_unavailable"


def test_repeated_local_failures_cool_local_down_until_the_probe_sees_it_again(
    openai_client: openai.OpenAI, emulators: Emulators, proxy: Proxy
) -> None:
    local_faults(emulators, error_rate=1.0, error_status=503)
    failures = Settings().local_failures_to_open
    for _ in range(failures):
        raw = openai_client.chat.completions.with_raw_response.create(
            model="auto", messages=ADDRESS
        )
        assert raw.headers["x-hybrid-escalation"] == "local_unavailable"
    errors_before = local_stats(emulators)["errors_injected"]
    raw = openai_client.chat.completions.with_raw_response.create(model="auto", messages=ADDRESS)
    # Cooled down: straight to the cloud, without paying for another local failure.
    assert (raw.headers["x-hybrid-routed-to"], raw.headers["x-hybrid-reason"]) == (
        "cloud",
        "breaker_open",
    )
    assert local_stats(emulators)["errors_injected"] == errors_before
    breaker = admin(proxy, "GET", "/hr/admin/breaker")
    assert (breaker["mode"], breaker["cause"]) == ("open", "failures")


def breaker_mode(proxy: Proxy) -> str:
    return str(admin(proxy, "GET", "/hr/admin/breaker")["mode"])


# -- context sizing ------------------------------------------------------------------------


def test_every_local_call_carries_num_ctx_and_keep_alive(
    openai_client: openai.OpenAI, anthropic_client: anthropic.Anthropic, emulators: Emulators
) -> None:
    long_system = "You are the assistant of Café Lune. Menu: croissant 2.50. " * 250  # ~3.6k
    requests = [
        {"model": "local", "messages": ADDRESS},
        {"model": "local", "messages": [{"role": "system", "content": long_system}, *ADDRESS]},
        {"model": "auto", "messages": ADDRESS, "stream": True},
    ]
    for body in requests:
        response = openai_client.chat.completions.create(**body)
        if body.get("stream"):
            for _ in response:
                pass
    anthropic_client.messages.create(model="local", max_tokens=100, messages=ADDRESS)
    stats = local_stats(emulators)
    assert stats["generations"] == len(requests) + 1
    sizes = stats["num_ctx"][-stats["generations"] :]
    assert None not in sizes and min(sizes) >= 2048
    assert max(sizes) > 2048  # the long system prompt got a larger window
    assert set(stats["keep_alive"][-stats["generations"] :]) == {30 * 60.0}
    assert stats["truncations"] == 0


def test_a_prompt_too_long_for_local_is_refused_when_pinned(openai_client: openai.OpenAI) -> None:
    document = "Loyalty programme terms and conditions. " * 1200  # ~12k tokens
    with pytest.raises(openai.BadRequestError, match="do not fit"):
        openai_client.chat.completions.create(
            model="local", messages=[{"role": "system", "content": document}, *ADDRESS]
        )


# -- a proxy with short local timeouts, a small context and a cold-loading model -----------


@dataclass(frozen=True)
class Constrained:
    proxy: Proxy
    emulators: Emulators


@pytest.fixture(scope="module")
def constrained(
    process_logs: Path, tmp_path_factory: pytest.TempPathFactory, database_url: str
) -> Iterator[Constrained]:
    config = yaml.safe_load(Settings().litellm_config.read_text())
    for deployment in config["model_list"]:
        if deployment["model_name"] == "local":
            deployment["litellm_params"]["timeout"] = LOCAL_TIMEOUT_S
            deployment["litellm_params"]["stream_timeout"] = LOCAL_STREAM_TIMEOUT_S
    path = tmp_path_factory.mktemp("config") / "litellm_config.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {
        "HR_LITELLM_CONFIG": str(path),
        "HR_LOCAL_MAX_CONTEXT": "2048",
        "HR_LOCAL_PROBE_INTERVAL_S": "0.5",
        "HR_BREAKER_COOLDOWN_S": "1",
        "HR_DATABASE_URL": database_url,
    }
    cold = str(int(COLD_LOAD_S * 1000))
    with (
        run_emulators(process_logs, "--cold-load-ms", cold) as running,
        run_proxy(running, process_logs, env) as started,
    ):
        yield Constrained(started, running)


@pytest.fixture
def constrained_client(constrained: Constrained) -> Iterator[openai.OpenAI]:
    reset_emulators(constrained.emulators)
    reset_breaker(constrained.proxy)
    yield openai_for(constrained.proxy)
    assert_no_truncation(constrained.emulators)


def test_a_hanging_local_call_times_out_to_the_cloud(
    constrained: Constrained, constrained_client: openai.OpenAI
) -> None:
    local_faults(constrained.emulators, stall_after_chunks=0)
    began = time.monotonic()
    raw = constrained_client.chat.completions.with_raw_response.create(
        model="auto", messages=ADDRESS
    )
    elapsed = time.monotonic() - began
    assert raw.parse().choices[0].message.content
    assert raw.headers["x-hybrid-escalation"] == "local_timeout"
    assert raw.headers["x-hybrid-actual-model"] == CLOUD_MODEL
    assert LOCAL_TIMEOUT_S <= elapsed < LOCAL_TIMEOUT_S + 2


def test_a_stream_that_never_starts_times_out_to_the_cloud(
    constrained: Constrained, constrained_client: openai.OpenAI
) -> None:
    local_faults(constrained.emulators, stall_after_chunks=0)
    with constrained_client.chat.completions.with_streaming_response.create(
        model="auto", messages=ADDRESS, stream=True
    ) as response:
        assert response.headers["x-hybrid-escalation"] == "local_timeout"
        assert response.headers["x-hybrid-actual-model"] == CLOUD_MODEL
        text = "".join(chunk.choices[0].delta.content or "" for chunk in response.parse())
    assert text


def test_a_stream_that_stalls_after_its_first_bytes_ends_with_an_error_event(
    constrained: Constrained, constrained_client: openai.OpenAI
) -> None:
    local_faults(constrained.emulators, stall_after_chunks=3)
    began = time.monotonic()
    with constrained_client.chat.completions.with_streaming_response.create(
        model="auto", messages=ADDRESS, stream=True
    ) as response:
        assert response.headers["x-hybrid-actual-model"] == LOCAL_MODEL
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]
    elapsed = time.monotonic() - began
    events = [json.loads(line.removeprefix("data: ")) for line in lines]
    assert [event["choices"][0]["delta"]["content"] for event in events[:3]]
    assert "error" in events[-1] and events[-1]["error"]["message"]
    assert elapsed < LOCAL_STREAM_TIMEOUT_S + 1.5  # within the idle timeout


def test_a_prompt_too_long_for_the_local_context_goes_to_the_cloud(
    constrained: Constrained, constrained_client: openai.OpenAI
) -> None:
    system = "You are the assistant of Café Lune. We are a small bakery café. " * 60
    raw = constrained_client.chat.completions.with_raw_response.create(
        model="auto",
        messages=[{"role": "system", "content": system}, {"role": "user", "content": "hi!"}],
    )
    # The classifier says local (a greeting), but ~1,300 tokens of prompt and a 1,024-token
    # reply budget do not fit this proxy's 2,048-token local context.
    assert raw.headers["x-hybrid-routed-to"] == "cloud"
    assert raw.headers["x-hybrid-reason"] == "context_too_long"
    assert local_stats(constrained.emulators)["generations"] == 0


def test_the_probe_keeps_the_model_loaded(
    constrained: Constrained, constrained_client: openai.OpenAI
) -> None:
    ollama = constrained.emulators.ollama_url
    unload = {"model": "llama3.1:8b", "messages": [], "keep_alive": 0}
    httpx.post(ollama + "/api/chat", json=unload).raise_for_status()
    deadline = time.monotonic() + 5
    while not httpx.get(ollama + "/api/ps").json()["models"]:
        assert time.monotonic() < deadline, "the probe did not load the model again"
        time.sleep(0.1)
    loads = local_stats(constrained.emulators)["cold_loads"]
    began = time.monotonic()
    raw = constrained_client.chat.completions.with_raw_response.create(
        model="local", messages=ADDRESS
    )
    assert raw.headers["x-hybrid-actual-model"] == LOCAL_MODEL
    assert time.monotonic() - began < COLD_LOAD_S  # the request did not pay the load
    assert local_stats(constrained.emulators)["cold_loads"] == loads


def test_the_health_probe_brings_local_back_after_it_recovers(
    constrained: Constrained, constrained_client: openai.OpenAI
) -> None:
    local_faults(constrained.emulators, down=True)
    deadline = time.monotonic() + 10
    while breaker_mode(constrained.proxy) != "open":  # failures and failed probes
        constrained_client.chat.completions.create(model="auto", messages=ADDRESS)
        assert time.monotonic() < deadline, "the breaker did not open"
    time.sleep(1.5)  # past the cool-down, but Ollama is still down: stays open
    assert breaker_mode(constrained.proxy) == "open"
    local_faults(constrained.emulators, down=False)
    deadline = time.monotonic() + 5
    while breaker_mode(constrained.proxy) == "open":  # the probe sees Ollama again
        assert time.monotonic() < deadline, "the probe did not notice Ollama was back"
        time.sleep(0.1)
    models = []
    for _ in range(Settings().breaker_probes + 1):
        raw = constrained_client.chat.completions.with_raw_response.create(
            model="auto", messages=ADDRESS
        )
        models.append(raw.headers["x-hybrid-actual-model"])
    assert models == [LOCAL_MODEL] * len(models)  # the probes went local, then it closed
    assert breaker_mode(constrained.proxy) == "closed"

"""Bad requests get a 4xx in OpenAI's error shape, never a 500."""

from typing import Any

import httpx
import pytest

from bench.harness import Proxy
from tests.support.requests_seen import recording_client

pytestmark = pytest.mark.integration
RECORDING = recording_client()

USER = [{"role": "user", "content": "hi"}]
CHAT = "/v1/chat/completions"
MESSAGES = "/v1/messages"

CASES: dict[str, tuple[str, bytes | dict[str, Any], int, str]] = {
    "malformed_json": (CHAT, b'{"model": "auto", "messages": [', 400, "not valid JSON"),
    "not_an_object": (CHAT, b"[1, 2, 3]", 400, "must be a JSON object"),
    "invalid_utf8": (CHAT, b'{"model": "auto", "messages": "\xff\xfe"}', 400, "UTF-8"),
    "missing_messages": (CHAT, {"model": "auto"}, 400, "messages"),
    "empty_messages": (CHAT, {"model": "auto", "messages": []}, 400, "messages"),
    "messages_wrong_type": (CHAT, {"model": "auto", "messages": "hi"}, 400, "messages"),
    "content_wrong_type": (
        CHAT, {"model": "auto", "messages": [{"role": "user", "content": 42}]}, 400, "content",
    ),
    "unknown_role": (
        CHAT, {"model": "auto", "messages": [{"role": "wizard", "content": "x"}]}, 400, "role",
    ),
    "empty_content": (
        CHAT, {"model": "auto", "messages": [{"role": "user", "content": "  "}]}, 400,
        "non-empty content",
    ),
    "unknown_model": (CHAT, {"model": "gpt-9", "messages": USER}, 400, "unknown model"),
    "missing_model": (CHAT, {"messages": USER}, 400, "model"),
    "max_tokens_wrong_type": (
        CHAT, {"model": "auto", "messages": USER, "max_tokens": "many"}, 400, "max_tokens",
    ),
    "max_tokens_huge": (
        CHAT, {"model": "auto", "messages": USER, "max_tokens": 10**9}, 400, "max_tokens",
    ),
    "stream_wrong_type": (CHAT, {"model": "auto", "messages": USER, "stream": "yes"}, 400,
                          "stream"),
    "anthropic_missing_max_tokens": (MESSAGES, {"model": "auto", "messages": USER}, 400,
                                     "max_tokens"),
    "anthropic_unknown_model": (
        MESSAGES, {"model": "claude-x", "max_tokens": 10, "messages": USER}, 400,
        "unknown model",
    ),
    "anthropic_empty_content": (
        MESSAGES, {"model": "auto", "max_tokens": 10,
                   "messages": [{"role": "user", "content": ""}]}, 400, "non-empty content",
    ),
}  # fmt: skip


def post(proxy: Proxy, path: str, body: bytes | dict[str, Any]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {proxy.master_key}", "Content-Type": "application/json"}
    if isinstance(body, dict):
        return RECORDING.post(proxy.url + path, json=body, headers=headers, timeout=30)
    return RECORDING.post(proxy.url + path, content=body, headers=headers, timeout=30)


def assert_openai_error(response: httpx.Response, status: int, fragment: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) >= {"message", "type", "param", "code"}
    assert fragment.lower() in error["message"].lower()


@pytest.mark.parametrize("case", CASES)
def test_bad_request_gets_a_clear_4xx(proxy: Proxy, case: str) -> None:
    path, body, status, fragment = CASES[case]
    assert_openai_error(post(proxy, path, body), status, fragment)


def test_ten_megabyte_body_is_refused(proxy: Proxy) -> None:
    content = "x" * (10 * 1024 * 1024)
    body = {"model": "auto", "messages": [{"role": "user", "content": content}]}
    assert_openai_error(post(proxy, CHAT, body), 413, "larger than")


def test_missing_key_is_401(proxy: Proxy) -> None:
    response = RECORDING.post(
        proxy.url + CHAT, json={"model": "auto", "messages": USER}, timeout=30
    )
    assert_openai_error(response, 401, "missing API key")


def test_proxy_still_serves_after_bad_input(proxy: Proxy) -> None:
    for case in ("malformed_json", "invalid_utf8", "unknown_model"):
        path, body, _, _ = CASES[case]
        post(proxy, path, body)
    response = post(proxy, CHAT, {"model": "auto", "messages": USER})
    assert response.status_code == 200, response.text


def test_wrong_key_is_401(proxy: Proxy) -> None:
    response = httpx.post(
        proxy.url + CHAT,
        json={"model": "auto", "messages": USER},
        headers={"Authorization": "Bearer sk-wrong"},
        timeout=30,
    )
    assert_openai_error(response, 401, "invalid or revoked API key")


def test_health_probe_needs_no_key(proxy: Proxy) -> None:
    assert httpx.get(proxy.url + "/health/liveliness", timeout=30).status_code == 200

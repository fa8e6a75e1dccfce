"""The proxy never reaches beyond loopback, at start-up or per request.

The proxy process runs with tests/support/netaudit on its PYTHONPATH: an
audit hook logs every DNS lookup of a non-local name and every connect to a
non-loopback address. Start-up has already happened when this test runs.
"""

import subprocess
import sys
from pathlib import Path

import anthropic
import openai
import pytest

from bench.harness import Proxy
from tests.support.netaudit import NETAUDIT_DIR

pytestmark = pytest.mark.integration


def test_no_connection_leaves_loopback(
    proxy: Proxy,
    network_log: Path,
    openai_client: openai.OpenAI,
    anthropic_client: anthropic.Anthropic,
) -> None:
    for text in ("What are your opening hours?", "I want to complain about my order"):
        messages = [{"role": "user", "content": text}]
        openai_client.chat.completions.create(model="auto", messages=messages)
        for _ in openai_client.chat.completions.create(
            model="auto", messages=messages, stream=True
        ):
            pass
        anthropic_client.messages.create(model="auto", max_tokens=50, messages=messages)
    attempts = network_log.read_text()
    assert attempts == "", f"the proxy tried to reach the network:\n{attempts}"


def test_the_audit_hook_is_active(tmp_path: Path) -> None:
    """The check above would pass vacuously if the hook were not installed."""
    log = tmp_path / "self-check.log"
    lookup = (
        "import socket\n"
        "try:\n    socket.getaddrinfo('example.invalid', 443)\n"
        "except OSError:\n    pass\n"
    )
    env = {"PYTHONPATH": str(NETAUDIT_DIR), "HR_TEST_NETWORK_LOG": str(log)}
    subprocess.run([sys.executable, "-c", lookup], env=env, check=True, timeout=30)
    assert "example.invalid" in log.read_text()

"""`hybrid-router up` on a machine with nothing configured: it answers, then stops cleanly."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai
import pytest

from bench.harness import free_port

pytestmark = pytest.mark.integration

START_TIMEOUT_S = 120


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_up_serves_with_embedded_defaults_and_stops_cleanly(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    port, ollama_port, anthropic_port = free_port(), free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HR_", "OLLAMA_", "ANTHROPIC_", "LITELLM_"))
    }
    console_script = Path(sys.executable).parent / "hybrid-router"
    command = [
        str(console_script), "up", "--port", str(port),
        "--ollama-port", str(ollama_port), "--anthropic-port", str(anthropic_port),
        "--speed", "fast",
    ]  # fmt: skip
    output = tmp_path / "up.log"
    with output.open("w") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path
        )
        try:
            key = _wait_for_key(output, process)
            client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key=key)
            raw = client.chat.completions.with_raw_response.create(
                model="auto", messages=[{"role": "user", "content": "Where are you located?"}]
            )
            assert raw.headers["x-hybrid-routed-to"] == "local"
            assert raw.parse().choices[0].message.content
            process.send_signal(stop_signal)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
    for stopped in (port, ollama_port, anthropic_port):
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{stopped}/", timeout=2)


def _wait_for_key(output: Path, process: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        found = re.search(r"export HR_MASTER_KEY=(\S+)", output.read_text())
        if found:
            return found.group(1)
        if process.poll() is not None:
            raise AssertionError(f"up exited early:\n{output.read_text()}")
        time.sleep(0.5)
    raise AssertionError(f"up printed no usage in time:\n{output.read_text()}")

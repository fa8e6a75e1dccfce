"""``python -m emulators`` as a real process: announces itself, serves, stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_module_runs_both_emulators_and_stops_on_sigterm() -> None:
    ollama_port, anthropic_port = free_port(), free_port()
    env = {**os.environ, "ANTHROPIC_API_KEY": "sk-ant-from-env"}
    command = [
        sys.executable,
        "-m",
        "emulators",
        "--ollama-port",
        str(ollama_port),
        "--anthropic-port",
        str(anthropic_port),
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().strip() for _ in range(2)]
        assert lines == [
            f"ollama emulator listening on http://127.0.0.1:{ollama_port}",
            f"anthropic emulator listening on http://127.0.0.1:{anthropic_port}",
        ]
        ollama = f"http://127.0.0.1:{ollama_port}"
        assert httpx.get(ollama + "/api/version").json() == {"version": "0.12.6"}
        cloud = f"http://127.0.0.1:{anthropic_port}/v1/messages"
        body = {
            "model": "claude-sonnet-4-6",
            "max_tokens": 5,
            "messages": [{"role": "user", "content": "hi"}],
        }
        assert (
            httpx.post(cloud, json=body, headers={"x-api-key": "sk-ant-from-env"}).status_code
            == 200
        )
        assert (
            httpx.post(cloud, json=body, headers={"x-api-key": "sk-ant-emulator"}).status_code
            == 401
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

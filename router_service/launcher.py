"""`hybrid-router up`: the emulators and the proxy together, for local use.

Each runs as a child process; the launcher waits until both answer, prints
how to call the proxy, and on Ctrl-C / SIGTERM (or if a child dies) stops
both cleanly.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import FrameType

import httpx

from router_service.core.config import Settings
from router_service.db.engine import migrate, shown_url

READY_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Ports:
    proxy: int
    ollama: int
    anthropic: int


class Stop(Exception):
    """A signal asked the launcher to stop."""


def up(settings: Settings, ports: Ports, speed: str) -> int:
    # `up` is for trying the router out: bring its database up to date first
    # (`serve` refuses an old schema instead).
    migrate(settings)
    print(f"database: {shown_url(settings)}", flush=True)
    env = dict(os.environ)
    env.setdefault("OLLAMA_API_BASE", f"http://127.0.0.1:{ports.ollama}")
    if not env.get("ANTHROPIC_API_KEY"):
        env.setdefault("ANTHROPIC_API_BASE", f"http://127.0.0.1:{ports.anthropic}")
    master_key = (
        settings.master_key.get_secret_value()
        if settings.master_key is not None
        else "sk-hr-" + secrets.token_hex(16)
    )
    env["HR_MASTER_KEY"] = master_key
    env["HR_PORT"] = str(ports.proxy)
    emulators = [
        sys.executable, "-m", "emulators", "--ollama-port", str(ports.ollama),
        "--anthropic-port", str(ports.anthropic), "--speed", speed,
    ]  # fmt: skip
    children = [
        subprocess.Popen(emulators, env=env),
        subprocess.Popen([sys.executable, "-m", "router_service", "serve"], env=env),
    ]
    signal.signal(signal.SIGTERM, _raise_stop)
    try:
        _wait_ready(f"http://127.0.0.1:{ports.proxy}/health/liveliness", children)
        print(usage(settings.host, ports.proxy, master_key, env), flush=True)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
        print("a child process exited; stopping", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Stop):
        return 0
    finally:
        _stop(children)


def usage(host: str, port: int, master_key: str, env: Mapping[str, str]) -> str:
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    cloud = env.get("ANTHROPIC_API_BASE", "the Anthropic API")
    question = '{"role": "user", "content": "When do you open on Sunday?"}'
    return f"""
hybrid-router is up on {base}
  local tier: {env["OLLAMA_API_BASE"]}
  cloud tier: {cloud}

  export HR_MASTER_KEY={master_key}
  curl -s {base}/v1/chat/completions -D - \\
    -H "Authorization: Bearer $HR_MASTER_KEY" -H "Content-Type: application/json" \\
    -d '{{"model": "auto", "messages": [{question}]}}'

  OpenAI SDK:    openai.OpenAI(base_url="{base}/v1", api_key=HR_MASTER_KEY)
  Anthropic SDK: anthropic.Anthropic(base_url="{base}", api_key=HR_MASTER_KEY)
  then model="auto" (or "local" / "cloud" to pin a tier)

Press Ctrl-C to stop.
"""


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise Stop


def _wait_ready(url: str, children: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            raise RuntimeError("a child process exited during start-up")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError(f"the proxy did not answer on {url} within {READY_TIMEOUT_S:.0f} s")


def _stop(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()

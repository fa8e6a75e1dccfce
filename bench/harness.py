"""Start the emulators and the proxy as real processes, for tests and benchmarks."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from router_service.core.config import Settings

EMULATOR_ANTHROPIC_KEY = "sk-ant-emulator"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout_s} s")


def stop(process: subprocess.Popen[bytes], timeout_s: float = 15.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class Emulators:
    ollama_url: str
    anthropic_url: str
    pid: int = 0  # the emulators' process (both run in one)


@dataclass(frozen=True)
class Proxy:
    url: str
    master_key: str
    pid: int
    process: "subprocess.Popen[bytes] | None" = field(default=None, compare=False)


@contextmanager
def run_emulators(log_dir: Path, *options: str, name: str = "emulators") -> Iterator[Emulators]:
    """Both emulators at fast speed; `options` are extra `python -m emulators` flags."""
    ollama_port, anthropic_port = free_port(), free_port()
    command = [
        sys.executable, "-m", "emulators", "--ollama-port", str(ollama_port),
        "--anthropic-port", str(anthropic_port), "--speed", "fast", *options,
    ]  # fmt: skip
    with (log_dir / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            emulators = Emulators(
                f"http://127.0.0.1:{ollama_port}", f"http://127.0.0.1:{anthropic_port}", process.pid
            )
            wait_until_ready(emulators.ollama_url + "/api/version", process, 30)
            wait_until_ready(emulators.anthropic_url + "/_emulator/stats", process, 30)
            yield emulators
        finally:
            stop(process)


@contextmanager
def run_proxy(
    emulators: Emulators, log_dir: Path, extra_env: Mapping[str, str] | None = None
) -> Iterator[Proxy]:
    port = free_port()
    master_key = "sk-hr-test-" + os.urandom(12).hex()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HR_", "OLLAMA_", "ANTHROPIC_", "LITELLM_"))
    }
    env.update(
        HR_MASTER_KEY=master_key,
        HR_PORT=str(port),
        OLLAMA_API_BASE=emulators.ollama_url,
        ANTHROPIC_API_BASE=emulators.anthropic_url,
        ANTHROPIC_API_KEY=EMULATOR_ANTHROPIC_KEY,
    )
    env.update(extra_env or {})
    env.setdefault("HR_DATA_DIR", str(log_dir / f"data-{port}"))  # spill files, SQLite
    if not env.get("HR_DATABASE_URL"):
        # No database given: an embedded SQLite file of this proxy's own, migrated.
        migrate = [sys.executable, "-m", "router_service", "db", "upgrade"]
        subprocess.run(migrate, env=env, check=True, capture_output=True, timeout=120)
    command = [sys.executable, "-m", "router_service", "serve"]
    with (log_dir / f"proxy-{port}.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_ready(url + "/health/liveliness", process, 120)
            yield Proxy(url, master_key, process.pid, process)
        finally:
            # After SIGTERM the proxy drains for up to HR_DRAIN_TIMEOUT_S: killing it
            # sooner would lose the log rows still in its writer's memory.
            default_drain_s = Settings.model_fields["drain_timeout_s"].default
            stop(process, timeout_s=float(env.get("HR_DRAIN_TIMEOUT_S", default_drain_s)) + 5)

"""Run the emulators for real (uvicorn on free loopback ports, in threads).

``ollama`` / ``cloud`` are shared default-config emulators, reset before each
test; ``start_emulator`` starts a private one with its own config (timing tests).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import anthropic
import httpx
import pytest
from fastapi import FastAPI

from emulators import EmulatorConfig, create_anthropic_app, create_ollama_app
from emulators.server import EmbeddedServer, bound_port, build_server
from emulators.state import EmulatorState

Kind = Literal["ollama", "anthropic"]
API_KEY = "sk-ant-emulator"
READY_TIMEOUT_S = 10.0


@dataclass
class Running:
    """One emulator listening on a loopback port."""

    url: str
    app: FastAPI
    server: EmbeddedServer
    thread: threading.Thread
    # One pooled client per emulator: building an httpx.Client costs ~80 ms.
    client: httpx.Client
    sdk_clients: dict[tuple[str, float], anthropic.Anthropic] = field(default_factory=dict)

    def sdk(self, api_key: str = API_KEY, timeout: float = 10) -> anthropic.Anthropic:
        """An official Anthropic SDK client for this emulator (cached, no retries)."""
        key = (api_key, timeout)
        if key not in self.sdk_clients:
            self.sdk_clients[key] = anthropic.Anthropic(
                base_url=self.url, api_key=api_key, max_retries=0, timeout=timeout
            )
        return self.sdk_clients[key]

    @property
    def state(self) -> EmulatorState:
        state = self.app.state.emulator
        assert isinstance(state, EmulatorState)
        return state

    def faults(self, **update: object) -> dict[str, Any]:
        response = self.client.post("/_emulator/faults", json=update)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.client.get("/_emulator/stats").json()
        return result

    def reset(self) -> None:
        self.client.post("/_emulator/reset").raise_for_status()

    def stop(self) -> None:
        self.server.should_exit = True
        self.client.close()
        for sdk in self.sdk_clients.values():
            sdk.close()


def start(kind: Kind, config: EmulatorConfig | None = None) -> Running:
    app = create_ollama_app(config) if kind == "ollama" else create_anthropic_app(config)
    server = build_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, name=f"{kind}-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + READY_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"{kind} emulator did not start")
        time.sleep(0.005)
    url = f"http://127.0.0.1:{bound_port(server)}"
    running = Running(url, app, server, thread, httpx.Client(base_url=url, timeout=10))
    while running.client.get("/_emulator/stats").status_code != 200:
        time.sleep(0.01)  # readiness by polling, like any external client
    return running


def stop_all(running: list[Running]) -> None:
    for item in running:
        item.stop()
    for item in running:
        item.thread.join(timeout=10)


@pytest.fixture(scope="session")
def shared() -> Iterator[dict[Kind, Running]]:
    servers: dict[Kind, Running] = {"ollama": start("ollama"), "anthropic": start("anthropic")}
    yield servers
    stop_all(list(servers.values()))


@pytest.fixture
def ollama(shared: dict[Kind, Running]) -> Running:
    shared["ollama"].reset()
    return shared["ollama"]


@pytest.fixture
def cloud(shared: dict[Kind, Running]) -> Running:
    shared["anthropic"].reset()
    return shared["anthropic"]


@pytest.fixture
def start_emulator() -> Iterator[Callable[[Kind, EmulatorConfig | None], Running]]:
    started: list[Running] = []

    def _start(kind: Kind, config: EmulatorConfig | None = None) -> Running:
        running = start(kind, config)
        started.append(running)
        return running

    yield _start
    stop_all(started)

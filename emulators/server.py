"""Run both emulators with uvicorn in one process and one event loop.

``build_server`` is also what tests use to run an app on a free port: it wires
in :class:`~emulators.connreset.ResettableH11Protocol`, without which the
``down`` fault cannot reset connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from emulators.anthropic import create_anthropic_app
from emulators.config import EmulatorConfig, Speed
from emulators.connreset import ResettableH11Protocol
from emulators.ollama import create_ollama_app

# Stalled streams would otherwise hold shutdown for up to stall_max_s.
GRACEFUL_SHUTDOWN_S = 2
STARTUP_POLL_S = 0.01


class EmbeddedServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to its owner."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def build_server(app: FastAPI, host: str, port: int) -> EmbeddedServer:
    """An unstarted server for ``app``; ``port=0`` picks a free port."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        http=ResettableH11Protocol,
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    return EmbeddedServer(config)


def bound_port(server: uvicorn.Server) -> int:
    """The port a started server listens on (useful after ``port=0``)."""
    sockets = server.servers[0].sockets
    return int(sockets[0].getsockname()[1])


async def serve_all(named: list[tuple[str, uvicorn.Server]]) -> None:
    """Serve until SIGINT/SIGTERM, announcing each emulator once it listens."""
    loop = asyncio.get_running_loop()

    def stop() -> None:
        for _, server in named:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop)
    try:
        tasks = [asyncio.create_task(server.serve()) for _, server in named]
        for name, server in named:
            while not server.started and not all(t.done() for t in tasks):
                await asyncio.sleep(STARTUP_POLL_S)
            if server.started:
                host = server.config.host
                print(
                    f"{name} emulator listening on http://{host}:{bound_port(server)}", flush=True
                )
        await asyncio.gather(*tasks)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def serve_emulators(
    ollama_port: int = 11435,
    anthropic_port: int = 18080,
    host: str = "127.0.0.1",
    speed: str = "fast",
    anthropic_api_key: str | None = None,
    cold_load_s: float | None = None,
) -> None:
    """Run the Ollama and Anthropic emulators until SIGINT/SIGTERM (blocking).

    The Anthropic key defaults to ``$ANTHROPIC_API_KEY``, else ``sk-ant-emulator``.
    """
    if speed not in ("fast", "realistic"):
        raise ValueError(f"unknown speed {speed!r}; expected 'fast' or 'realistic'")
    chosen: Speed = "fast" if speed == "fast" else "realistic"
    key = anthropic_api_key or os.environ.get("ANTHROPIC_API_KEY")
    config = EmulatorConfig(speed=chosen, cold_load_s=cold_load_s)
    if key:
        config = EmulatorConfig(speed=chosen, anthropic_api_key=key, cold_load_s=cold_load_s)
    named: list[tuple[str, uvicorn.Server]] = [
        ("ollama", build_server(create_ollama_app(config), host, ollama_port)),
        ("anthropic", build_server(create_anthropic_app(config), host, anthropic_port)),
    ]
    asyncio.run(serve_all(named))

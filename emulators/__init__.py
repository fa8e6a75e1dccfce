"""Ollama and Anthropic API emulators for tests, the demo and load tests.

Standalone FastAPI apps, faithful to the real wire formats, with a single-GPU
queue model for Ollama and run-time fault injection on both
(``/_emulator/faults``, ``/_emulator/stats``, ``/_emulator/reset``).

    create_ollama_app(config) -> FastAPI
    create_anthropic_app(config) -> FastAPI
    serve_emulators(ollama_port, anthropic_port, host, speed, anthropic_api_key)
    python -m emulators --ollama-port 11435 --anthropic-port 18080
"""

from emulators.anthropic import create_anthropic_app
from emulators.config import EmulatorConfig
from emulators.ollama import create_ollama_app
from emulators.server import serve_emulators

__all__ = ["EmulatorConfig", "create_anthropic_app", "create_ollama_app", "serve_emulators"]

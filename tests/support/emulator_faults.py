"""Faults injected into the emulators, as tests set them (see docs/EMULATORS.md)."""

from typing import Any

import httpx

from bench.harness import Emulators


def local_faults(emulators: Emulators, **faults: Any) -> None:
    """Change the Ollama emulator's faults (a partial update)."""
    httpx.post(emulators.ollama_url + "/_emulator/faults", json=faults).raise_for_status()


def cloud_faults(emulators: Emulators, **faults: Any) -> None:
    """Reset the Anthropic emulator (faults and stats), then set these faults."""
    httpx.post(emulators.anthropic_url + "/_emulator/reset").raise_for_status()
    httpx.post(emulators.anthropic_url + "/_emulator/faults", json=faults).raise_for_status()

"""Emulator configuration: speed presets and the knobs shared by both emulators.

A config is immutable; run-time behaviour that tests flip (faults, wrapping
rates) lives in :mod:`emulators.faults` instead, so one config can describe a
whole test session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Speed = Literal["fast", "realistic"]


@dataclass(frozen=True)
class SpeedProfile:
    """Service-time model of one speed preset (all rates in tokens per second)."""

    prompt_tokens_per_s: float
    gen_tokens_per_s: float
    load_duration_s: float
    # Loading the model into the GPU after it was unloaded (idle past keep_alive,
    # or asked for another num_ctx): the first request waits this long.
    cold_load_s: float
    cloud_prompt_tokens_per_s: float
    cloud_gen_tokens_per_s: float
    cloud_first_byte_s: float
    # Default wrapping rates: a real 8B model fences JSON now and then.
    json_fence_rate: float
    json_prose_rate: float


def speed_profile(speed: Speed) -> SpeedProfile:
    """Return the preset for ``speed`` ("fast" for tests, "realistic" for the demo)."""
    if speed == "fast":
        # A reply of ~50 tokens takes a few milliseconds.
        return SpeedProfile(
            prompt_tokens_per_s=200_000.0,
            gen_tokens_per_s=20_000.0,
            load_duration_s=0.0001,
            cold_load_s=0.0,
            cloud_prompt_tokens_per_s=1_000_000.0,
            cloud_gen_tokens_per_s=50_000.0,
            cloud_first_byte_s=0.0,
            json_fence_rate=0.0,
            json_prose_rate=0.0,
        )
    if speed == "realistic":
        # llama3.1:8b Q4_K_M on one consumer GPU; Claude Sonnet over the internet.
        return SpeedProfile(
            prompt_tokens_per_s=1_500.0,
            gen_tokens_per_s=40.0,
            load_duration_s=0.012,
            cold_load_s=2.5,
            cloud_prompt_tokens_per_s=20_000.0,
            cloud_gen_tokens_per_s=80.0,
            cloud_first_byte_s=0.4,
            json_fence_rate=0.1,
            json_prose_rate=0.03,
        )
    raise ValueError(f"unknown speed {speed!r}; expected 'fast' or 'realistic'")


@dataclass(frozen=True)
class EmulatorConfig:
    """Static settings of one emulator app.

    ``prompt_tokens_per_s`` / ``gen_tokens_per_s`` override the preset's local
    (Ollama) rates, which is how timing tests get a slow but short run.
    """

    speed: Speed = "fast"
    parallelism: int = 1
    model_name: str = "llama3.1:8b"
    default_num_ctx: int = 2048
    anthropic_api_key: str = "sk-ant-emulator"
    seed: int = 0
    prompt_tokens_per_s: float | None = None
    gen_tokens_per_s: float | None = None
    cold_load_s: float | None = None  # overrides the preset's
    # Upper bound of a stall, so a forgotten fault never hangs a run forever.
    stall_max_s: float = 120.0
    error_status: int = 500

    def __post_init__(self) -> None:
        speed_profile(self.speed)  # validates the name
        if self.parallelism < 1:
            raise ValueError("parallelism must be >= 1")
        if self.default_num_ctx < 1:
            raise ValueError("default_num_ctx must be >= 1")

    @property
    def profile(self) -> SpeedProfile:
        return speed_profile(self.speed)

    @property
    def local_prompt_tokens_per_s(self) -> float:
        return self.prompt_tokens_per_s or self.profile.prompt_tokens_per_s

    @property
    def local_gen_tokens_per_s(self) -> float:
        return self.gen_tokens_per_s or self.profile.gen_tokens_per_s

    @property
    def local_cold_load_s(self) -> float:
        return self.profile.cold_load_s if self.cold_load_s is None else self.cold_load_s

"""Per-app mutable state: faults, stats, the seeded RNG and the GPU model.

One :class:`EmulatorState` hangs off ``app.state.emulator``; nothing is global,
so several emulators can run in one process (tests do).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request

from emulators.config import EmulatorConfig
from emulators.faults import FaultState
from emulators.gpu import GpuModel
from emulators.replies import Distortions
from emulators.stats import Stats


def initial_faults(config: EmulatorConfig) -> FaultState:
    """The fault state after start and after ``/_emulator/reset``."""
    profile = config.profile
    return FaultState(
        error_status=config.error_status,
        json_fence_rate=profile.json_fence_rate,
        json_prose_rate=profile.json_prose_rate,
    )


@dataclass
class EmulatorState:
    """Everything that changes while an emulator runs."""

    config: EmulatorConfig
    gpu: GpuModel
    faults: FaultState
    rng: random.Random
    stats: Stats = field(default_factory=Stats)
    # Wall-clock time until which the model stays loaded (for /api/ps).
    model_expires_at: float | None = None
    loaded_num_ctx: int = 0

    @classmethod
    def create(cls, config: EmulatorConfig, parallelism: int | None) -> EmulatorState:
        return cls(
            config=config,
            gpu=GpuModel(parallelism),
            faults=initial_faults(config),
            rng=random.Random(config.seed),
        )

    def reset(self) -> None:
        """Clear faults and stats and re-seed the RNG."""
        self.faults = initial_faults(self.config)
        self.stats = Stats()
        self.rng.seed(self.config.seed)
        self.gpu.reset_peaks()
        self.model_expires_at = None

    def roll(self, rate: float) -> bool:
        """True with probability ``rate``; a zero rate draws nothing from the RNG."""
        return rate > 0.0 and self.rng.random() < rate

    def roll_error(self) -> bool:
        """Whether this request is answered with an injected error."""
        hit = self.roll(self.faults.error_rate)
        if hit:
            self.stats.errors_injected += 1
        return hit

    def roll_distortions(self, is_json: bool) -> Distortions:
        """Decide the JSON/empty distortions of one reply and count them."""
        faults = self.faults
        malformed = is_json and self.roll(faults.malformed_json_rate)
        fence = is_json and self.roll(faults.json_fence_rate)
        prose = is_json and self.roll(faults.json_prose_rate)
        empty = self.roll(faults.empty_reply_rate)
        self.stats.json_malformed += malformed and not empty
        self.stats.json_fenced += fence and not empty
        self.stats.json_prose += prose and not empty
        self.stats.empty_replies += empty
        return Distortions(malformed=malformed, fence=fence, prose=prose, empty=empty)


def get_state(request: Request) -> EmulatorState:
    """FastAPI dependency: the emulator state of the app serving ``request``."""
    state = request.app.state.emulator
    assert isinstance(state, EmulatorState)
    return state


StateDep = Annotated[EmulatorState, Depends(get_state)]

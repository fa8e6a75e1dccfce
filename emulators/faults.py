"""Run-time fault settings, changed through ``POST /_emulator/faults``.

Every field has a safe default (no fault); an update is partial and the
merged state is validated as a whole, so a bad value leaves the state as it was.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

Rate = Field(default=0.0, ge=0.0, le=1.0)


class FaultState(BaseModel):
    """The complete fault configuration of one emulator."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    down: bool = False
    error_rate: float = Rate
    error_status: int = Field(default=500, ge=400, le=599)
    latency_ms: float = Field(default=0.0, ge=0.0, le=600_000.0)
    # Extra GPU time per request, spent holding the GPU: a slower or busier GPU.
    gpu_ms: float = Field(default=0.0, ge=0.0, le=600_000.0)
    stall_after_chunks: int | None = Field(default=None, ge=0)
    malformed_json_rate: float = Rate
    json_fence_rate: float = Rate
    json_prose_rate: float = Rate
    empty_reply_rate: float = Rate


def merge_faults(current: FaultState, update: Mapping[str, object]) -> FaultState:
    """Apply a partial update; raises ``pydantic.ValidationError`` on bad input."""
    return FaultState.model_validate({**current.model_dump(), **update})

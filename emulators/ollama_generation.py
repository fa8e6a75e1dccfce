"""One Ollama generation: the reply, its timing and its wire bodies.

A :class:`Generation` is computed up front (the reply is deterministic); the
service time is then spent holding a GPU slot, either in one sleep
(non-streaming) or paced one token per NDJSON line (streaming).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any, Literal

from emulators.faults import FaultState
from emulators.ollama_models import timestamp
from emulators.ollama_request import GenerationRequest
from emulators.replies import compose_reply, distort
from emulators.state import EmulatorState
from emulators.streaming import Pacer, sleep_s
from emulators.tokens import count_tokens, fit_context, split_tokens, take_tokens

Endpoint = Literal["chat", "generate"]
NS = 1_000_000_000


@dataclass(frozen=True)
class Generation:
    """Everything needed to answer one request, decided before any waiting."""

    endpoint: Endpoint
    model: str
    text: str
    done_reason: str
    prompt_tokens: int
    output_tokens: int
    prompt_s: float
    gen_s: float
    load_s: float
    received_at: float

    def chunk(self, piece: str) -> dict[str, Any]:
        """A streaming line (``done: false``) carrying ``piece``."""
        return {
            "model": self.model,
            "created_at": timestamp(),
            **self._content(piece),
            "done": False,
        }

    def final(self, content: str) -> dict[str, Any]:
        """The ``done: true`` object with the timing statistics (durations in ns)."""
        total_s = max(time.monotonic() - self.received_at, self.prompt_s + self.gen_s)
        return {
            "model": self.model,
            "created_at": timestamp(),
            **self._content(content),
            "done": True,
            "done_reason": self.done_reason,
            "total_duration": int(total_s * NS),
            "load_duration": int(self.load_s * NS),
            "prompt_eval_count": self.prompt_tokens,
            "prompt_eval_duration": int(self.prompt_s * NS),
            "eval_count": self.output_tokens,
            "eval_duration": int(self.gen_s * NS),
        }

    def _content(self, text: str) -> dict[str, Any]:
        if self.endpoint == "chat":
            return {"message": {"role": "assistant", "content": text}}
        return {"response": text}


def plan_generation(
    state: EmulatorState,
    request: GenerationRequest,
    endpoint: Endpoint,
    received_at: float,
    cold_load_s: float = 0.0,
) -> Generation:
    """Fit the prompt into the context, compose and distort the reply, time it."""
    config = state.config
    state.stats.generations += 1
    window = fit_context(request.messages, request.num_ctx or config.default_num_ctx)
    if window.truncated:
        state.stats.truncations += 1
    reply = compose_reply(window.messages, request.fmt, "local")
    text = distort(reply, state.roll_distortions(reply.is_json))
    done_reason = "stop"
    limit = request.num_predict
    if limit is not None and limit > 0 and count_tokens(text) > limit:
        text, done_reason = take_tokens(text, limit), "length"
    output_tokens = count_tokens(text)
    return Generation(
        endpoint=endpoint,
        model=request.model,
        text=text,
        done_reason=done_reason,
        prompt_tokens=window.prompt_tokens,
        output_tokens=output_tokens,
        prompt_s=window.prompt_tokens / config.local_prompt_tokens_per_s,
        gen_s=output_tokens / config.local_gen_tokens_per_s,
        load_s=config.profile.load_duration_s + cold_load_s,
        received_at=received_at,
    )


def ndjson(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


async def run_blocking(
    state: EmulatorState, generation: Generation, faults: FaultState
) -> dict[str, Any]:
    """Serve a non-streaming request: queue for the GPU, spend the service time.

    A stall (any ``stall_after_chunks``) hangs before the reply, outside the queue.
    """
    if faults.stall_after_chunks is not None:
        state.stats.stalls += 1
        await asyncio.sleep(state.config.stall_max_s)
    async with state.gpu.slot():
        busy_s = generation.load_s + faults.gpu_ms / 1000.0
        await sleep_s(busy_s + generation.prompt_s + generation.gen_s)
    return generation.final(generation.text)


async def run_streaming(
    state: EmulatorState, generation: Generation, faults: FaultState
) -> AsyncGenerator[bytes, None]:
    """Serve a streaming request: one NDJSON line per token, then the final object."""
    await state.gpu.acquire()
    try:
        await sleep_s(generation.load_s + faults.gpu_ms / 1000.0 + generation.prompt_s)
        pacer = Pacer(state.config.local_gen_tokens_per_s)
        pieces = split_tokens(generation.text)
        for index in range(len(pieces) + 1):
            if faults.stall_after_chunks == index:
                state.stats.stalls += 1
                # Hangs with the connection open; cancelled when the client leaves.
                await asyncio.sleep(state.config.stall_max_s)
            if index == len(pieces):
                yield ndjson(generation.final(""))
            else:
                await pacer.wait(1)
                yield ndjson(generation.chunk(pieces[index]))
    finally:
        state.gpu.release()

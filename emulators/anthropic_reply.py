"""One Anthropic Messages reply: content block, usage, timing and SSE events.

Streaming follows https://docs.anthropic.com/en/api/messages-streaming:
``message_start``, ``content_block_start``, ``ping``, ``content_block_delta``
(``text_delta`` or ``input_json_delta``), ``content_block_stop``,
``message_delta``, ``message_stop``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

from emulators.anthropic_request import MessagesRequest, new_id
from emulators.faults import FaultState
from emulators.jsonschema_fill import fill_schema
from emulators.replies import answer_text, compose_reply, distort, prompt_digest
from emulators.state import EmulatorState
from emulators.streaming import Pacer, sleep_s
from emulators.tokens import count_tokens, take_tokens

DELTA_TOKENS = 3  # tokens per content_block_delta, about what the real API sends


@dataclass(frozen=True)
class PlannedMessage:
    """A reply decided up front; only the waiting is left to do."""

    id: str
    model: str
    kind: str  # "text" or "tool_use"
    text: str  # the text, or the tool input as JSON
    tool_id: str
    tool_name: str
    stop_reason: str
    input_tokens: int
    output_tokens: int
    first_byte_s: float
    gen_s: float

    def content_block(self, *, started: bool = False) -> dict[str, Any]:
        if self.kind == "tool_use":
            tool_input = {} if started else json.loads(self.text)
            return {
                "type": "tool_use",
                "id": self.tool_id,
                "name": self.tool_name,
                "input": tool_input,
            }
        return {"type": "text", "text": "" if started else self.text}

    def usage(self, output_tokens: int) -> dict[str, Any]:
        return {
            "input_tokens": self.input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": output_tokens,
            "service_tier": "standard",
        }

    def body(self) -> dict[str, Any]:
        """The non-streaming ``message`` object."""
        return {
            "id": self.id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [self.content_block()],
            "stop_reason": self.stop_reason,
            "stop_sequence": None,
            "usage": self.usage(self.output_tokens),
        }

    def events(self) -> list[tuple[bytes, int]]:
        """The SSE events in order, each with the tokens it carries (for pacing)."""
        start = {**self.body(), "content": [], "stop_reason": None, "usage": self.usage(1)}
        events = [
            (sse("message_start", {"type": "message_start", "message": start}), 0),
            (
                sse(
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": 0,
                        "content_block": self.content_block(started=True),
                    },
                ),
                0,
            ),
            (sse("ping", {"type": "ping"}), 0),
        ]
        step = DELTA_TOKENS * 4
        pieces = [self.text[i : i + step] for i in range(0, len(self.text), step)]
        if self.kind == "tool_use":
            pieces = ["", *pieces]  # the real API opens with an empty partial_json
        for piece in pieces:
            delta = (
                {"type": "input_json_delta", "partial_json": piece}
                if self.kind == "tool_use"
                else {"type": "text_delta", "text": piece}
            )
            events.append(
                (
                    sse(
                        "content_block_delta",
                        {"type": "content_block_delta", "index": 0, "delta": delta},
                    ),
                    count_tokens(piece),
                )
            )
        events += [
            (sse("content_block_stop", {"type": "content_block_stop", "index": 0}), 0),
            (
                sse(
                    "message_delta",
                    {
                        "type": "message_delta",
                        "delta": {"stop_reason": self.stop_reason, "stop_sequence": None},
                        "usage": {"output_tokens": self.output_tokens},
                    },
                ),
                0,
            ),
            (sse("message_stop", {"type": "message_stop"}), 0),
        ]
        return events


def sse(event: str, data: dict[str, Any]) -> bytes:
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return f"event: {event}\ndata: {payload}\n\n".encode()


def plan_message(state: EmulatorState, request: MessagesRequest) -> PlannedMessage:
    """Compose the reply: a forced tool call, or text (JSON when asked for)."""
    profile = state.config.profile
    kind, tool_id, tool_name = "text", "", ""
    stop_reason = "end_turn"
    if request.forced_tool is not None:
        tool = request.forced_tool
        digest = prompt_digest(request.messages, None, "cloud")
        tool_input = fill_schema(tool.input_schema, answer_text(request.messages, "cloud", digest))
        if not isinstance(tool_input, dict):
            tool_input = {}
        kind, tool_id, tool_name = "tool_use", new_id("toolu_"), tool.name
        text, stop_reason = json.dumps(tool_input, ensure_ascii=False), "tool_use"
    else:
        reply = compose_reply(request.messages, request.output_schema, "cloud")
        text = distort(reply, state.roll_distortions(reply.is_json))
        if count_tokens(text) > request.max_tokens:
            text, stop_reason = take_tokens(text, request.max_tokens), "max_tokens"
    output_tokens = max(count_tokens(text), 1)
    return PlannedMessage(
        id=new_id("msg_"),
        model=request.model,
        kind=kind,
        text=text,
        tool_id=tool_id,
        tool_name=tool_name,
        stop_reason=stop_reason,
        input_tokens=request.input_tokens,
        output_tokens=output_tokens,
        first_byte_s=profile.cloud_first_byte_s
        + request.input_tokens / profile.cloud_prompt_tokens_per_s,
        gen_s=output_tokens / profile.cloud_gen_tokens_per_s,
    )


async def run_blocking(
    state: EmulatorState, message: PlannedMessage, faults: FaultState
) -> dict[str, Any]:
    """Serve a non-streaming request; a stall hangs before the reply."""
    if faults.stall_after_chunks is not None:
        state.stats.stalls += 1
        await asyncio.sleep(state.config.stall_max_s)
    async with state.gpu.slot():
        await sleep_s(message.first_byte_s + message.gen_s)
    return message.body()


async def run_streaming(
    state: EmulatorState, message: PlannedMessage, faults: FaultState
) -> AsyncGenerator[bytes, None]:
    """Yield the SSE events, paced; ``stall_after_chunks`` counts events."""
    await state.gpu.acquire()
    try:
        await sleep_s(message.first_byte_s)
        pacer = Pacer(state.config.profile.cloud_gen_tokens_per_s)
        for index, (event, tokens) in enumerate(message.events()):
            if faults.stall_after_chunks == index:
                state.stats.stalls += 1
                await asyncio.sleep(state.config.stall_max_s)
            if tokens:
                await pacer.wait(tokens)
            yield event
    finally:
        state.gpu.release()

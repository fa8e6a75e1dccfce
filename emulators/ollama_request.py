"""Parsing and validation of Ollama ``/api/chat`` and ``/api/generate`` bodies.

Mirrors what Ollama's Go server accepts: unknown fields are ignored, ``stream``
defaults to true, ``options`` is a free map whose integer options accept JSON
numbers, ``format`` is ``"json"``, a JSON-schema object, ``""`` or null.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from emulators.replies import JsonFormat
from emulators.tokens import Message

DEFAULT_KEEP_ALIVE_S = 300.0
FOREVER_S = 10.0 * 365 * 24 * 3600
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_S: Mapping[str, float] = MappingProxyType(
    {
        "ns": 1e-9,
        "us": 1e-6,
        "µs": 1e-6,
        "ms": 1e-3,
        "s": 1.0,
        "m": 60.0,
        "h": 3600.0,
    }
)


class OllamaRequestError(Exception):
    """A request Ollama would refuse; carries the HTTP status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class GenerationRequest:
    """The parts of a chat/generate request the emulator acts on."""

    model: str
    messages: tuple[Message, ...]
    stream: bool
    num_ctx: int | None
    num_predict: int | None
    fmt: JsonFormat
    keep_alive_s: float
    keep_alive_sent: bool = False  # False: the request left keep_alive to the default

    @property
    def load_only(self) -> bool:
        """Ollama treats an empty conversation as "load (or unload) the model"."""
        return not self.messages


def parse_json_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        raise OllamaRequestError(400, "missing request body")
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise OllamaRequestError(400, f"invalid character in request body: {exc}") from None
    if not isinstance(body, dict):
        raise OllamaRequestError(400, f"json: cannot unmarshal {type(body).__name__} into request")
    return body


def parse_chat(raw: bytes) -> GenerationRequest:
    body = parse_json_body(raw)
    messages_raw = body.get("messages") or []
    if not isinstance(messages_raw, list):
        raise OllamaRequestError(400, "json: cannot unmarshal messages: expected an array")
    messages = tuple(_message(m) for m in messages_raw)
    return _request(body, messages)


def parse_generate(raw: bytes) -> GenerationRequest:
    body = parse_json_body(raw)
    system, prompt = body.get("system") or "", body.get("prompt") or ""
    if not isinstance(system, str) or not isinstance(prompt, str):
        raise OllamaRequestError(400, "json: cannot unmarshal prompt/system: expected a string")
    messages: tuple[Message, ...] = ()
    if prompt:
        messages = ((Message("system", system),) if system else ()) + (Message("user", prompt),)
    return _request(body, messages)


def _request(body: Mapping[str, Any], messages: tuple[Message, ...]) -> GenerationRequest:
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise OllamaRequestError(400, "model is required")
    options = body.get("options") or {}
    if not isinstance(options, dict):
        raise OllamaRequestError(400, "json: cannot unmarshal options: expected an object")
    stream = body.get("stream", True)
    return GenerationRequest(
        model=model,
        messages=messages,
        stream=True if stream is None else bool(stream),
        num_ctx=_int_option(options, "num_ctx"),
        num_predict=_int_option(options, "num_predict"),
        fmt=_format(body.get("format")),
        keep_alive_s=parse_keep_alive(body.get("keep_alive")),
        keep_alive_sent=body.get("keep_alive") not in (None, ""),
    )


def _message(raw: object) -> Message:
    if not isinstance(raw, dict):
        raise OllamaRequestError(400, "json: cannot unmarshal message: expected an object")
    role, content = raw.get("role") or "", raw.get("content") or ""
    if not isinstance(role, str) or not isinstance(content, str):
        raise OllamaRequestError(
            400, "json: cannot unmarshal message: role and content must be strings"
        )
    # images, tool_calls, tool_name, thinking: accepted and ignored.
    return Message(role, content)


def _int_option(options: Mapping[str, Any], name: str) -> int | None:
    value = options.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OllamaRequestError(400, f'option "{name}" must be of type integer')
    return int(value)


def _format(value: object) -> JsonFormat:
    if value is None or value == "":
        return None
    if value == "json":
        return "json"
    if isinstance(value, dict):
        return value
    raise OllamaRequestError(
        400, f'invalid format: {json.dumps(value)}; expected "json" or a valid JSON Schema object'
    )


def parse_keep_alive(value: object) -> float:
    """Seconds the model stays loaded; numbers are seconds, strings Go durations."""
    if value is None or value == "":
        return DEFAULT_KEEP_ALIVE_S
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _go_duration(value)
    else:
        raise OllamaRequestError(400, "json: cannot unmarshal keep_alive")
    return FOREVER_S if seconds < 0 or math.isinf(seconds) else seconds


def _go_duration(text: str) -> float:
    sign, body = (-1.0, text[1:]) if text.startswith("-") else (1.0, text)
    try:
        return sign * float(body)  # Ollama also accepts bare numbers in strings ("-1")
    except ValueError:
        parts = _DURATION_PART.findall(body)
        if not parts or "".join(n + u for n, u in parts) != body:
            raise OllamaRequestError(400, f'time: invalid duration "{text}"') from None
        return sign * sum(float(n) * _UNIT_S[u] for n, u in parts)

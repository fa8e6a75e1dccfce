"""Validation of Anthropic Messages API requests and Anthropic's error shape.

Bodies are validated with pydantic, as the real API does, and a failure
becomes ``400 invalid_request_error`` with a ``"field.path: message"`` text.
Content may be a string or a list of blocks (text, image, document,
tool_use, tool_result, thinking); each is flattened to text for the reply and
the token count.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from emulators.tokens import Message, count_prompt_tokens, count_tokens

IMAGE_TOKENS = 1_000  # a flat estimate per image or document block
TOOLS_PREAMBLE_TOKENS = 300  # the hidden system prompt the API adds for tools
_ALPHABET = string.ascii_letters + string.digits
_ERROR_TYPES: Mapping[int, str] = MappingProxyType(
    {
        400: "invalid_request_error",
        401: "authentication_error",
        402: "billing_error",
        403: "permission_error",
        404: "not_found_error",
        413: "request_too_large",
        429: "rate_limit_error",
        500: "api_error",
        504: "timeout_error",
        529: "overloaded_error",
    }
)


def new_id(prefix: str) -> str:
    """An id shaped like Anthropic's (``msg_01...``, ``toolu_01...``, ``req_01...``)."""
    return prefix + "01" + "".join(secrets.choice(_ALPHABET) for _ in range(22))


def error_type(status: int) -> str:
    return _ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")


def error_body(status: int, message: str, request_id: str) -> dict[str, Any]:
    return {
        "type": "error",
        "error": {"type": error_type(status), "message": message},
        "request_id": request_id,
    }


class AnthropicRequestError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class TextBlock(_Open):
    type: Literal["text"]
    text: str


class InputMessage(_Open):
    role: Literal["user", "assistant"]
    content: str | list[dict[str, Any]]


class Tool(_Open):
    name: str
    input_schema: dict[str, Any] = Field(default_factory=dict)


class ToolChoice(_Open):
    type: Literal["auto", "any", "tool", "none"]
    name: str | None = None


class MessagesBody(_Open):
    model: str
    max_tokens: int | None = Field(default=None, ge=1)
    messages: list[InputMessage] = Field(min_length=1)
    system: str | list[TextBlock] | None = None
    stream: bool = False
    tools: list[Tool] | None = None
    tool_choice: ToolChoice | None = None
    output_format: dict[str, Any] | None = None
    output_config: dict[str, Any] | None = None


@dataclass(frozen=True)
class MessagesRequest:
    """The parts of a Messages request the emulator acts on."""

    model: str
    max_tokens: int
    stream: bool
    messages: tuple[Message, ...]
    input_tokens: int
    output_schema: Mapping[str, Any] | None
    forced_tool: Tool | None


def parse_messages(raw: bytes, *, require_max_tokens: bool = True) -> MessagesRequest:
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AnthropicRequestError(400, f"invalid JSON in request body: {exc}") from None
    try:
        body = MessagesBody.model_validate(data)
    except ValidationError as exc:
        raise AnthropicRequestError(400, _describe(exc)) from None
    if require_max_tokens and body.max_tokens is None:
        raise AnthropicRequestError(400, "max_tokens: Field required")
    messages, extra_tokens = _flatten(body)
    tools_tokens = 0
    if body.tools:
        tools_tokens = TOOLS_PREAMBLE_TOKENS + count_tokens(
            json.dumps([t.model_dump() for t in body.tools])
        )
    return MessagesRequest(
        model=body.model,
        max_tokens=body.max_tokens or 0,
        stream=body.stream,
        messages=messages,
        input_tokens=count_prompt_tokens(messages) + extra_tokens + tools_tokens,
        output_schema=_output_schema(body),
        forced_tool=_forced_tool(body),
    )


def _describe(exc: ValidationError) -> str:
    first = exc.errors(include_url=False)[0]
    location = ".".join(str(part) for part in first["loc"])
    if location == "messages" and first["type"] == "too_short":
        return "messages: at least one message is required"
    return f"{location}: {first['msg']}" if location else str(first["msg"])


def _flatten(body: MessagesBody) -> tuple[tuple[Message, ...], int]:
    """Messages as plain text, plus tokens of non-text blocks (images)."""
    messages: list[Message] = []
    extra = 0
    if isinstance(body.system, str) and body.system:
        messages.append(Message("system", body.system))
    elif isinstance(body.system, list) and body.system:
        messages.append(Message("system", "\n".join(block.text for block in body.system)))
    for message in body.messages:
        if isinstance(message.content, str):
            messages.append(Message(message.role, message.content))
            continue
        texts: list[str] = []
        for block in message.content:
            text, tokens = _block_text(block)
            texts.append(text)
            extra += tokens
        messages.append(Message(message.role, "\n".join(t for t in texts if t)))
    return tuple(messages), extra


def _block_text(block: Mapping[str, Any]) -> tuple[str, int]:
    kind = block.get("type")
    if kind == "text":
        return str(block.get("text", "")), 0
    if kind == "tool_use":
        return json.dumps(block.get("input", {})), 0
    if kind == "tool_result":
        content = block.get("content", "")
        if isinstance(content, list):
            return "\n".join(str(b.get("text", "")) for b in content if isinstance(b, Mapping)), 0
        return str(content), 0
    if kind in ("image", "document"):
        return "", IMAGE_TOKENS
    if kind is None:
        raise AnthropicRequestError(400, "messages: content block is missing 'type'")
    return "", 0  # thinking, redacted_thinking, server tool blocks: not read


def _output_schema(body: MessagesBody) -> Mapping[str, Any] | None:
    fmt = body.output_format
    if fmt is None and body.output_config is not None:
        fmt = body.output_config.get("format")
    if isinstance(fmt, Mapping) and fmt.get("type") == "json_schema":
        schema = fmt.get("schema")
        return schema if isinstance(schema, Mapping) else {"type": "object"}
    return None


def _forced_tool(body: MessagesBody) -> Tool | None:
    choice, tools = body.tool_choice, body.tools or []
    if choice is None or not tools:
        return None
    if choice.type == "any":
        return tools[0]
    if choice.type == "tool":
        for tool in tools:
            if tool.name == choice.name:
                return tool
        raise AnthropicRequestError(
            400, f"tool_choice.name: tool '{choice.name}' not found in tools"
        )
    return None

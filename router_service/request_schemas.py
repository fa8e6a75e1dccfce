"""The shape a chat request must have before LiteLLM sees it.

Only what the router relies on is checked; unknown fields pass through, so
provider-specific parameters keep working.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from classifier.messages import content_text
from classifier.tiers import AUTO, TIERS

MODEL_ALIASES = (AUTO, *TIERS)
Content = str | list[dict[str, Any]] | None


def _check_model(model: str) -> str:
    if model not in MODEL_ALIASES:
        raise ValueError(f"unknown model {model!r}: use one of {', '.join(MODEL_ALIASES)}")
    return model


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class ChatMessage(_Lenient):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Content = None
    tool_calls: list[dict[str, Any]] | None = None

    @model_validator(mode="after")
    def _has_text(self) -> "ChatMessage":
        # An assistant turn may carry only tool calls; everything else needs text.
        if self.role == "assistant" and self.tool_calls:
            return self
        if self.role in ("system", "developer", "user") and not content_text(self.content).strip():
            raise ValueError(f"a {self.role} message needs non-empty content")
        return self


class ChatCompletionRequest(_Lenient):
    model: str
    messages: Annotated[list[ChatMessage], Field(min_length=1)]
    stream: bool | None = None
    max_tokens: Annotated[int, Field(ge=1)] | None = None
    max_completion_tokens: Annotated[int, Field(ge=1)] | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] | None = None
    n: Annotated[int, Field(ge=1, le=1)] | None = None
    response_format: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    stop: str | list[str] | None = None
    metadata: dict[str, Any] | None = None

    _check_model = field_validator("model")(_check_model)


class AnthropicMessage(_Lenient):
    role: Literal["user", "assistant"]
    content: str | list[dict[str, Any]]

    @model_validator(mode="after")
    def _has_text(self) -> "AnthropicMessage":
        # Blocks other than text (images, tool results) may carry no text at all.
        no_text = not content_text(self.content).strip()
        if self.role == "user" and no_text and (isinstance(self.content, str) or not self.content):
            raise ValueError("a user message needs non-empty content")
        return self


class AnthropicMessagesRequest(_Lenient):
    model: str
    max_tokens: Annotated[int, Field(ge=1)]
    messages: Annotated[list[AnthropicMessage], Field(min_length=1)]
    system: str | list[dict[str, Any]] | None = None
    stream: bool | None = None
    temperature: Annotated[float, Field(ge=0, le=1)] | None = None

    _check_model = field_validator("model")(_check_model)

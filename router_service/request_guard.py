"""ASGI middleware that turns bad chat requests into clear 4xx errors.

LiteLLM answers some malformed bodies with a 500, and reads any body size.
This guard runs first on the chat routes: it caps the body size, checks
UTF-8 and JSON, validates the request's shape, and only then hands the
(unchanged) body on. Errors use OpenAI's JSON shape.
"""

import json
import math
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from router_service.openai_errors import error_response
from router_service.request_schemas import AnthropicMessagesRequest, ChatCompletionRequest

SCHEMAS: Mapping[str, type[BaseModel]] = {
    "/v1/chat/completions": ChatCompletionRequest,
    "/chat/completions": ChatCompletionRequest,
    "/v1/messages": AnthropicMessagesRequest,
}
OUTPUT_TOKEN_FIELDS = ("max_tokens", "max_completion_tokens")
# The model routes: each request on them gets a row in the request log.
LOGGED_PATHS = frozenset(SCHEMAS)


class RequestTooLarge(Exception):
    pass


class RequestGuard:
    def __init__(self, app: ASGIApp, max_body_bytes: int, max_output_tokens: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_output_tokens = max_output_tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        schema = SCHEMAS.get(scope.get("path", "")) if scope["type"] == "http" else None
        if schema is None or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        try:
            body = await self._read_body(scope, receive)
        except RequestTooLarge:
            limit = self.max_body_bytes
            await error_response(f"request body is larger than {limit} bytes", 413)(
                scope, receive, send
            )
            return
        problem = self._problem(body, schema)
        if problem is not None:
            message, param = problem
            await error_response(message, 400, param)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise RequestTooLarge
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise RequestTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    def _problem(self, body: bytes, schema: type[BaseModel]) -> tuple[str, str | None] | None:
        """(message, param) describing what is wrong with the body, or None."""
        try:
            data: Any = json.loads(
                body.decode("utf-8"), parse_constant=_refuse_constant, parse_float=_finite
            )
        except UnicodeDecodeError:
            return "request body is not valid UTF-8", None
        except json.JSONDecodeError as error:
            return f"request body is not valid JSON: {error}", None
        except NotJson as error:
            return f"request body is not valid JSON: {error}", None
        except ValueError as error:  # e.g. an integer of more than 4,300 digits
            return f"request body has a value out of range: {error}", None
        except RecursionError:
            return "request body is not valid JSON: nested too deeply", None
        if not isinstance(data, dict):
            return "request body must be a JSON object", None
        try:
            schema.model_validate(data)
        except ValidationError as error:
            return _describe(error)
        for field in OUTPUT_TOKEN_FIELDS:
            value = data.get(field)
            if isinstance(value, int) and value > self.max_output_tokens:
                return f"{field} must be at most {self.max_output_tokens}", field
        return None


class NotJson(ValueError):
    """Python's parser accepts it; JSON does not."""


def _refuse_constant(name: str) -> Any:
    raise NotJson(f"{name} is not a JSON value")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise NotJson(f"{text} is too large for a number")
    return value


def _describe(error: ValidationError) -> tuple[str, str | None]:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    more = error.error_count() - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"{location}: {message}{suffix}" if location else message + suffix, location or None


def _replay(body: bytes, downstream: Receive) -> Receive:
    """Hand the already-read body on, then pass later messages (disconnects) through."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await downstream()

    return receive

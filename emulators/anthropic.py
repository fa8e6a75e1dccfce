"""The Anthropic Messages API emulator (``POST /v1/messages``).

Wire format as in https://docs.anthropic.com/en/api/messages: ``x-api-key``
(or ``Authorization: Bearer``) authentication, ``request-id`` response header, errors as
``{"type": "error", "error": {"type", "message"}}``, SSE streaming. The cloud
is not one GPU: nothing queues, each request only takes its own service time.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from emulators.anthropic_reply import plan_message, run_blocking, run_streaming
from emulators.anthropic_request import (
    AnthropicRequestError,
    MessagesRequest,
    error_body,
    new_id,
    parse_messages,
)
from emulators.config import EmulatorConfig
from emulators.control import install_control
from emulators.state import EmulatorState, StateDep
from emulators.streaming import ChunkStream, sleep_s, unless_disconnected

RETRY_AFTER_S = "1"


def anthropic_error(status: int, message: str, request_id: str) -> JSONResponse:
    headers = {"request-id": request_id}
    if status == 429:
        headers["retry-after"] = RETRY_AFTER_S
    return JSONResponse(
        error_body(status, message, request_id), status_code=status, headers=headers
    )


def create_anthropic_app(config: EmulatorConfig | None = None) -> FastAPI:
    """A FastAPI app that speaks Anthropic's Messages API."""
    config = config or EmulatorConfig()
    app = FastAPI(title="Anthropic emulator", docs_url=None, redoc_url=None, openapi_url=None)
    install_control(app, EmulatorState.create(config, parallelism=None))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> Response:
        return anthropic_error(exc.status_code, str(exc.detail), new_id("req_"))

    app.add_api_route("/v1/messages", messages, methods=["POST"], response_model=None)
    app.add_api_route(
        "/v1/messages/count_tokens", count_tokens, methods=["POST"], response_model=None
    )
    return app


def _authenticate(request: Request, state: EmulatorState, request_id: str) -> JSONResponse | None:
    # LiteLLM sends x-api-key; recent SDKs send the same key as a bearer token.
    key = request.headers.get("x-api-key")
    authorization = request.headers.get("authorization", "")
    if key is None and authorization.lower().startswith("bearer "):
        key = authorization[len("bearer ") :].strip()
    if key is None:
        return anthropic_error(401, "x-api-key header is required", request_id)
    if key != state.config.anthropic_api_key:
        return anthropic_error(401, "invalid x-api-key", request_id)
    return None


async def _parse(
    request: Request, state: EmulatorState, request_id: str, *, require_max_tokens: bool
) -> MessagesRequest | JSONResponse:
    denied = _authenticate(request, state, request_id)
    if denied is not None:
        return denied
    try:
        parsed = parse_messages(await request.body(), require_max_tokens=require_max_tokens)
    except AnthropicRequestError as exc:
        return anthropic_error(exc.status, exc.message, request_id)
    state.stats.count_model(parsed.model)
    if not parsed.model.startswith("claude"):
        return anthropic_error(404, f"model: {parsed.model}", request_id)
    return parsed


async def count_tokens(request: Request, state: StateDep) -> Response:
    request_id = new_id("req_")
    parsed = await _parse(request, state, request_id, require_max_tokens=False)
    if isinstance(parsed, Response):
        return parsed
    return JSONResponse({"input_tokens": parsed.input_tokens}, headers={"request-id": request_id})


async def messages(request: Request, state: StateDep) -> Response:
    request_id = new_id("req_")
    parsed = await _parse(request, state, request_id, require_max_tokens=True)
    if isinstance(parsed, Response):
        return parsed
    faults = state.faults  # one consistent snapshot for the whole request
    await sleep_s(faults.latency_ms / 1000.0)
    if state.roll_error():
        return anthropic_error(
            faults.error_status, _injected_message(faults.error_status), request_id
        )
    planned = plan_message(state, parsed)
    headers = {"request-id": request_id}
    if parsed.stream:
        return ChunkStream(
            run_streaming(state, planned, faults),
            media_type="text/event-stream; charset=utf-8",
            headers={**headers, "cache-control": "no-cache"},
        )
    body = await unless_disconnected(request, run_blocking(state, planned, faults))
    if body is None:
        return Response(status_code=499)  # the client left; nobody reads this
    return JSONResponse(body, headers=headers)


def _injected_message(status: int) -> str:
    if status == 429:
        return "Number of request tokens has exceeded your per-minute rate limit (injected fault)"
    if status == 529:
        return "Overloaded"
    return "Internal server error (injected fault)"

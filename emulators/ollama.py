"""The Ollama API emulator (``/api/chat``, ``/api/generate`` and model metadata).

Wire format as in https://github.com/ollama/ollama/blob/main/docs/api.md:
errors are ``{"error": "..."}``, streaming is NDJSON and is the default,
durations are nanoseconds. One model, one GPU: requests queue.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from emulators.config import EmulatorConfig
from emulators.control import install_control
from emulators.ollama_generation import Endpoint, plan_generation, run_blocking, run_streaming
from emulators.ollama_models import normalize_name, ps_entry, show_body, tag_entry, timestamp
from emulators.ollama_request import (
    GenerationRequest,
    OllamaRequestError,
    parse_chat,
    parse_generate,
    parse_json_body,
)
from emulators.state import EmulatorState, StateDep
from emulators.streaming import ChunkStream, sleep_s, unless_disconnected

VERSION = "0.12.6"


def ollama_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_ollama_app(config: EmulatorConfig | None = None) -> FastAPI:
    """A FastAPI app that speaks Ollama's HTTP API."""
    config = config or EmulatorConfig()
    app = FastAPI(title="Ollama emulator", docs_url=None, redoc_url=None, openapi_url=None)
    install_control(app, EmulatorState.create(config, parallelism=config.parallelism))

    @app.exception_handler(StarletteHTTPException)
    async def not_found(_: Request, exc: StarletteHTTPException) -> Response:
        # Go's default mux answers unknown routes with plain text.
        if exc.status_code == 404:
            return PlainTextResponse("404 page not found", status_code=404)
        return ollama_error(exc.status_code, str(exc.detail))

    app.add_api_route("/", root, methods=["GET", "HEAD"], response_class=PlainTextResponse)
    app.add_api_route("/api/version", version, methods=["GET"])
    app.add_api_route("/api/tags", tags, methods=["GET"])
    app.add_api_route("/api/show", show, methods=["POST"], response_model=None)
    app.add_api_route("/api/ps", running, methods=["GET"])
    app.add_api_route("/api/chat", chat, methods=["POST"], response_model=None)
    app.add_api_route("/api/generate", generate, methods=["POST"], response_model=None)
    return app


async def root() -> str:
    return "Ollama is running"


async def version() -> dict[str, str]:
    return {"version": VERSION}


async def tags(state: StateDep) -> dict[str, Any]:
    return {"models": [tag_entry(state.config.model_name)]}


async def show(request: Request, state: StateDep) -> JSONResponse:
    try:
        body = parse_json_body(await request.body())
    except OllamaRequestError as exc:
        return ollama_error(exc.status, exc.message)
    name = body.get("model") or body.get("name")  # "name" is the deprecated spelling
    if not isinstance(name, str) or not name:
        return ollama_error(400, "model is required")
    if not _known(state, name):
        return ollama_error(404, f"model '{name}' not found")
    return JSONResponse(show_body(state.config.model_name))


async def running(state: StateDep) -> dict[str, Any]:
    expires = state.model_expires_at
    if expires is None or expires <= time.time():
        return {"models": []}
    return {"models": [ps_entry(state.config.model_name, expires, state.loaded_num_ctx)]}


async def chat(request: Request, state: StateDep) -> Response:
    return await _serve(request, state, "chat")


async def generate(request: Request, state: StateDep) -> Response:
    return await _serve(request, state, "generate")


def _known(state: EmulatorState, name: str) -> bool:
    return normalize_name(name) == normalize_name(state.config.model_name)


async def _serve(request: Request, state: EmulatorState, endpoint: Endpoint) -> Response:
    received_at = time.monotonic()
    parse = parse_chat if endpoint == "chat" else parse_generate
    try:
        req = parse(await request.body())
    except OllamaRequestError as exc:
        return ollama_error(exc.status, exc.message)
    state.stats.count_model(req.model)
    state.stats.num_ctx.append(req.num_ctx)
    state.stats.keep_alive.append(req.keep_alive_s if req.keep_alive_sent else None)
    if not _known(state, req.model):
        return ollama_error(404, f'model "{req.model}" not found, try pulling it first')
    faults = state.faults  # one consistent snapshot for the whole request
    await sleep_s(faults.latency_ms / 1000.0)
    if state.roll_error():
        return ollama_error(
            faults.error_status, "llama runner process has terminated: injected fault"
        )
    unloading = req.load_only and req.keep_alive_s == 0
    cold_load_s = 0.0 if unloading else _cold_load_s(state, req)
    _mark_loaded(state, req)
    if req.load_only:
        if cold_load_s:
            async with state.gpu.slot():
                await sleep_s(cold_load_s)
        return _load_response(req, endpoint)
    generation = plan_generation(state, req, endpoint, received_at, cold_load_s)
    if req.stream:
        return ChunkStream(
            run_streaming(state, generation, faults),
            media_type="application/x-ndjson",
            defer_start=True,
        )
    body = await unless_disconnected(request, run_blocking(state, generation, faults))
    if body is None:
        return Response(status_code=499)  # the client left; nobody reads this
    return JSONResponse(body)


def _cold_load_s(state: EmulatorState, req: GenerationRequest) -> float:
    """The load time this request pays: the model is unloaded, or loaded with another num_ctx."""
    expires = state.model_expires_at
    num_ctx = req.num_ctx or state.config.default_num_ctx
    if expires is not None and expires > time.time() and state.loaded_num_ctx == num_ctx:
        return 0.0
    state.stats.cold_loads += 1
    return state.config.local_cold_load_s


def _mark_loaded(state: EmulatorState, req: GenerationRequest) -> None:
    state.model_expires_at = time.time() + req.keep_alive_s
    state.loaded_num_ctx = req.num_ctx or state.config.default_num_ctx


def _load_response(req: GenerationRequest, endpoint: Endpoint) -> JSONResponse:
    unload = req.keep_alive_s == 0
    content: dict[str, Any] = (
        {"message": {"role": "assistant", "content": ""}}
        if endpoint == "chat"
        else {"response": ""}
    )
    return JSONResponse(
        {
            "model": req.model,
            "created_at": timestamp(),
            **content,
            "done_reason": "unload" if unload else "load",
            "done": True,
        }
    )

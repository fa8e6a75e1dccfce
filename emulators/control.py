"""The control API shared by both emulators (``/_emulator/*``).

``GET|POST /_emulator/faults`` read / partially update the faults,
``GET /_emulator/stats`` returns the counters, ``POST /_emulator/reset`` clears
faults and stats and re-seeds the RNG. These keep working while ``down``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from emulators.connreset import DownMiddleware
from emulators.faults import merge_faults
from emulators.state import EmulatorState, StateDep
from emulators.stats import RequestCounter


async def read_faults(state: StateDep) -> dict[str, Any]:
    return state.faults.model_dump()


async def update_faults(request: Request, state: StateDep) -> dict[str, Any] | JSONResponse:
    try:
        update = json.loads(await request.body() or b"{}")
    except json.JSONDecodeError as exc:
        return JSONResponse({"detail": f"invalid JSON: {exc}"}, status_code=422)
    if not isinstance(update, dict):
        return JSONResponse({"detail": "expected a JSON object"}, status_code=422)
    try:
        state.faults = merge_faults(state.faults, update)
    except ValidationError as exc:
        return JSONResponse({"detail": json.loads(exc.json(include_url=False))}, status_code=422)
    return state.faults.model_dump()


async def read_stats(state: StateDep) -> dict[str, Any]:
    return state.stats.to_json(state.gpu.snapshot())


async def reset(state: StateDep) -> dict[str, Any]:
    state.reset()
    return {"faults": state.faults.model_dump(), "stats": state.stats.to_json(state.gpu.snapshot())}


def control_router() -> APIRouter:
    """A fresh router with the control endpoints (one per app, nothing shared)."""
    router = APIRouter(prefix="/_emulator", tags=["emulator control"])
    router.add_api_route("/faults", read_faults, methods=["GET"])
    router.add_api_route("/faults", update_faults, methods=["POST"], response_model=None)
    router.add_api_route("/stats", read_stats, methods=["GET"])
    router.add_api_route("/reset", reset, methods=["POST"])
    return router


def install_control(app: FastAPI, state: EmulatorState) -> None:
    """Attach ``state`` to ``app`` with the control API, request counting and ``down``."""
    app.state.emulator = state

    def count_reset() -> None:
        state.stats.resets += 1

    def count_request(path: str) -> None:
        state.stats.count_request(path)

    # Added last = outermost: requests reset by ``down`` are still counted.
    app.add_middleware(DownMiddleware, is_down=lambda: state.faults.down, on_reset=count_reset)
    app.add_middleware(RequestCounter, count=count_request)
    app.include_router(control_router())

"""The operator's HTTP API under `/hr/admin/`, next to the LiteLLM proxy.

Requests reach it through the same key check as the proxy (the master key).
It has its own OpenAPI description at `/hr/admin/openapi.json`.
"""

from typing import Any

from fastapi import APIRouter, FastAPI

from router_service import breaker
from router_service.breaker_store import LocalBreaker

PREFIX = "/hr/admin"


def breaker_status(state: breaker.BreakerState, config: breaker.BreakerConfig) -> dict[str, Any]:
    p95 = breaker.p95(state.samples)
    return {
        "mode": state.mode,
        "since": state.since,
        "cause": state.cause,
        "cooldown_s": state.cooldown_s,
        "consecutive_failures": state.failures,
        "probes_passed": state.probes_passed,
        "window_samples": len(state.samples),
        "p95_latency_s": p95,
        "latency_threshold_s": config.latency_threshold_s,
        "local_in_flight": len(state.in_flight),
        "local_capacity": breaker.local_capacity(state, config),
        "service_time_s": breaker.service_time(state, config),
    }


def admin_app(local_breaker: LocalBreaker) -> FastAPI:
    app = FastAPI(
        title="hybrid-router admin",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    router = APIRouter(prefix=PREFIX)

    @router.get("/breaker", summary="The local tier's circuit breaker and queue")
    async def read_breaker() -> dict[str, Any]:
        return breaker_status(await local_breaker.state(), local_breaker.config)

    @router.post("/breaker/reset", summary="Close the breaker and forget its latency window")
    async def reset_breaker() -> dict[str, Any]:
        await local_breaker.reset()
        return breaker_status(await local_breaker.state(), local_breaker.config)

    app.include_router(router)
    return app

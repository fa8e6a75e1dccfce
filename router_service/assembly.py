"""Build the router's LiteLLM callbacks and what they share, from the settings.

One breaker per process (its state may live in Redis), shared by the routing
hook (admission), the local monitor (its feed) and the health probe.
"""

import os
from dataclasses import dataclass
from functools import lru_cache

from router_service.admission import LocalAdmission
from router_service.breaker import BreakerConfig
from router_service.breaker_store import (
    BreakerStore,
    LocalBreaker,
    MemoryBreakerStore,
    RedisBreakerStore,
)
from router_service.context_sizing import ContextLimits
from router_service.core.config import Settings, get_settings
from router_service.deployments import DeploymentIndex
from router_service.local_monitor import LocalMonitor
from router_service.local_probe import LocalProbe, OllamaTarget
from router_service.output_guard import OutputGuard
from router_service.request_router import RequestRouter
from router_service.routing_hook import RoutingHook


@dataclass(frozen=True)
class Callbacks:
    routing_hook: RoutingHook
    local_monitor: LocalMonitor
    output_guard: OutputGuard
    breaker: LocalBreaker
    probe: LocalProbe | None


def breaker_config(settings: Settings) -> BreakerConfig:
    return BreakerConfig(
        latency_threshold_s=settings.local_latency_threshold_s,
        window_s=settings.breaker_window_s,
        min_samples=settings.breaker_min_samples,
        cooldown_s=settings.breaker_cooldown_s,
        max_cooldown_s=settings.breaker_max_cooldown_s,
        close_ratio=settings.breaker_close_ratio,
        probes_to_close=settings.breaker_probes,
        failures_to_open=settings.local_failures_to_open,
        parallelism=settings.local_parallelism,
        service_time_s=settings.local_service_time_s,
    )


def context_limits(settings: Settings) -> ContextLimits:
    return ContextLimits(
        minimum=settings.local_min_context,
        maximum=settings.local_max_context,
        reply_tokens=settings.local_reply_tokens,
        headroom=settings.local_context_headroom,
    )


@lru_cache(maxsize=1)
def process_callbacks() -> Callbacks:
    """The process's callbacks, built once.

    LiteLLM executes `router_service/callbacks.py` afresh for each callback
    it names, so the instances are built here, where the module is imported
    once per process, and the three callbacks share one breaker.
    """
    return build_callbacks(get_settings())


def build_callbacks(settings: Settings) -> Callbacks:
    deployments = DeploymentIndex.from_config(settings.litellm_config)
    store: BreakerStore = (
        RedisBreakerStore.from_url(settings.redis_url, settings.redis_breaker_key)
        if settings.redis_url
        else MemoryBreakerStore()
    )
    breaker = LocalBreaker(breaker_config(settings), store)
    probe = _probe(settings, deployments, breaker)
    admission = LocalAdmission(context_limits(settings), breaker)
    return Callbacks(
        routing_hook=RoutingHook(RequestRouter.from_settings(settings), deployments, admission),
        local_monitor=LocalMonitor(deployments, breaker, settings.local_keep_alive),
        output_guard=OutputGuard(deployments),
        breaker=breaker,
        probe=probe,
    )


def _probe(
    settings: Settings, deployments: DeploymentIndex, breaker: LocalBreaker
) -> LocalProbe | None:
    model = deployments.ollama_model()
    if model is None:
        return None  # the local tier is not Ollama: nothing to probe
    api_base = os.environ.get("OLLAMA_API_BASE") or settings.ollama_api_base
    target = OllamaTarget(api_base, model, settings.local_keep_alive, settings.local_min_context)
    return LocalProbe(target, breaker, settings.local_probe_interval_s)

"""Build the router's parts from the settings, once per process.

The LiteLLM callbacks (routing hook, local monitor, output guard, request
recorder) and what they share with the ASGI layers in front of LiteLLM: the
database, the key store and rate limiter, the breaker (its state may live in
Redis), the request ledger and the log writer, the health probe.
"""

import asyncio
import contextlib
import os
from dataclasses import dataclass, field
from functools import lru_cache

import redis.asyncio as redis

from router_service.admission import LocalAdmission
from router_service.auth.key_store import KeyStore
from router_service.auth.rate_limit import RateLimiter
from router_service.breaker import BreakerConfig
from router_service.breaker_store import (
    BreakerStore,
    LocalBreaker,
    MemoryBreakerStore,
    RedisBreakerStore,
)
from router_service.budget_gate import BudgetGate
from router_service.context_sizing import ContextLimits
from router_service.core.config import Settings, get_settings
from router_service.db.engine import Database
from router_service.deployments import DeploymentIndex
from router_service.local_monitor import LocalMonitor
from router_service.local_probe import LocalProbe, OllamaTarget
from router_service.metrics import RouterMetrics
from router_service.model_watcher import ModelWatcher
from router_service.output_guard import OutputGuard
from router_service.pricing import Prices
from router_service.provider_errors import ProviderErrors
from router_service.reporting.query import cost_model
from router_service.reporting.summary import CostModel
from router_service.request_log.ledger import RequestLedger
from router_service.request_log.record import PendingRecord
from router_service.request_log.recorder import RequestRecorder
from router_service.request_log.spill import SpillFiles
from router_service.request_log.writer import LogWriter
from router_service.request_router import RequestRouter
from router_service.routing_hook import HookOptions, RoutingHook

SWEEP_INTERVAL_S = 1.0


@dataclass
class Components:
    routing_hook: RoutingHook
    local_monitor: LocalMonitor
    output_guard: OutputGuard
    recorder: RequestRecorder
    provider_errors: ProviderErrors
    breaker: LocalBreaker
    probe: LocalProbe | None
    database: Database
    keys: KeyStore
    limiter: RateLimiter
    ledger: RequestLedger
    writer: LogWriter
    models: ModelWatcher
    metrics: RouterMetrics
    costs: CostModel
    redis_client: "redis.Redis | None" = None
    _sweeper: asyncio.Task[None] | None = field(default=None, repr=False)

    async def start(self) -> None:
        """Start the background work (inside the server's event loop)."""
        if self.probe is not None:
            self.probe.start()
        self.writer.start()
        await self.models.start()
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep(), name="ledger-sweep")

    async def stop(self) -> None:
        """Write every row still pending, then let go of connections (shutdown)."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        await self.models.stop()
        self.ledger.flush()
        await self.writer.close()
        await self.database.close()
        if self.redis_client is not None:
            await self.redis_client.aclose()

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(SWEEP_INTERVAL_S)
            self.ledger.sweep()


@lru_cache(maxsize=1)
def process_components() -> Components:
    """The process's parts, built once.

    LiteLLM executes `router_service/callbacks.py` afresh for each callback
    it names, so the instances are built here, where the module is imported
    once per process, and every callback and ASGI layer shares them.
    """
    return build_components(get_settings())


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


def build_components(settings: Settings) -> Components:
    deployments = DeploymentIndex.from_config(settings.litellm_config)
    redis_client = (
        redis.Redis.from_url(settings.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        if settings.redis_url
        else None
    )
    store: BreakerStore = (
        RedisBreakerStore(redis_client, settings.redis_breaker_key)
        if redis_client is not None
        else MemoryBreakerStore()
    )
    breaker = LocalBreaker(
        breaker_config(settings), store, recent_s=settings.breaker_recent_ms / 1000
    )
    database = Database.from_settings(settings)
    metrics = RouterMetrics(settings.local_gpu_usd_per_hour)
    writer = LogWriter(
        database,
        SpillFiles(settings.data_dir / "spill"),
        settings.follow_up_window_s,
        on_follow_up=metrics.observe_follow_up,
    )

    def finish(record: PendingRecord) -> None:
        metrics.observe(record)
        writer.submit(record.to_row())

    ledger = RequestLedger(finish)
    cloud = Prices(settings.cloud_input_usd_per_mtok, settings.cloud_output_usd_per_mtok)
    options = HookOptions(settings.default_max_tokens, settings.log_text)
    routing_hook = RoutingHook(
        RequestRouter.from_settings(settings),
        deployments,
        LocalAdmission(context_limits(settings), breaker),
        BudgetGate(database, cloud, settings.default_max_tokens),
        ledger,
        options,
    )
    return Components(
        routing_hook=routing_hook,
        local_monitor=LocalMonitor(deployments, breaker, settings.local_keep_alive),
        output_guard=OutputGuard(deployments),
        recorder=RequestRecorder(ledger, deployments, cloud),
        provider_errors=ProviderErrors(),
        breaker=breaker,
        probe=_probe(settings, deployments, breaker),
        database=database,
        keys=KeyStore(database, ttl_s=settings.key_cache_ttl_s),
        limiter=RateLimiter(redis_client),
        ledger=ledger,
        writer=writer,
        models=ModelWatcher(database, routing_hook, settings),
        metrics=metrics,
        costs=cost_model(settings),
        redis_client=redis_client,
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

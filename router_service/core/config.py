"""All of the router's own settings, read from `HR_*` environment variables.

LiteLLM's settings (model aliases, fallbacks, timeouts) stay in
`litellm_config.yaml`; this class holds only what hybrid-router adds.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = PACKAGE_DIR.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HR_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 4000
    # Admin key of the proxy (LiteLLM's master key). `serve` refuses to start
    # without one; `up` makes a random one for the session when unset.
    master_key: SecretStr | None = None
    litellm_config: Path = PROJECT_DIR / "litellm_config.yaml"
    rules_path: Path = PACKAGE_DIR / "routing_rules.yaml"
    # The learned model's JSON artifact; the shipped bootstrap model by default.
    # When the file is missing the router uses the rules and the soft score.
    model_path: Path = PACKAGE_DIR / "models" / "bootstrap.json"
    # How often each proxy checks the database for a newly activated model version.
    model_poll_s: float = Field(default=5.0, gt=0)
    # Thresholds override the model's own (chosen by cost at training);
    # unset, the model's are used, or 0.35 / 0.6 with the soft score.
    score_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    confidence_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    # Bodies above this are refused with 413 before anything parses them.
    # 4 MiB holds a ~1M-character RAG context with room to spare.
    max_body_bytes: int = Field(default=4 * 1024 * 1024, gt=0)
    # Upper bound a client may ask for in max_tokens.
    max_output_tokens: int = Field(default=64_000, gt=0)
    # Provider endpoints: defaults are the emulators `hybrid-router up` starts.
    ollama_api_base: str = "http://127.0.0.1:11435"
    anthropic_api_base: str = "http://127.0.0.1:18080"

    # The local model's context window (Ollama's num_ctx), sized per request.
    local_min_context: int = Field(default=2048, gt=0)
    local_max_context: int = Field(default=8192, gt=0)
    local_reply_tokens: int = Field(default=1024, gt=0)
    local_context_headroom: int = Field(default=256, ge=0)
    # How long Ollama keeps the model loaded after a request (Ollama's default: 5m).
    local_keep_alive: str = "30m"
    # The latency circuit breaker and the queue check (docs/ESCALATION.md).
    local_latency_threshold_s: float = Field(default=8.0, gt=0)
    breaker_window_s: float = Field(default=60.0, gt=0)
    breaker_min_samples: int = Field(default=10, ge=1)
    breaker_cooldown_s: float = Field(default=15.0, gt=0)
    breaker_max_cooldown_s: float = Field(default=300.0, gt=0)
    breaker_close_ratio: float = Field(default=0.7, gt=0, le=1)
    breaker_probes: int = Field(default=3, ge=1)
    local_failures_to_open: int = Field(default=3, ge=1)
    local_parallelism: int = Field(default=1, ge=1)
    local_service_time_s: float = Field(default=2.0, gt=0)
    local_probe_interval_s: float = Field(default=5.0, gt=0)
    # Postgres for production (postgresql://user@host/db); embedded SQLite under
    # data_dir when unset. The data dir also holds the request-log spill files.
    database_url: SecretStr | None = None
    data_dir: Path = Field(default_factory=lambda: Path.cwd() / ".hybrid-router")
    # Cloud list prices (Claude Sonnet), for costs, budgets and reports.
    cloud_input_usd_per_mtok: float = Field(default=3.0, ge=0)
    cloud_output_usd_per_mtok: float = Field(default=15.0, ge=0)
    # What the local GPU costs per hour (rent, power): reports and metrics charge
    # it over the local model's busy time. 0: local is treated as free.
    local_gpu_usd_per_hour: float = Field(default=0.0, ge=0)
    # The reply limit of a request that sets none (it also bounds budget reservations).
    default_max_tokens: int = Field(default=4096, gt=0)
    # Request logs: the user's text stored redacted, or not at all ("none": features only).
    log_text: Literal["redacted", "none"] = "redacted"
    # A user writing again within this many seconds of an answer marks it followed up.
    follow_up_window_s: float = Field(default=120.0, gt=0)
    key_cache_ttl_s: float = Field(default=5.0, ge=0)
    # On SIGTERM: stop accepting, let requests and streams in flight finish for
    # up to this long, then write every log row and exit. Below the compose
    # file's stop_grace_period (30 s), so a drain is never cut by SIGKILL.
    drain_timeout_s: int = Field(default=25, gt=0)
    # A key that may read /metrics and nothing else (for Prometheus); the master key may too.
    metrics_key: SecretStr | None = None
    # Shared breaker state for several workers or instances; per process when unset.
    redis_url: str | None = None
    redis_breaker_key: str = "hybrid-router:breaker"
    # How old this process's view of the shared breaker may be for it to admit
    # a request without a round trip to Redis (0: always ask Redis).
    breaker_recent_ms: float = Field(default=100.0, ge=0, le=1000)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read once (the environment does not change under us)."""
    return Settings()

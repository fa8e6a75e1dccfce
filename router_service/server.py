"""Run the LiteLLM proxy with our configuration, callbacks and request guard."""

import asyncio
import gc
import os
import sys

import uvicorn
from starlette.types import ASGIApp

from classifier import RulesError
from classifier.model import ArtifactError
from router_service import log_privacy
from router_service.admin.api import HR_PREFIX, hr_app
from router_service.asgi import Lifespan, PathPrefix
from router_service.auth.client_auth import METRICS_PATH, ClientAuth
from router_service.core.config import Settings
from router_service.db.engine import Database, shown_url
from router_service.db.migrate import SchemaError, check_schema
from router_service.environment import prepare_environment
from router_service.metrics import MetricsEndpoint
from router_service.request_guard import LOGGED_PATHS, RequestGuard
from router_service.request_log.middleware import RequestLogging
from router_service.request_router import RequestRouter


class ConfigurationError(RuntimeError):
    """The router cannot start as configured; the message says what to change."""


def build_app(settings: Settings) -> ASGIApp:
    """The proxy's ASGI app. Call only after `prepare_environment`.

    From the outside in: the request log (every model request gets an id and
    a row), the key check, then `/hr/*` (admin API and dashboard, the
    client's own page), `/metrics` (Prometheus), or the request guard and
    LiteLLM; around it all, the start and stop of the background work.
    """
    if not settings.litellm_config.is_file():
        raise ConfigurationError(f"LiteLLM config not found: {settings.litellm_config}")
    os.environ["CONFIG_FILE_PATH"] = str(settings.litellm_config)
    # Imported here: LiteLLM reads the offline switches when it is imported.
    from litellm.proxy.proxy_server import app

    from router_service.assembly import process_components

    parts = process_components()
    guarded = RequestGuard(app, settings.max_body_bytes, settings.max_output_tokens)
    with_admin = PathPrefix(HR_PREFIX, hr_app(parts), guarded)
    routed = PathPrefix(METRICS_PATH, MetricsEndpoint(parts.metrics, parts.breaker), with_admin)
    scrape_key = settings.metrics_key.get_secret_value() if settings.metrics_key else None
    checked = ClientAuth(
        routed, os.environ["LITELLM_MASTER_KEY"], parts.keys, parts.limiter, scrape_key
    )
    logged = RequestLogging(checked, parts.ledger, LOGGED_PATHS)
    return Lifespan(logged, parts.start, parts.stop, ready=freeze_start_up_objects)


def freeze_start_up_objects() -> None:
    """Keep what start-up built out of the garbage collector's full passes.

    LiteLLM's proxy builds a large heap when it is imported and started (its
    model cost map alone is tens of thousands of objects), and every full
    collection walked all of it: pauses of up to half a second under load (a
    gc callback during the overhead benchmark saw 477 ms). Those objects live
    as long as the process anyway.
    """
    gc.collect()
    gc.freeze()


def check_database(settings: Settings) -> None:
    """Stop start-up with a clear message unless the database is reachable and migrated."""

    async def check() -> None:
        database = Database.from_settings(settings)
        try:
            await check_schema(database.engine, shown_url(settings))
        finally:
            await database.close()

    try:
        asyncio.run(check())
    except SchemaError as error:
        raise ConfigurationError(str(error)) from error


def check_routing_files(settings: Settings) -> None:
    """Load the rules and the model before LiteLLM, so a bad file stops start-up clearly.

    The loaded router is cached: the routing hook reuses it (`RequestRouter.from_settings`).
    """
    try:
        RequestRouter.from_settings(settings)
    except RulesError as error:
        raise ConfigurationError(f"bad rules file {settings.rules_path}: {error}") from error
    except ArtifactError as error:
        raise ConfigurationError(f"bad model file {settings.model_path}: {error}") from error
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"cannot read the routing files: {error}") from error


def serve(settings: Settings) -> None:
    if settings.master_key is None and not os.environ.get("LITELLM_MASTER_KEY"):
        raise ConfigurationError(
            "no master key: set HR_MASTER_KEY to a long random secret "
            "(e.g. sk-$(openssl rand -hex 24)), or use `hybrid-router up` for local use"
        )
    check_routing_files(settings)
    check_database(settings)
    prepare_environment(os.environ, settings)
    log_privacy.install([os.environ["LITELLM_MASTER_KEY"]])
    app = build_app(settings)
    print(f"hybrid-router proxy on http://{settings.host}:{settings.port}", file=sys.stderr)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        timeout_graceful_shutdown=settings.drain_timeout_s,
    )

"""Run the LiteLLM proxy with our configuration, callbacks and request guard."""

import os
import sys
from collections.abc import Callable

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from classifier import RulesError
from classifier.model import ArtifactError
from router_service.admin_api import PREFIX as ADMIN_PREFIX
from router_service.admin_api import admin_app
from router_service.core.config import Settings
from router_service.environment import prepare_environment
from router_service.key_check import KeyCheck
from router_service.request_guard import RequestGuard
from router_service.request_router import RequestRouter


class ConfigurationError(RuntimeError):
    """The router cannot start as configured; the message says what to change."""


def build_app(settings: Settings) -> ASGIApp:
    """The proxy's ASGI app. Call only after `prepare_environment`."""
    if not settings.litellm_config.is_file():
        raise ConfigurationError(f"LiteLLM config not found: {settings.litellm_config}")
    os.environ["CONFIG_FILE_PATH"] = str(settings.litellm_config)
    # Imported here: LiteLLM reads the offline switches when it is imported.
    from litellm.proxy.proxy_server import app

    from router_service.assembly import process_callbacks

    callbacks = process_callbacks()
    guarded = RequestGuard(app, settings.max_body_bytes, settings.max_output_tokens)
    routed = PathPrefix(ADMIN_PREFIX, admin_app(callbacks.breaker), guarded)
    checked = KeyCheck(routed, os.environ["LITELLM_MASTER_KEY"])
    probe = callbacks.probe
    return OnStartup(checked, probe.start) if probe is not None else checked


class OnStartup:
    """ASGI: call `start` when the server starts (inside its event loop), then go on."""

    def __init__(self, app: ASGIApp, start: Callable[[], None]) -> None:
        self.app = app
        self.start = start

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def receive_and_start() -> Message:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.start()
            return message

        await self.app(scope, receive_and_start, send)


class PathPrefix:
    """ASGI: paths under `prefix` go to `inner`, everything else to `outer`."""

    def __init__(self, prefix: str, inner: ASGIApp, outer: ASGIApp) -> None:
        self.prefix = prefix
        self.inner = inner
        self.outer = outer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        matches = path == self.prefix or path.startswith(self.prefix + "/")
        await (self.inner if matches else self.outer)(scope, receive, send)


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
    prepare_environment(os.environ, settings)
    app = build_app(settings)
    print(f"hybrid-router proxy on http://{settings.host}:{settings.port}", file=sys.stderr)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")

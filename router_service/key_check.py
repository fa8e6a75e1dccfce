"""ASGI middleware that refuses requests without a valid key, before LiteLLM.

LiteLLM's own failure path for a missing or wrong key imports Prisma (absent
here by design) and answers 500. Checking the key in front of it gives the
client a clean 401 in OpenAI's error shape instead. Health probes stay open.
"""

import hmac
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from router_service.openai_errors import error_response

PUBLIC_PATHS = frozenset({"/health/liveliness", "/health/liveness", "/health/readiness"})


def presented_key(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The key from `Authorization: Bearer …`, `x-api-key` or `api-key`."""
    for name, value in headers:
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return value[7:].decode("latin-1").strip()
        if name in (b"x-api-key", b"api-key"):
            return value.decode("latin-1").strip()
    return None


class KeyCheck:
    def __init__(self, app: ASGIApp, master_key: str) -> None:
        self.app = app
        self.master_key = master_key.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        key = presented_key(scope.get("headers") or [])
        if key is None:
            response = error_response(
                "missing API key: send 'Authorization: Bearer <key>' or 'x-api-key'", 401
            )
        elif not hmac.compare_digest(key.encode(), self.master_key):
            response = error_response("invalid API key", 401)
        else:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)

"""ASGI middleware that identifies the caller before LiteLLM sees the request.

- The master key (LiteLLM's) is the operator: every route. On the
  dashboard it may also come as HTTP Basic auth's password (any user name),
  so a browser can ask for it.
- The scrape key, when set, may read `/metrics` and nothing else.
- A client key (`sk-hr-<id>-<secret>`) may use the inference routes and
  `/hr/me` only, within its client's request rate; anything else is 403.
- A missing, unknown or revoked key is 401, a client over its rate 429 with
  `Retry-After`, a key that cannot be checked because the database is away
  (and is not in the cache) 503.

All in OpenAI's error shape. LiteLLM's own failure path for a bad key imports
Prisma (absent here by design) and answers 500, so keys are never left to it.
Health probes stay open.
"""

import base64
import binascii
import hmac
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

from router_service.auth.identity import AdminIdentity, store_identity
from router_service.auth.key_store import KeyStore, KeyStoreUnavailable
from router_service.auth.keys import parse_key
from router_service.auth.rate_limit import RateLimiter
from router_service.openai_errors import error_response

PUBLIC_PATHS = frozenset({"/health/liveliness", "/health/liveness", "/health/readiness"})
# What a client key may call: the model routes and its own account.
CLIENT_PATHS = frozenset(
    {"/v1/chat/completions", "/chat/completions", "/v1/messages", "/v1/models", "/models", "/hr/me"}
)
METRICS_PATH = "/metrics"
DASHBOARD_PREFIX = "/hr/admin/dashboard"
BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="hybrid-router", charset="UTF-8"'}


def presented_key(headers: Iterable[tuple[bytes, bytes]], basic: bool = False) -> str | None:
    """The key from `Authorization: Bearer …`, `x-api-key` or `api-key`.

    With `basic`, also the password of `Authorization: Basic …`.
    """
    for name, value in headers:
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return value[7:].decode("latin-1").strip()
        if basic and name == b"authorization" and value[:6].lower() == b"basic ":
            return _basic_password(value[6:])
        if name in (b"x-api-key", b"api-key"):
            return value.decode("latin-1").strip()
    return None


def _basic_password(encoded: bytes) -> str | None:
    try:
        user_and_password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    _, colon, password = user_and_password.partition(":")
    return password if colon else None


def _same_secret(key: str | None, secret: bytes | None) -> bool:
    """Whether a presented key is this secret (compared in constant time)."""
    return key is not None and secret is not None and hmac.compare_digest(key.encode(), secret)


class ClientAuth:
    def __init__(
        self,
        app: ASGIApp,
        master_key: str,
        keys: KeyStore,
        limiter: RateLimiter,
        scrape_key: str | None = None,
    ) -> None:
        self.app = app
        self.master_key = master_key.encode()
        self.keys = keys
        self.limiter = limiter
        self.scrape_key = scrape_key.encode() if scrape_key else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in PUBLIC_PATHS:
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        on_dashboard = path.startswith(DASHBOARD_PREFIX)
        key = presented_key(scope.get("headers") or [], basic=on_dashboard)
        if _same_secret(key, self.master_key):
            store_identity(scope, AdminIdentity())
            await self.app(scope, receive, send)
            return
        if path == METRICS_PATH and _same_secret(key, self.scrape_key):
            await self.app(scope, receive, send)
            return
        if on_dashboard and key is None:  # a browser: make it ask for the key
            problem: ASGIApp | None = error_response(
                "the dashboard needs the master key (as the password)", 401, headers=BASIC_CHALLENGE
            )
        else:
            problem = await self._check_client(scope, key)
        if problem is None:
            await self.app(scope, receive, send)
        else:
            await problem(scope, receive, send)

    async def _check_client(self, scope: Scope, key: str | None) -> ASGIApp | None:
        """None when the client may go on (its identity stored), else the error response."""
        if key is None:
            return error_response(
                "missing API key: send 'Authorization: Bearer <key>' or 'x-api-key'", 401
            )
        parsed = parse_key(key)
        try:
            identity = await self.keys.identify(parsed) if parsed is not None else None
        except KeyStoreUnavailable as error:
            return error_response(str(error), 503, headers={"Retry-After": "5"})
        if identity is None:
            return error_response("invalid or revoked API key", 401)
        if scope.get("path") not in CLIENT_PATHS:
            return error_response("this endpoint needs the master key", 403)
        limit = identity.rate_limit_per_minute
        if limit is not None:
            verdict = await self.limiter.hit(identity.client_id, limit)
            if not verdict.allowed:
                return error_response(
                    f"client {identity.client_name!r} is over its limit of {limit} requests "
                    f"per minute; retry in {verdict.retry_after_s} s",
                    429,
                    headers={"Retry-After": str(verdict.retry_after_s)},
                )
        store_identity(scope, identity)
        return None

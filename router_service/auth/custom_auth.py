"""LiteLLM's `custom_auth`: hand the identity our middleware found on to LiteLLM.

The key was checked in front of LiteLLM (`router_service.auth.client_auth`),
which stored the caller in the ASGI scope; LiteLLM calls this for every
request it serves, with the same scope. The result reaches the routing hook
as `user_api_key_dict`; its metadata carries the client and the request id.
"""

from typing import Any

from fastapi import Request
from litellm.proxy._types import LitellmUserRoles, ProxyException, UserAPIKeyAuth

from router_service.auth.identity import ClientIdentity, scope_identity
from router_service.request_log.middleware import REQUEST_ID_HEADER

REQUEST_ID_KEY = "hybrid_router_request_id"
CLIENT_KEY = "hybrid_router_client"


async def custom_auth(request: Request, api_key: str) -> UserAPIKeyAuth:
    identity = scope_identity(request.scope)
    if identity is None:  # the middleware lets no keyless request through; be safe anyway
        raise ProxyException(message="missing API key", type="auth_error", param=None, code=401)
    metadata: dict[str, Any] = {
        REQUEST_ID_KEY: request.headers.get(REQUEST_ID_HEADER.decode()),
    }
    if not isinstance(identity, ClientIdentity):
        return UserAPIKeyAuth(
            api_key="hybrid-router-master",
            user_role=LitellmUserRoles.PROXY_ADMIN,
            metadata=metadata,
        )
    metadata[CLIENT_KEY] = {
        "client_id": identity.client_id,
        "client_name": identity.client_name,
        "policy": identity.policy.value,
        "budget_pressure": identity.budget_pressure,
        "has_budget": identity.has_budget,
        "allow_pinned_tiers": identity.allow_pinned_tiers,
    }
    return UserAPIKeyAuth(
        api_key=f"hybrid-router-key-{identity.key_id}",
        user_id=identity.client_name,
        user_role=LitellmUserRoles.INTERNAL_USER,
        metadata=metadata,
    )

"""The caller of one request, as the auth middleware found it.

The middleware stores it in the ASGI scope; LiteLLM's `custom_auth` reads it
from there (the Starlette request shares the scope) and hands it on to the
routing hook in the `UserAPIKeyAuth` metadata. A header would do too, but a
client could send that header itself; the scope only the server can write.
"""

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from router_service.db.models import BudgetPolicy

SCOPE_KEY = "hybrid_router.identity"


@dataclass(frozen=True)
class ClientIdentity:
    client_id: int
    client_name: str
    key_id: str  # the key's public id
    policy: BudgetPolicy
    budget_pressure: bool
    has_budget: bool  # no budget: nothing to reserve, the cost is charged after the call
    rate_limit_per_minute: int | None
    allow_pinned_tiers: bool


@dataclass(frozen=True)
class AdminIdentity:
    """The master key: the operator, with every right and no budget."""


Identity = ClientIdentity | AdminIdentity


def store_identity(scope: MutableMapping[str, Any], identity: Identity) -> None:
    scope[SCOPE_KEY] = identity


def scope_identity(scope: Mapping[str, Any]) -> Identity | None:
    identity = scope.get(SCOPE_KEY)
    return identity if isinstance(identity, ClientIdentity | AdminIdentity) else None

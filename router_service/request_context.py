"""What travels with a request through LiteLLM: its local plan and its outcome.

The routing hook writes both into the request metadata. LiteLLM hands that
metadata to every deployment call and log event of the request (retries,
fallbacks and the output guard's second attempt included), so the deployment
hooks, the output guard and the breaker feed read the plan and write the
outcome, and the response headers report it. The two dicts are shared by
reference; LiteLLM may copy the metadata around them, never their contents.

- plan (only for a request sent local): our request id for the breaker, the
  context size, and the JSON the reply must be (None if any text will do);
- outcome (every request): local attempts, the escalation cause, and the
  model whose call answered (the last deployment call started: a failed call
  is always followed by the fallback's).
"""

from collections.abc import Mapping
from typing import Any, Literal

PLAN_KEY = "hybrid_router_local"
OUTCOME_KEY = "hybrid_router_outcome"
# Marks the output guard's second local attempt, a LiteLLM call of its own.
NESTED_ATTEMPT_KEY = "hybrid_router_second_attempt"
METADATA_KEYS = ("metadata", "litellm_metadata")
Escalation = Literal["none", "invalid_output", "local_unavailable", "local_timeout"]


def new_plan(
    request_id: str, num_ctx: int, json_contract: Mapping[str, Any] | None
) -> dict[str, Any]:
    contract = dict(json_contract) if json_contract is not None else None
    return {"request_id": request_id, "num_ctx": num_ctx, "json": contract}


def new_outcome(request_id: str | None = None) -> dict[str, Any]:
    return {
        "request_id": request_id,
        "local_attempts": 0,
        "escalation": "none",
        "answered_by": None,
    }


def find_plan(kwargs: Mapping[str, Any]) -> dict[str, Any] | None:
    """The plan in a request, deployment call or log event's kwargs, if any."""
    return _find(kwargs, PLAN_KEY)


def find_outcome(kwargs: Mapping[str, Any]) -> dict[str, Any] | None:
    return _find(kwargs, OUTCOME_KEY)


def metadata_of(kwargs: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The metadata that carries our keys, wherever LiteLLM put it for this call or event."""
    litellm_params = kwargs.get("litellm_params")
    holders = [kwargs.get(name) for name in METADATA_KEYS]
    if isinstance(litellm_params, Mapping):
        holders.append(litellm_params.get("metadata"))
    for metadata in holders:
        if isinstance(metadata, Mapping) and isinstance(metadata.get(OUTCOME_KEY), dict):
            return metadata
    return None


def _find(kwargs: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    metadata = metadata_of(kwargs)
    found = metadata.get(key) if metadata is not None else None
    return found if isinstance(found, dict) else None

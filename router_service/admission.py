"""Whether a request the router would send local can be served there.

After the rules and the classifier chose `local`, three things can still send
an `auto` request to the cloud:

- `context_too_long`: the prompt and the reply budget do not fit the local
  context maximum (Ollama would silently drop the start of the prompt);
- `json_stream`: JSON is required and the reply is streamed. A stream cannot
  be validated before the client has read it, so the local model is not
  trusted with it; the cloud answers JSON reliably. (A non-streamed local
  reply is validated and repaired by the output guard.)
- `breaker_open` / `local_busy`: the latency breaker is open, or the local
  queue is already longer than the latency threshold allows.

A client that pinned `local` is never moved: a request that cannot be served
there is refused with a 400 that says why, rather than silently truncated or
silently sent to a tier the client did not ask for.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from classifier import Decision, RequestFeatures
from router_service.breaker_store import LocalBreaker
from router_service.context_sizing import ContextLimits, context_window, prompt_tokens
from router_service.request_context import new_plan

FIXED_REASONS = ("pinned", "budget")


class LocalTierRefused(ValueError):
    """A request pinned to `local` cannot be served there; the message says why."""


@dataclass(frozen=True)
class Admitted:
    decision: Decision
    plan: dict[str, Any] | None  # present when the request goes local


@dataclass(frozen=True)
class LocalAdmission:
    limits: ContextLimits
    breaker: LocalBreaker

    async def review(
        self, decision: Decision, request: Mapping[str, Any], features: RequestFeatures
    ) -> Admitted:
        if decision.tier != "local":
            return Admitted(decision, None)
        # A pinned tier, or the local-only service of a client over budget: not moved.
        pinned = decision.reason in FIXED_REASONS
        num_ctx = context_window(request, self.limits)
        if num_ctx is None:
            if pinned:
                raise LocalTierRefused(
                    f"the prompt (about {prompt_tokens(request)} tokens) and the reply do not "
                    f"fit the local model's context of {self.limits.maximum} tokens; "
                    "use model 'auto' or 'cloud'"
                )
            return Admitted(_to_cloud(decision, "context_too_long"), None)
        contract = json_contract(request, features)
        if contract is not None and request.get("stream"):
            if pinned:
                raise LocalTierRefused(
                    "the local tier does not stream JSON replies, which cannot be validated "
                    "before they are sent; set stream to false, or use model 'auto' or 'cloud'"
                )
            return Admitted(_to_cloud(decision, "json_stream"), None)
        request_id = uuid.uuid4().hex
        admission = await self.breaker.admit(request_id, pinned=pinned)
        if admission != "local":
            return Admitted(_to_cloud(decision, admission), None)
        return Admitted(decision, new_plan(request_id, num_ctx, contract))


def json_contract(request: Mapping[str, Any], features: RequestFeatures) -> dict[str, Any] | None:
    """What a local reply must be: a JSON object, or any JSON, and the schema if given."""
    if not features.requires_json:
        return None
    response_format = request.get("response_format")
    wants_object = isinstance(response_format, Mapping) and (
        response_format.get("type") == "json_object"
    )
    schema = dict(features.json_schema) if features.json_schema is not None else None
    return {"kind": "object" if wants_object else "any", "schema": schema}


def _to_cloud(decision: Decision, reason: str) -> Decision:
    return replace(decision, tier="cloud", reason=reason)

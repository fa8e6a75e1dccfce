"""The LiteLLM callback that follows each local call: sizing, outcome, breaker feed.

For every deployment call of a request the routing hook sent local (its plan
is in the metadata):

- a call to the local deployment gets the plan's `num_ctx` and the router's
  `keep_alive`, and counts as a local attempt;
- a local call that fails records the escalation cause (`local_timeout` for a
  timeout, `local_unavailable` for anything else: refused, reset, 5xx) and
  counts as a failure for the breaker; LiteLLM's fallback then asks the cloud;
- a finished local call gives the breaker its latency: for a whole reply as
  soon as it is back (the time since admission), for a stream from its log
  event at the end (the time to first token);
- once a call of the request reaches the cloud, the request has left the
  local tier and stops counting in flight.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import litellm
from litellm.integrations.custom_logger import CustomLogger
from litellm.proxy._types import UserAPIKeyAuth
from litellm.types.utils import CallTypes

from router_service.breaker_store import LocalBreaker
from router_service.deployments import DeploymentIndex
from router_service.request_context import Escalation, find_outcome, find_plan

CHAT_CALLS = (CallTypes.acompletion, CallTypes.completion)


def escalation_cause(exception: BaseException) -> Escalation:
    if isinstance(exception, litellm.exceptions.Timeout):
        return "local_timeout"
    return "local_unavailable"


class LocalMonitor(CustomLogger):
    def __init__(
        self, deployments: DeploymentIndex, breaker: LocalBreaker, keep_alive: str
    ) -> None:
        super().__init__()
        self.deployments = deployments
        self.breaker = breaker
        self.keep_alive = keep_alive

    async def async_pre_call_deployment_hook(
        self, kwargs: dict[str, Any], call_type: Any
    ) -> dict[str, Any] | None:
        plan = find_plan(kwargs)
        if plan is None:
            return None
        tier = self.deployments.tier(kwargs)
        if tier == "local":
            # /v1/messages passes here twice per attempt: as itself, then as the
            # chat completion LiteLLM turns it into; the latter reaches Ollama.
            results = find_outcome(kwargs)
            if call_type in CHAT_CALLS and results is not None:
                results["local_attempts"] += 1
            return {**kwargs, "num_ctx": plan["num_ctx"], "keep_alive": self.keep_alive}
        if tier == "cloud":
            self.breaker.released(plan["request_id"])
        return None

    async def async_post_call_success_deployment_hook(
        self, request_data: dict[str, Any], response: Any, call_type: Any
    ) -> None:
        """A whole local reply is back: the GPU is free again, so stop counting it in flight.

        (A stream ends later; its log event, with the time to first token, does that.)
        """
        plan = find_plan(request_data)
        whole_local_reply = (
            self.deployments.tier(request_data) == "local"
            and not request_data.get("stream")
            and call_type in CHAT_CALLS
        )
        if plan is not None and whole_local_reply:
            self.breaker.finished(plan["request_id"])

    async def async_post_call_failure_deployment_hook(
        self,
        request_data: Mapping[str, object],
        exception: Exception,
        call_type: Any,
        fallback_depth: int | None = None,
    ) -> None:
        plan = find_plan(request_data)
        if plan is None or self.deployments.tier(request_data) != "local":
            return
        results = find_outcome(request_data)
        if results is not None and results["escalation"] == "none":
            results["escalation"] = escalation_cause(exception)
        self.breaker.failed(plan["request_id"])

    async def async_log_success_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: datetime, end_time: datetime
    ) -> None:
        plan = find_plan(kwargs)
        if plan is None or self.deployments.tier(kwargs) != "local":
            return
        total_s = (end_time - start_time).total_seconds()
        first_token = kwargs.get("completion_start_time")
        if kwargs.get("stream") and isinstance(first_token, datetime):
            latency_s = (first_token - start_time).total_seconds()
        else:
            latency_s = total_s
        self.breaker.finished(plan["request_id"], latency_s, total_s)

    async def async_log_failure_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: datetime, end_time: datetime
    ) -> None:
        # Request-level: a stream that breaks after its first byte ends here.
        plan = find_plan(kwargs)
        if plan is not None and self.deployments.tier(kwargs) == "local":
            self.breaker.failed(plan["request_id"])

    async def async_post_call_failure_hook(
        self,
        request_data: dict[str, Any],
        original_exception: Exception,
        user_api_key_dict: UserAPIKeyAuth,
        traceback_str: str | None = None,
    ) -> None:
        plan = find_plan(request_data)
        if plan is not None:
            self.breaker.released(plan["request_id"])

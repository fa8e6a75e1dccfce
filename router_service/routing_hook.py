"""The LiteLLM callback that routes each request and reports the decision.

`async_pre_call_hook` replaces the client's `model` (`auto`, `local` or
`cloud`) with the tier chosen: rules and classifier first, then the local
admission (context size, JSON streams, the breaker). The decision and, for a
local request, its plan travel in the request metadata and come back to the
client as `x-hybrid-*` response headers. The hooks are defined on this class
itself: LiteLLM skips hooks a callback inherits.
"""

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from litellm.integrations.custom_logger import CustomLogger
from litellm.litellm_core_utils.core_helpers import get_metadata_variable_name_from_kwargs
from litellm.proxy._types import ProxyException, UserAPIKeyAuth

from classifier import Decision, extract_features
from router_service.admission import LocalAdmission, LocalTierRefused
from router_service.deployments import DeploymentIndex
from router_service.request_context import OUTCOME_KEY, PLAN_KEY, find_outcome, new_outcome
from router_service.request_router import RequestRouter
from router_service.request_schemas import MODEL_ALIASES

DECISION_KEY = "hybrid_router_decision"
HEADER_PREFIX = "x-hybrid-"


class RoutingHook(CustomLogger):
    def __init__(
        self,
        router: RequestRouter,
        deployments: DeploymentIndex,
        admission: LocalAdmission,
    ) -> None:
        super().__init__()
        self.router = router
        self.deployments = deployments
        self.admission = admission

    async def async_pre_call_hook(
        self,
        user_api_key_dict: UserAPIKeyAuth,
        cache: Any,
        data: dict[str, Any],
        call_type: Any,
    ) -> dict[str, Any]:
        if data.get("model") not in MODEL_ALIASES:
            # The request guard rejects these on the chat routes; other routes land here.
            raise ProxyException(
                message=f"unknown model {data.get('model')!r}: use one of "
                + ", ".join(MODEL_ALIASES),
                type="invalid_request_error",
                param="model",
                code=400,
            )
        features = extract_features(data)
        decision = self.router.decide_features(data.get("model"), features)
        try:
            admitted = await self.admission.review(decision, data, features)
        except LocalTierRefused as refusal:
            raise ProxyException(
                message=str(refusal), type="invalid_request_error", param="model", code=400
            ) from refusal
        data["model"] = admitted.decision.tier
        metadata = data.setdefault(get_metadata_variable_name_from_kwargs(data), {})
        metadata[DECISION_KEY] = asdict(admitted.decision)
        metadata[OUTCOME_KEY] = new_outcome()
        if admitted.plan is not None:
            metadata[PLAN_KEY] = admitted.plan
        return data

    async def async_pre_call_deployment_hook(
        self, kwargs: dict[str, Any], call_type: Any
    ) -> dict[str, Any] | None:
        """Record the deployment being called: the last one called is the one that answers."""
        results = find_outcome(kwargs)
        model = self.deployments.model(kwargs)
        if results is not None and model is not None:
            results["answered_by"] = model
        return None

    async def async_post_call_response_headers_hook(
        self,
        data: dict[str, Any],
        user_api_key_dict: UserAPIKeyAuth,
        response: object,
        request_headers: dict[str, str] | None = None,
        litellm_call_info: dict[str, object] | None = None,
    ) -> dict[str, str] | None:
        metadata = request_metadata(data)
        if metadata is None or not isinstance(metadata.get(DECISION_KEY), Mapping):
            return None
        headers = decision_headers(Decision(**metadata[DECISION_KEY]))
        results = find_outcome(data) or new_outcome()
        served_by = self.deployments.actual_model(litellm_call_info or {}, results["answered_by"])
        if served_by is not None:
            headers[HEADER_PREFIX + "actual-model"] = served_by
        headers[HEADER_PREFIX + "escalation"] = str(results["escalation"])
        headers[HEADER_PREFIX + "local-attempts"] = str(results["local_attempts"])
        return headers


def request_metadata(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The metadata dict that carries our decision (`metadata` or `litellm_metadata`)."""
    for key in ("metadata", "litellm_metadata"):
        metadata = data.get(key)
        if isinstance(metadata, dict) and DECISION_KEY in metadata:
            return metadata
    return None


def decision_headers(decision: Decision) -> dict[str, str]:
    headers = {
        HEADER_PREFIX + "routed-to": decision.tier,
        HEADER_PREFIX + "reason": decision.reason,
    }
    if decision.score is not None:
        headers[HEADER_PREFIX + "score"] = f"{decision.score:.4f}"
    if decision.confidence is not None:
        headers[HEADER_PREFIX + "confidence"] = f"{decision.confidence:.4f}"
    if decision.classifier_version is not None:
        headers[HEADER_PREFIX + "classifier-version"] = decision.classifier_version
    return headers

"""The LiteLLM callback that routes each request and reports the decision.

`async_pre_call_hook` replaces the client's `model` (`auto`, `local` or
`cloud`) with the tier chosen; the decision travels in the request metadata
and comes back to the client as `x-hybrid-*` response headers. Both hooks
are defined on this class itself: LiteLLM skips hooks a callback inherits.
"""

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from litellm.integrations.custom_logger import CustomLogger
from litellm.litellm_core_utils.core_helpers import get_metadata_variable_name_from_kwargs
from litellm.proxy._types import ProxyException, UserAPIKeyAuth

from classifier import Decision
from router_service.core.config import Settings
from router_service.deployments import ANSWERED_BY_KEY, DeploymentIndex
from router_service.request_router import RequestRouter
from router_service.request_schemas import MODEL_ALIASES

DECISION_KEY = "hybrid_router_decision"
HEADER_PREFIX = "x-hybrid-"


class RoutingHook(CustomLogger):
    def __init__(self, router: RequestRouter, deployments: DeploymentIndex) -> None:
        super().__init__()
        self.router = router
        self.deployments = deployments

    @classmethod
    def from_settings(cls, settings: Settings) -> "RoutingHook":
        return cls(
            RequestRouter.from_settings(settings),
            DeploymentIndex.from_config(settings.litellm_config),
        )

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
        decision = self.router.decide(data)
        data["model"] = decision.tier
        metadata_key = get_metadata_variable_name_from_kwargs(data)
        data.setdefault(metadata_key, {})[DECISION_KEY] = asdict(decision)
        return data

    async def async_post_call_success_deployment_hook(
        self, request_data: dict[str, Any], response: Any, call_type: Any
    ) -> None:
        """Record which model answered; the last successful call (after fallbacks) wins."""
        metadata = request_metadata(request_data)
        if metadata is not None and isinstance(request_data.get("model"), str):
            metadata[ANSWERED_BY_KEY] = request_data["model"]

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
        served_by = self.deployments.actual_model(litellm_call_info or {}, metadata)
        if served_by is not None:
            headers[HEADER_PREFIX + "actual-model"] = served_by
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

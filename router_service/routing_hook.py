"""The LiteLLM callback that routes each request and reports the decision.

`async_pre_call_hook` replaces the client's `model` (`auto`, `local` or
`cloud`) with the tier chosen: rules and classifier first, then the local
admission (context size, JSON streams, the breaker). The decision and, for a
local request, its plan travel in the request metadata and come back to the
client as `x-hybrid-*` response headers. The hooks are defined on this class
itself: LiteLLM skips hooks a callback inherits.
"""

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from litellm.integrations.custom_logger import CustomLogger
from litellm.litellm_core_utils.core_helpers import get_metadata_variable_name_from_kwargs
from litellm.proxy._types import ProxyException, UserAPIKeyAuth

from classifier import Decision, RequestFeatures, extract_features
from classifier.tiers import TIERS
from router_service.admission import Admitted, LocalAdmission, LocalTierRefused
from router_service.auth.custom_auth import CLIENT_KEY, REQUEST_ID_KEY
from router_service.budget_gate import WITHIN, BudgetGate, reserves
from router_service.deployments import DeploymentIndex
from router_service.request_context import OUTCOME_KEY, PLAN_KEY, find_outcome, new_outcome
from router_service.request_log.fields import (
    conversation_id,
    interaction_type,
    stored_features,
    stored_text,
)
from router_service.request_log.ledger import RequestLedger
from router_service.request_router import RequestRouter
from router_service.request_schemas import MODEL_ALIASES

DECISION_KEY = "hybrid_router_decision"
HEADER_PREFIX = "x-hybrid-"
CLIENT_ERROR_TYPES = {
    400: "invalid_request_error",
    403: "permission_error",
    429: "rate_limit_error",
}


@dataclass(frozen=True)
class HookOptions:
    default_max_tokens: int = 4096
    log_text: str = "redacted"  # or "none": see Settings.log_text


def _client_error(message: str, status: int) -> ProxyException:
    return ProxyException(
        message=message, type=CLIENT_ERROR_TYPES.get(status, "invalid_request_error"),
        param="model" if status == 400 else None, code=status,
    )  # fmt: skip


class RoutingHook(CustomLogger):
    def __init__(
        self,
        router: RequestRouter,
        deployments: DeploymentIndex,
        admission: LocalAdmission,
        budget: BudgetGate,
        ledger: RequestLedger,
        options: HookOptions,
    ) -> None:
        super().__init__()
        self.router = router
        self.deployments = deployments
        self.admission = admission
        self.budget = budget
        self.ledger = ledger
        self.options = options

    async def async_pre_call_hook(
        self,
        user_api_key_dict: UserAPIKeyAuth,
        cache: Any,
        data: dict[str, Any],
        call_type: Any,
    ) -> dict[str, Any]:
        requested = data.get("model")
        if requested not in MODEL_ALIASES:
            # The request guard rejects these on the chat routes; other routes land here.
            raise _client_error(
                f"unknown model {requested!r}: use one of " + ", ".join(MODEL_ALIASES), 400
            )
        caller = user_api_key_dict.metadata or {}
        request_id = caller.get(REQUEST_ID_KEY) or uuid.uuid4().hex
        client = caller.get(CLIENT_KEY)
        if client is not None and requested in TIERS and not client["allow_pinned_tiers"]:
            raise _client_error("this key may not pin a tier: use model 'auto'", 403)
        verdict = WITHIN if client is None else await self.budget.check(client, request_id, data)
        if not verdict.allowed and not verdict.downgrade:
            raise _client_error(str(verdict.message), 429)
        features = extract_features(data)
        if verdict.downgrade:
            decision = Decision("local", "budget", None, None, None)
        else:
            decision = self.router.decide_features(requested, features, verdict.pressure)
        try:
            admitted = await self.admission.review(decision, data, features)
        except LocalTierRefused as refusal:
            if client is not None:
                await self.budget.release(client, request_id)
            if verdict.downgrade:
                raise _client_error(
                    f"{verdict.message}; the local tier cannot serve it: {refusal}", 429
                ) from refusal
            raise _client_error(str(refusal), 400) from refusal
        self._apply(data, admitted, request_id, verdict.downgrade)
        self._describe(request_id, data, features, decision, admitted.decision, client)
        return data

    def _apply(
        self, data: dict[str, Any], admitted: Admitted, request_id: str, local_only: bool
    ) -> None:
        data["model"] = admitted.decision.tier
        if local_only:
            data["disable_fallbacks"] = True  # over budget: the cloud is not an option
        if not any(data.get(field) for field in ("max_tokens", "max_completion_tokens")):
            data["max_tokens"] = self.options.default_max_tokens
        metadata = data.setdefault(get_metadata_variable_name_from_kwargs(data), {})
        metadata[DECISION_KEY] = asdict(admitted.decision)
        metadata[OUTCOME_KEY] = new_outcome(request_id)
        if admitted.plan is not None:
            metadata[PLAN_KEY] = {**admitted.plan, "local_only": local_only}

    def _describe(
        self,
        request_id: str,
        data: Mapping[str, Any],
        features: RequestFeatures,
        classified: Decision,
        final: Decision,
        client: Mapping[str, Any] | None,
    ) -> None:
        """Fill the request's log row with what the decision knows."""
        record = self.ledger.get(request_id)
        if record is None:
            return  # a route the log middleware does not cover
        server_request = data.get("proxy_server_request") or {}
        headers = {str(k).lower(): str(v) for k, v in (server_request.get("headers") or {}).items()}
        record.client_id = client["client_id"] if client is not None else None
        record.reserved = client is not None and reserves(client)
        record.conversation_id = conversation_id(data, headers)
        record.interaction_type = interaction_type(classified)
        record.decision_reason = final.reason
        record.score, record.confidence = final.score, final.confidence
        record.classifier_version = final.classifier_version
        record.routed_to = final.tier
        record.stream = bool(data.get("stream"))
        record.text = stored_text(features, self.options.log_text)
        record.features = stored_features(features, self.options.log_text)
        record.expects_llm_event = True

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

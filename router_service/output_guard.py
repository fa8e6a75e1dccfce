"""The output guard: a local reply that must be JSON is checked, repaired or escalated.

It runs as a LiteLLM deployment hook, inside the router's retry and fallback
path: it is a `CustomGuardrail` because LiteLLM swallows exceptions raised
there by a plain `CustomLogger`. For a local reply whose request requires
JSON (see `router_service.admission.json_contract`):

- the JSON is looked for in the reply (`router_service.json_reply`) and
  checked against the schema; a valid reply goes to the client clean, without
  a fence or prose around it;
- an invalid or empty reply is asked for once more from local, at once;
- a second invalid reply raises `InvalidLocalOutput`, and LiteLLM's
  `local → cloud` fallback answers from the cloud.

Exactly two local attempts: a third would take longer than one cloud call.
`InvalidLocalOutput` is a 422: LiteLLM neither retries it nor cools the
local deployment down for it (the model is up, it just got this one wrong).
"""

from collections.abc import Mapping
from typing import Any

import litellm
from litellm.integrations.custom_guardrail import CustomGuardrail
from litellm.types.utils import ModelResponse

from router_service.deployments import DeploymentIndex
from router_service.json_reply import extract_json, schema_errors
from router_service.request_context import (
    METADATA_KEYS,
    NESTED_ATTEMPT_KEY,
    OUTCOME_KEY,
    find_outcome,
    find_plan,
    new_outcome,
)

MAX_LOCAL_ATTEMPTS = 2
# Per-call bookkeeping LiteLLM adds; a second attempt gets its own.
PER_CALL_KEYS = ("litellm_logging_obj", "litellm_call_id", "litellm_trace_id")


class InvalidLocalOutput(litellm.exceptions.APIError):
    """The local model did not produce the JSON the request requires."""

    def __init__(self, model: str, problem: str) -> None:
        super().__init__(
            status_code=422,
            message=f"invalid local output after {MAX_LOCAL_ATTEMPTS} attempts: {problem}",
            llm_provider="ollama_chat",
            model=model,
        )


def reply_problem(reply: str, contract: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(the clean JSON text, None) for a valid reply, else (None, what is wrong)."""
    found = extract_json(reply)
    if found is None:
        return None, "the reply is empty" if not reply.strip() else "the reply holds no JSON"
    if contract["kind"] == "object" and not isinstance(found.value, dict):
        return None, "the reply is JSON but not an object"
    if contract["kind"] == "any" and not isinstance(found.value, dict | list):
        return None, "the reply is a bare JSON value, not an object or array"
    errors = schema_errors(found.value, contract.get("schema"))
    if errors:
        return None, "the reply does not match the schema: " + "; ".join(errors[:3])
    return found.text, None


class OutputGuard(CustomGuardrail):
    def __init__(self, deployments: DeploymentIndex) -> None:
        super().__init__(guardrail_name="hybrid-router-output-guard")
        self.deployments = deployments

    async def async_post_call_success_deployment_hook(
        self, request_data: dict[str, Any], response: Any, call_type: Any
    ) -> Any:
        plan = find_plan(request_data)
        if plan is None or plan["json"] is None or not isinstance(response, ModelResponse):
            return None
        if self.deployments.tier(request_data) != "local":
            return None
        reply = _reply_text(response)
        clean, problem = reply_problem(reply, plan["json"])
        if clean is not None:
            _set_reply_text(response, clean)
            return response
        results = find_outcome(request_data) or new_outcome()
        if results["local_attempts"] >= MAX_LOCAL_ATTEMPTS:
            results["escalation"] = "invalid_output"
            raise InvalidLocalOutput(str(request_data.get("model")), str(problem))
        # The second attempt runs through LiteLLM again, so this hook checks it too.
        return await litellm.acompletion(**second_attempt(request_data))


def second_attempt(request_data: Mapping[str, Any]) -> dict[str, Any]:
    """The call again, marked as a second attempt: the plan and the outcome stay shared."""
    second = {key: value for key, value in request_data.items() if key not in PER_CALL_KEYS}
    for name in METADATA_KEYS:
        metadata = second.get(name)
        if isinstance(metadata, Mapping) and OUTCOME_KEY in metadata:
            second[name] = {**metadata, NESTED_ATTEMPT_KEY: True}
    return second


def _reply_text(response: ModelResponse) -> str:
    if not response.choices:
        return ""
    content = getattr(response.choices[0], "message", None)
    text = getattr(content, "content", None)
    return text if isinstance(text, str) else ""


def _set_reply_text(response: ModelResponse, text: str) -> None:
    response.choices[0].message.content = text

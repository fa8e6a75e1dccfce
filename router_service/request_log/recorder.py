"""The LiteLLM callback that completes each request's log row from the model call.

It reads LiteLLM's log events: on success the model that answered, tokens,
cost (cloud list prices for a cloud answer, free for a local one) and time
to first token; on failure the error. The escalation cause and local
attempts come from the request's outcome. The output guard's second local
attempt is a call of its own; its events are skipped (the request's own
event follows).
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from litellm.integrations.custom_logger import CustomLogger
from litellm.proxy._types import UserAPIKeyAuth

from router_service.deployments import DeploymentIndex
from router_service.pricing import FREE, Prices
from router_service.request_context import (
    NESTED_ATTEMPT_KEY,
    find_outcome,
    find_plan,
    metadata_of,
)
from router_service.request_log.ledger import RequestLedger
from router_service.request_log.record import PendingRecord


class RequestRecorder(CustomLogger):
    def __init__(self, ledger: RequestLedger, deployments: DeploymentIndex, cloud: Prices) -> None:
        super().__init__()
        self.ledger = ledger
        self.deployments = deployments
        self.cloud = cloud

    async def async_log_success_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: datetime, end_time: datetime
    ) -> None:
        record = self._record(kwargs)
        if record is None:
            return
        summary = kwargs.get("standard_logging_object") or {}
        prompt = int(summary.get("prompt_tokens") or 0)
        completion = int(summary.get("completion_tokens") or 0)
        prices = self.cloud if self.deployments.tier(kwargs) == "cloud" else FREE
        record.error = None  # a failed local attempt, if any, was escalated and answered
        record.prompt_tokens, record.completion_tokens = prompt, completion
        record.cost_micros = prices.cost_micros(prompt, completion)
        record.actual_model = self.deployments.model(kwargs) or str(kwargs.get("model"))
        first_token = kwargs.get("completion_start_time")
        if kwargs.get("stream") and isinstance(first_token, datetime):
            record.ttft_ms = (first_token - start_time).total_seconds() * 1000
        self._copy_outcome(record, kwargs)
        self.ledger.llm_event_seen(record)

    async def async_log_failure_event(
        self, kwargs: dict[str, Any], response_obj: Any, start_time: datetime, end_time: datetime
    ) -> None:
        record = self._record(kwargs)
        if record is None:
            return
        exception = kwargs.get("exception")
        record.error = str(exception)[:2000] if exception else "model call failed"
        if record.first_byte_at is not None:  # a stream that broke midway: it did answer part
            record.actual_model = self.deployments.model(kwargs)
        self._copy_outcome(record, kwargs)
        plan = find_plan(kwargs)
        falls_back = self.deployments.tier(kwargs) == "local" and not (plan or {}).get("local_only")
        if not falls_back:
            self.ledger.llm_event_seen(record)
        # A local failure is not the end: LiteLLM's fallback asks the cloud next,
        # and that call's event (or the request's failure) completes the row.

    async def async_post_call_failure_hook(
        self,
        request_data: dict[str, Any],
        original_exception: Exception,
        user_api_key_dict: UserAPIKeyAuth,
        traceback_str: str | None = None,
    ) -> None:
        record = self._record(request_data)
        if record is None:
            return
        record.error = record.error or str(original_exception)[:2000]
        self._copy_outcome(record, request_data)
        self.ledger.llm_event_seen(record)  # no model event will finish this request

    def _record(self, kwargs: Mapping[str, Any]) -> PendingRecord | None:
        metadata = metadata_of(kwargs)
        if metadata is not None and metadata.get(NESTED_ATTEMPT_KEY):
            return None
        results = find_outcome(kwargs)
        return self.ledger.get(results.get("request_id")) if results is not None else None

    @staticmethod
    def _copy_outcome(record: PendingRecord, kwargs: Mapping[str, Any]) -> None:
        results = find_outcome(kwargs)
        if results is not None:
            record.escalation = results["escalation"]
            record.local_attempts = results["local_attempts"]

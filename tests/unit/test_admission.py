"""What may still move a local decision to the cloud, and what a pinned request gets."""

import pytest

from classifier import Decision, extract_features
from router_service.admission import LocalAdmission, LocalTierRefused
from router_service.breaker import BreakerConfig
from router_service.breaker_store import LocalBreaker, MemoryBreakerStore
from router_service.context_sizing import ContextLimits

LOCAL = Decision("local", "rule:address", None, None, None)
PINNED = Decision("local", "pinned", None, None, None)
SHORT = {"messages": [{"role": "user", "content": "What is your address?"}]}
LONG = {"messages": [{"role": "user", "content": "Terms. " * 8000}]}
JSON_STREAM = {**SHORT, "stream": True, "response_format": {"type": "json_object"}}


def admission(capacity_s: float = 8.0) -> LocalAdmission:
    config = BreakerConfig(latency_threshold_s=capacity_s, service_time_s=2.0)
    return LocalAdmission(ContextLimits(), LocalBreaker(config, MemoryBreakerStore()))


async def review(decision: Decision, request: dict[str, object], gate: LocalAdmission) -> Decision:
    admitted = await gate.review(decision, request, extract_features(request))
    assert (admitted.plan is not None) == (admitted.decision.tier == "local")
    return admitted.decision


async def test_a_fitting_request_stays_local_with_a_plan() -> None:
    gate = admission()
    admitted = await gate.review(LOCAL, SHORT, extract_features(SHORT))
    assert admitted.decision == LOCAL
    assert admitted.plan is not None and admitted.plan["num_ctx"] == 2048
    assert admitted.plan["json"] is None


async def test_auto_requests_move_to_the_cloud_with_the_reason() -> None:
    assert (await review(LOCAL, LONG, admission())).reason == "context_too_long"
    assert (await review(LOCAL, JSON_STREAM, admission())).reason == "json_stream"
    busy = admission(capacity_s=4.0)  # 2 s per request: two fit
    reasons = [(await review(LOCAL, SHORT, busy)).reason for _ in range(3)]
    assert reasons == ["rule:address", "rule:address", "local_busy"]


async def test_pinned_requests_are_refused_rather_than_moved() -> None:
    with pytest.raises(LocalTierRefused, match="do not fit"):
        await review(PINNED, LONG, admission())
    with pytest.raises(LocalTierRefused, match="does not stream JSON"):
        await review(PINNED, JSON_STREAM, admission())
    busy = admission(capacity_s=2.0)
    assert [(await review(PINNED, SHORT, busy)).tier for _ in range(3)] == ["local"] * 3


async def test_a_json_contract_travels_in_the_plan() -> None:
    schema = {"type": "object", "properties": {"open": {"type": "boolean"}}}
    request = {
        **SHORT,
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}},
    }
    admitted = await admission().review(LOCAL, request, extract_features(request))
    assert admitted.plan is not None
    assert admitted.plan["json"] == {"kind": "any", "schema": schema}
